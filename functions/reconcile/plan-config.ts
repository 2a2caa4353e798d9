// The gate before anything is applied: a spec that is invalid, changes the Cluster.Id the instances
// run with, or claims an Id another cluster on the same etcd uses, is rejected with a condition and a
// Warning Event, and the cluster keeps its last valid config; in maintenance only the status is
// written. Pure: the two reads the gate may need (the other clusters, the API server's dry run) are
// done by the caller, only when the functions here say they are needed.
import type { GpssCluster } from '../../lib/api/types';
import { clusterIdOf, etcdEndpointsOf, shareEtcd, validateSpec } from '../../lib/api/validate-config';
import {
  buildDesired,
  gpfdistServiceType,
  gpssServiceType,
  nameProblems,
  type StatefulSet,
} from '../../lib/desired';
import type { Observed } from '../../lib/k8s/observe';
import { applyReason, withAppliedHash } from './diff';
import { configRejected, configValid, maintenanceProgressing, statusFields } from './plan-status';
import { CLUSTER_ID_ANNOTATION, type Plan, type Rejection } from './steps';

/** Nodes are read only when a Service is a NodePort: an address is then a node's. */
export function needsNodes(cr: GpssCluster): boolean {
  return gpfdistServiceType(cr) === 'NodePort' || gpssServiceType(cr) === 'NodePort';
}

/** What the CR and its instance ConfigMap alone say is wrong: the spec, the names, a changed Cluster.Id. */
export function specProblems(cr: GpssCluster, o: Observed): Rejection | undefined {
  const problems = [...validateSpec(cr.spec).map((p) => `spec.${p.path}: ${p.message}`), ...nameProblems(cr)];
  if (problems.length) return { reason: 'InvalidConfig', message: problems.join('; ') };
  const id = clusterIdOf(cr.spec.gpss_config);
  const running = o.configMap?.metadata.annotations?.[CLUSTER_ID_ANNOTATION];
  if (running && running !== id) {
    return {
      reason: 'ClusterIdChanged',
      message: `gpss_config.Cluster.Id changed from "${running}" to "${id}": the running instances keep their jobs in etcd under the old Id; recreate the cluster to change it`,
    };
  }
  return undefined;
}

/**
 * Whether the cluster is claiming its Id now (nothing recorded yet), the one time the other clusters
 * are read: once it runs with the Id, a later cluster claiming the same one is the duplicate and is
 * refused at its own first reconcile. This keeps the namespace-wide list off every later event.
 */
export function claimsClusterId(cr: GpssCluster, o: Observed): boolean {
  return o.configMap?.metadata.annotations?.[CLUSTER_ID_ANNOTATION] !== clusterIdOf(cr.spec.gpss_config);
}

/** Clusters in any namespace that share an etcd and an Id would run each other's jobs. */
export function duplicateClusterId(cr: GpssCluster, others: GpssCluster[]): Rejection | undefined {
  const id = clusterIdOf(cr.spec.gpss_config);
  const dup = others.find(
    (o) =>
      o.metadata.uid !== cr.metadata.uid &&
      !o.metadata.deletionTimestamp &&
      clusterIdOf(o.spec.gpss_config) === id &&
      shareEtcd(o.spec.gpss_config, cr.spec.gpss_config),
  );
  if (!dup) return undefined;
  return {
    reason: 'DuplicateClusterId',
    message: `spec.gpss_config.Cluster.Id "${id}" is already used by GpssCluster ${dup.metadata.namespace}/${dup.metadata.name} on the same etcd (${etcdEndpointsOf(dup.spec.gpss_config).join(', ')})`,
  };
}

/** The StatefulSet the API server is asked to dry-run, only when it is about to change. */
export function statefulSetToDryRun(cr: GpssCluster, o: Observed): StatefulSet | undefined {
  const want = withAppliedHash(buildDesired(cr, o).statefulSet);
  return applyReason(want, o.statefulSet) ? want : undefined;
}

/**
 * A rejected spec: the status says so, keeping the last GPSS address (the cluster keeps running and
 * the rejected spec may not even parse); the Warning Event, and the API server's verdict in the log,
 * come once per rejected generation (only when the status write changed something).
 */
export function planRejected(cr: GpssCluster, r: Rejection): Plan {
  const explain = r.reason === 'InvalidConfig' && !cr.spec.maintenance;
  return {
    outcome: 'invalid',
    steps: [{ do: 'reject', reason: r.reason, problem: r.message }],
    status: {
      conditions: configRejected(cr, r),
      fields: statusFields(cr, cr.status?.gpssAddress),
    },
    afterStatusChange: [
      {
        do: 'event',
        event: {
          type: 'Warning',
          reason: r.reason,
          message: r.message,
          occurrence: `${cr.metadata.generation}`,
        },
      },
      ...(explain ? [{ do: 'explain-refusal' as const }] : []),
    ],
  };
}

/** Maintenance: nothing is applied (so nothing is dry-run either); the status is still reported. */
export function planMaintenance(cr: GpssCluster): Plan {
  return {
    outcome: 'maintenance',
    steps: [{ do: 'maintenance' }],
    status: {
      conditions: [configValid(cr), maintenanceProgressing(cr)],
      fields: statusFields(cr, cr.status?.gpssAddress),
    },
    afterStatusChange: [],
  };
}
