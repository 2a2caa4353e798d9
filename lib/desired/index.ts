// Desired state of a GpssCluster: pure functions from the CR (and, for addresses, the observed
// Services, nodes, pods and instance-config ConfigMap) to the objects to server-side apply.
// No I/O, no clock, no randomness: the same input gives byte-identical output, key order included.
//
// How an instance learns its own gpfdist address
// ----------------------------------------------
// Greenplum segments pull a job's data from the one instance running it, at the address GPSS wrote
// into the external table (Gpfdist.Host:Gpfdist.Port). So each instance gets its own Service
// (`{name}-gpfdist-{ordinal}`) and its own rendered config, a key `{pod}.json` in one ConfigMap
// (`{name}-instance-config`) mounted by every pod. A pod waits in its init container until its key
// exists, then runs gpss with it; an instance whose address is not known yet simply has no key.
//
// GPSS has one Gpfdist.Port for both listening and advertising, so the two must agree:
// - LoadBalancer / ClusterIP: advertised = LB ingress or cluster IP : the user's Gpfdist.Port; the
//   instance listens on that port (the container port `gpfdist`), the Service targets it by name.
// - NodePort: advertised = a node's InternalIP : the allocated node port. The instance *listens on
//   the node port too* (its rendered Gpfdist.Port), and the Service's targetPort is that number
//   (buildGpfdistService(cluster, i, {targetPort: nodePort})): the shared pod template cannot declare a
//   per-instance port, so the container port `gpfdist` stays the user's and is informational only.
//   The Service `port` stays the user's Gpfdist.Port, for in-cluster clients.
//   The node port is allocated by the API server on the first apply, so a NodePort instance gets its
//   config on the pass after its Service was created; the node port is never set by the builders and
//   survives every later apply (see services.ts).
//
// Addresses are sticky. While an address is pending, an instance that already has a config keeps its
// last address (re-rendered with the current gpss_config), and for NodePort the advertised node is
// kept as long as it is Ready. When an address does change, `instances[i].addressChanged` says so:
// the running gpss read its config at start and still advertises the old one, so the caller restarts
// that pod. The StatefulSet's checksum covers only the user's gpss_config, never the addresses, or a
// new instance's address would roll every other instance.
//
// Apply order for the caller: Services, then the ConfigMap, then the StatefulSet, then the PDB, so a
// pod created by the StatefulSet finds its config (or waits for it), never a stale one.
// Size 0 keeps the Services that are not per-instance (gpss and headless): the gpss address, which
// users configure gpsscli with, survives a stop and start. Per-instance Services beyond `size` are not
// returned; removing them (after their instance is gone) is the finalize function's job.
//
// One reading per build: buildDesired reads the CR into the effective spec (cluster.ts: defaults,
// gpss_config parsed and checked, names) at its entry and hands that to every builder; no builder
// sees the CR or the gpss_config text. An unusable gpss_config makes buildDesired throw
// GpssConfigError: validate before building. The effective spec comes back as DesiredState.cluster,
// so a caller can use its parsed ports, or pass it to another buildDesired in the same event.

import type { GpssCluster } from '../api/types';
import { asEffectiveCluster, type EffectiveCluster } from './cluster';
import { buildInstanceConfigMap, type InstanceConfig } from './configmap';
import { type Address, renderedAddress, renderInstanceConfig } from './gpss-config';
import { advertisedAddress, isPending, nodeInfo } from './instance-address';
import type {
  ConfigMap,
  LiveConfigMap,
  LiveNode,
  LivePod,
  LiveService,
  PodDisruptionBudget,
  Service,
  StatefulSet,
} from './k8s-types';
import { gpfdistServiceName, instanceConfigKey, instancePodName } from './names';
import { buildPodDisruptionBudget } from './pdb';
import { buildGpfdistService, buildGpssService, buildHeadlessService, PORT_NAMES } from './services';
import { buildStatefulSet } from './statefulset';

