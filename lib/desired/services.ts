// The three kinds of Service of a GpssCluster:
// - headless: stable DNS for each instance inside the cluster (gpss and cluster ports);
// - `{namespace}-{name}-gpss-service`: the load-balanced gRPC endpoint for gpsscli, since any
//   instance can take any request (they coordinate through etcd);
// - `{name}-gpfdist-{ordinal}`: one per instance, because Greenplum segments pull a job's data from
//   the one instance running it, at the address that instance wrote into the external table.
//
// Allocated values are never set here: the API server allocates clusterIP and nodePort, and the
// builders leave them out so they are not owned by our field manager. Server-side apply then keeps
// them: a field no manager of ours owns is neither reset nor removed by our apply, and on any update
// the Service REST storage copies an omitted nodePort from the existing port of the same *name*
// (patchAllocatedValues). So a port keeps its allocated nodePort as long as its name is unchanged —
// which is why the port names below are constants and must stay so.
//
// externalTrafficPolicy is Cluster, not Local: the advertised gpfdist host is one node's address,
// chosen when the instance's config is rendered, and the pod may later run on another node. With
// Cluster every node forwards its node port to the pod wherever it runs, so the advertised address
// stays valid for the instance's life; Local would drop traffic on every node but the pod's. The cost
// (an extra hop, client IP hidden by SNAT) does not matter to gpfdist.

import type { V1ServiceSpec } from '@kubernetes/client-node';
import { COMPONENTS, GPSS_LABELS, type ServiceType } from '../api/types';
import type { EffectiveCluster } from './cluster';
import type { Service } from './k8s-types';
import { childMeta, componentLabels, gpfdistServiceName, instancePodName, selectorLabels } from './names';

export const PORT_NAMES = { gpss: 'gpss', gpfdist: 'gpfdist', cluster: 'cluster' } as const;

function externalPolicy(type: ServiceType): Pick<V1ServiceSpec, 'externalTrafficPolicy'> {
  return type === 'ClusterIP' ? {} : { externalTrafficPolicy: 'Cluster' };
}

export function buildHeadlessService(c: EffectiveCluster): Service {
  const ports = c.gpss.ports;
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: childMeta(c, c.names.headlessService, componentLabels(c, COMPONENTS.headlessService)),
    spec: {
      type: 'ClusterIP',
      clusterIP: 'None',
      // Instances must resolve each other while still starting (not Ready yet).
      publishNotReadyAddresses: true,
      selector: selectorLabels(c),
      ports: [
        { name: PORT_NAMES.gpss, protocol: 'TCP', port: ports.listen, targetPort: PORT_NAMES.gpss },
        { name: PORT_NAMES.cluster, protocol: 'TCP', port: ports.cluster, targetPort: PORT_NAMES.cluster },
      ],
    },
  };
}

export function buildGpssService(c: EffectiveCluster): Service {
  const type = c.service.gpss;
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: childMeta(c, c.names.gpssService, componentLabels(c, COMPONENTS.gpssService)),
    spec: {
      type,
      ...externalPolicy(type),
      selector: selectorLabels(c),
      ports: [
        { name: PORT_NAMES.gpss, protocol: 'TCP', port: c.gpss.ports.listen, targetPort: PORT_NAMES.gpss },
      ],
    },
  };
}

export interface GpfdistServiceOptions {
  /**
   * For type NodePort: the Service's allocated node port, once known. The instance behind a NodePort
   * listens on that port (its rendered Gpfdist.Port), so the Service must target it by number; the
   * pod template is shared by all instances and cannot name a per-instance port. Ignored for the
   * other types, whose instances listen on the user's Gpfdist.Port (the named port `gpfdist`).
   */
  targetPort?: number;
}

/** The ordinal an instance's gpfdist Service fronts, as its label says; undefined on any other Service. */
export function serviceOrdinal(svc: { metadata: { labels?: Record<string, string> } }): string | undefined {
  return svc.metadata.labels?.[GPSS_LABELS.instanceOrdinal];
}

export function buildGpfdistService(
  c: EffectiveCluster,
  ordinal: number,
  options: GpfdistServiceOptions = {},
): Service {
  const type = c.service.gpfdist;
  // Until the node port is allocated nothing listens anywhere (the instance waits for its config),
  // so targeting the named port in the meantime is harmless.
  const targetPort =
    type === 'NodePort' && options.targetPort !== undefined ? options.targetPort : PORT_NAMES.gpfdist;
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: childMeta(c, gpfdistServiceName(c, ordinal), {
      ...componentLabels(c, COMPONENTS.gpfdistService),
      [GPSS_LABELS.instanceOrdinal]: String(ordinal),
    }),
    spec: {
      type,
      ...externalPolicy(type),
      selector: { ...selectorLabels(c), [GPSS_LABELS.podName]: instancePodName(c, ordinal) },
      // `port` stays the user's Gpfdist.Port even for NodePort: in-cluster clients use it, and
      // keeping it constant keeps the list-map key (port, protocol) of this entry stable.
      ports: [{ name: PORT_NAMES.gpfdist, protocol: 'TCP', port: c.gpss.ports.gpfdist, targetPort }],
    },
  };
}
