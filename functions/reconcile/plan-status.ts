// reconcile's status conditions and fields, decided from the CR and what was read (no I/O).
import type { GpssCluster } from '../../lib/api/types';
import {
  type DesiredState,
  formatAddress,
  gpfdistServiceType,
  gpssAddress,
  nodeInfo,
  selectorString,
} from '../../lib/desired';
import type { Observed } from '../../lib/k8s/observe';
import type { ConditionInput } from '../../lib/status/conditions';
import { CONDITIONS, type PlannedStatus, type Rejection } from './steps';

export function configValid(cr: GpssCluster): ConditionInput {
  return {
    type: CONDITIONS.configValid,
    status: 'True',
    reason: 'Valid',
    message: 'gpss_config is valid',
    observedGeneration: cr.metadata.generation,
  };
}

/** The cluster keeps running: Progressing says this generation is not applied, not an old "Converged". */
export function configRejected(cr: GpssCluster, r: Rejection): ConditionInput[] {
  const gen = cr.metadata.generation;
  return [
    {
      type: CONDITIONS.configValid,
      status: 'False',
      reason: r.reason,
      message: r.message,
      observedGeneration: gen,
    },
    {
      type: CONDITIONS.progressing,
      status: 'False',
      reason: 'ConfigInvalid',
      message: `generation ${gen} is not applied: the instances keep running the last valid spec`,
      observedGeneration: gen,
    },
  ];
}

export function maintenanceProgressing(cr: GpssCluster): ConditionInput {
  return {
    type: CONDITIONS.progressing,
    status: 'False',
    reason: 'Maintenance',
    message: 'spec.maintenance is true: no changes are made',
    observedGeneration: cr.metadata.generation,
  };
}

/**
 * The StatefulSet has caught up with its spec: the controller observed it, and reports every one of
 * `size` replicas updated and ready.
 */
export function rolloutSettled(sts: Observed['statefulSet'], size: number): boolean {
  const st = sts?.status;
  return (
    !!st &&
    st.observedGeneration === sts?.metadata.generation &&
    (st.updatedReplicas ?? 0) >= size &&
    (st.readyReplicas ?? 0) >= size &&
    (st.replicas ?? 0) === size
  );
}

/**
 * Converged once no instance waits for a restart, the StatefulSet is not being applied and it reports
 * every replica ready and updated. The plan of a pass that applies the StatefulSet says RollingOut;
 * once applied, Progressing is computed from the object the apply returned (execute.ts: a changed spec
 * comes back not yet observed by its controller, so RollingOut with no second pass to learn it; an
 * apply that changed nothing keeps what the status says). The rollout's end is the StatefulSet's own
 * event. An instance that stops being ready makes it RollingOut again: that StatefulSet event is what
 * brings reconcile to look at a lost node (an instance advertising a NodePort address on it must move).
 * The message carries no replica counts on purpose: a count in it would make every pod turning Ready a
 * status write (and each write an event to all three functions); health's Ready condition and
 * `kubectl get gpss` show the counts.
 */
export function progressing(
  cr: GpssCluster,
  o: Pick<Observed, 'statefulSet'>,
  rollout: boolean,
  restartsLeft = 0,
): ConditionInput {
  const gen = cr.metadata.generation;
  const size = cr.spec.size ?? 1;
  const condition = (status: 'True' | 'False', reason: string, message: string): ConditionInput => ({
    type: CONDITIONS.progressing,
    status,
    reason,
    message,
    observedGeneration: gen,
  });
  if (restartsLeft > 0)
    return condition(
      'True',
      'Readdressing',
      `${restartsLeft} instance(s) to restart, one at a time, to advertise a new gpfdist address`,
    );
  if (!rollout && rolloutSettled(o.statefulSet, size))
    return condition('False', 'Converged', `${size} instance(s) at the desired spec`);
  return condition(
    'True',
    'RollingOut',
    `waiting for ${size} instance(s) ready at the StatefulSet's current revision`,
  );
}

/**
 * ExternalAddressReady: every instance has an address, and none listens on a port it also needs for
 * ListenAddress or Cluster (behind a NodePort an instance listens on its allocated node port, which
 * Kubernetes may pick equal to a configured port in the node-port range).
 */
export function addressCondition(cr: GpssCluster, desired: DesiredState): ConditionInput {
  const gen = cr.metadata.generation;
  const condition = (status: 'True' | 'False', reason: string, message: string): ConditionInput => ({
    type: CONDITIONS.address,
    status,
    reason,
    message,
    observedGeneration: gen,
  });
  const pending = desired.instances.filter((i) => i.pending && !i.address);
  if (pending.length > 0) {
    return condition(
      'False',
      'AddressPending',
      pending.map((p) => `${p.serviceName}: ${p.pending}`).join('; '),
    );
  }
  const ports = desired.cluster.gpss.ports;
  const clashes =
    gpfdistServiceType(cr) === 'NodePort'
      ? desired.instances.filter(
          (i) => i.address && (i.address.port === ports.listen || i.address.port === ports.cluster),
        )
      : [];
  if (clashes.length > 0) {
    const message = clashes
      .map(
        (i) =>
          `${i.serviceName}: node port ${i.address!.port} equals spec.gpss_config ${i.address!.port === ports.listen ? 'ListenAddress.Port' : 'Cluster.Port'}; pick a port outside the node-port range (30000-32767) there`,
      )
      .join('; ');
    return condition('False', 'PortCollision', message);
  }
  return condition('True', 'AddressesAssigned', `${desired.instances.length} instance address(es) assigned`);
}

/** The status fields reconcile owns; `gpssAddress` is left out (not sent) while it is unknown. */
export function statusFields(cr: GpssCluster, gpssAddress: string | undefined): PlannedStatus['fields'] {
  return {
    observedGeneration: cr.metadata.generation,
    selector: selectorString(cr),
    ...(gpssAddress ? { gpssAddress } : {}),
  };
}

/** Where gpsscli reaches the cluster now, from its gpss Service and the nodes; undefined while pending. */
export function currentGpssAddress(
  cr: GpssCluster,
  o: Pick<Observed, 'services' | 'nodes'>,
): string | undefined {
  const name = `${cr.metadata.namespace}-${cr.metadata.name}-gpss-service`;
  const a = gpssAddress(
    cr,
    o.services.find((s) => s.metadata.name === name),
    o.nodes.map(nodeInfo),
  );
  return a && !('pending' in a) ? formatAddress(a) : undefined;
}