export * from './cluster';
export * from './configmap';
export * from './effective';
export * from './gpss-config';
export * from './instance-address';
export type * from './k8s-types';
export * from './names';
export * from './pdb';
export * from './services';
export * from './statefulset';

export interface ObservedState {
  /** Live Services of this cluster; matched by name, others are ignored. */
  services?: LiveService[];
  /** Read only for a NodePort gpfdist Service (which node address to advertise). */
  nodes?: LiveNode[];
  /** Live instance pods, for the node each one runs on. */
  pods?: LivePod[];
  /** The live instance-config ConfigMap: the addresses instances currently advertise. */
  configMap?: LiveConfigMap;
}

export interface InstancePlan {
  ordinal: number;
  podName: string;
  serviceName: string;
  /** What the instance's rendered config advertises: the resolved address, or the last one while pending. */
  address?: Address;
  /** Why the address cannot be resolved now; with no `address` the instance waits for its config. */
  pending?: string;
  /** The config existed with another address: the running instance advertises a stale one until restarted. */
  addressChanged: boolean;
}

export interface DesiredState {
  statefulSet: StatefulSet;
  headless: Service;
  gpssService: Service;
  gpfdistServices: Service[];
  configMap: ConfigMap;
  pdb?: PodDisruptionBudget;
  /** configChecksum(gpss_config), as carried by the pod template. */
  configChecksum: string;
  instances: InstancePlan[];
  /** The effective spec every object above was built from. */
  cluster: EffectiveCluster;
}

function sameAddress(a: Address, b: Address): boolean {
  return a.host === b.host && a.port === b.port;
}

/** `source`: the CR, read here once, or an effective spec read before (no reading at all). */
export function buildDesired(
  source: GpssCluster | EffectiveCluster,
  observed: ObservedState = {},
): DesiredState {
  const c = asEffectiveCluster(source);
  const nodes = (observed.nodes ?? []).map(nodeInfo);
  const nodePortType = c.service.gpfdist === 'NodePort';

  const gpfdistServices: Service[] = [];
  const configs: InstanceConfig[] = [];
  const instances: InstancePlan[] = [];

  for (let ordinal = 0; ordinal < c.size; ordinal++) {
    const serviceName = gpfdistServiceName(c, ordinal);
    const podName = instancePodName(c, ordinal);
    const svc = observed.services?.find((s) => s.metadata.name === serviceName);
    const pod = observed.pods?.find((p) => p.metadata.name === podName);
    const previous = renderedAddress(observed.configMap?.data?.[instanceConfigKey(c, ordinal)]);

    const nodePort = svc?.spec?.ports?.find((p) => p.name === PORT_NAMES.gpfdist)?.nodePort;
    gpfdistServices.push(
      buildGpfdistService(c, ordinal, nodePortType && nodePort ? { targetPort: nodePort } : {}),
    );

    const resolved = advertisedAddress(c, ordinal, svc, nodes, pod?.spec?.nodeName, previous);
    const plan: InstancePlan = { ordinal, podName, serviceName, addressChanged: false };
    if (isPending(resolved)) {
      if (previous) plan.address = previous;
      plan.pending = resolved.pending;
    } else {
      plan.address = resolved;
      plan.addressChanged = previous !== undefined && !sameAddress(previous, resolved);
    }
    if (plan.address) configs.push({ ordinal, text: renderInstanceConfig(c, plan.address) });
    instances.push(plan);
  }

  const pdb = buildPodDisruptionBudget(c);
  return {
    statefulSet: buildStatefulSet(c),
    headless: buildHeadlessService(c),
    gpssService: buildGpssService(c),
    gpfdistServices,
    configMap: buildInstanceConfigMap(c, configs),
    ...(pdb ? { pdb } : {}),
    configChecksum: c.gpss.checksum,
    instances,
    cluster: c,
  };
}
