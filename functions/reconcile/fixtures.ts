// Inputs for the unit tests of the planners: the seed cluster (lib/desired/fixtures.ts) and its
// children as the API server would hold them, converged or about to change. The expected outputs are
// written in the tests (from lib/desired/fixtures-expected.ts); only the inputs are built here.
import type { GpssCluster, GpssClusterSpec } from '../../lib/api/types';
import { clusterIdOf } from '../../lib/api/validate-config';
import {
  buildDesired,
  type DesiredState,
  type LivePod,
  type LiveService,
  type Service,
} from '../../lib/desired';
import { liveNode, seedCluster } from '../../lib/desired/fixtures';
import type { Observed } from '../../lib/k8s/observe';
import { withAppliedHash } from './diff';
import { CLUSTER_ID_ANNOTATION } from './steps';

export const NODE_A = liveNode('node-a', '10.0.0.1');
export const NODE_B = liveNode('node-b', '10.0.0.2');
export const GPSS_NODE_PORT = 30000;
export const nodePortOf = (ordinal: number) => 30100 + ordinal;
export const ingressOf = (ordinal: number) => `192.0.2.${10 + ordinal}`;
export const podUid = (ordinal: number) => `pod-uid-${ordinal}`;

/** The seed cluster (size 3, NodePort Services) with spec fields replaced. */
export function cluster(spec: Partial<GpssClusterSpec> = {}, generation = 1): GpssCluster {
  const cr = seedCluster();
  return { ...cr, metadata: { ...cr.metadata, generation }, spec: { ...cr.spec, ...spec } };
}

/** A Service as the API server returns it from an apply: cluster IP, node ports and LB address filled in. */
export function served(svc: Service): LiveService {
  const ordinal = svc.metadata.labels['gpss.gpdb.io/instance-ordinal'];
  const type = svc.spec.type ?? 'ClusterIP';
  const exposed = type === 'NodePort' || type === 'LoadBalancer';
  const nodePort = ordinal === undefined ? GPSS_NODE_PORT : nodePortOf(Number(ordinal));
  return {
    ...svc,
    spec: {
      ...svc.spec,
      clusterIP: svc.spec.clusterIP ?? `10.96.0.${ordinal === undefined ? 2 : 10 + Number(ordinal)}`,
      ports: svc.spec.ports.map((p) => (exposed ? { ...p, nodePort } : p)),
    },
    ...(type === 'LoadBalancer'
      ? {
          status: {
            loadBalancer: {
              ingress: [{ ip: ordinal === undefined ? '192.0.2.1' : ingressOf(Number(ordinal)) }],
            },
          },
        }
      : {}),
  };
}

export function readyPod(ordinal: number, uid = podUid(ordinal)): LivePod {
  return {
    metadata: { name: `gpfdist-${ordinal}`, namespace: 'gpss-workspace-test', uid },
    spec: { containers: [{ name: 'gpss' }], nodeName: 'node-a' },
    status: { conditions: [{ type: 'Ready', status: 'True' }] },
  };
}

function servicesOf(d: DesiredState): Service[] {
  return [d.headless, d.gpssService, ...d.gpfdistServices];
}

/**
 * Everything of `cr` applied and served, `cr.spec.size` pods Ready and the StatefulSet rolled out:
 * what reconcile finds when the last event left the cluster converged.
 */
export function converged(cr: GpssCluster, nodes = [NODE_A]): Observed {
  const size = cr.spec.size ?? 1;
  const base: Observed = {
    services: [],
    pods: Array.from({ length: size }, (_, i) => readyPod(i)),
    nodes,
  };
  // Twice, as reconcile does: a NodePort Service targets its node port once it has one.
  let services = servicesOf(buildDesired(cr, base)).map((s) => served(withAppliedHash(s)));
  services = servicesOf(buildDesired(cr, { ...base, services })).map((s) => served(withAppliedHash(s)));
  const d = buildDesired(cr, { ...base, services });
  const annotations = { [CLUSTER_ID_ANNOTATION]: clusterIdOf(cr.spec.gpss_config) ?? '' };
  const sts = withAppliedHash(d.statefulSet);
  return {
    ...base,
    services,
    configMap: withAppliedHash({ ...d.configMap, metadata: { ...d.configMap.metadata, annotations } }),
    statefulSet: {
      ...sts,
      metadata: { ...sts.metadata, generation: 1 },
      status: { observedGeneration: 1, replicas: size, readyReplicas: size, updatedReplicas: size },
    },
    ...(d.pdb ? { pdb: withAppliedHash(d.pdb) } : {}),
  };
}
