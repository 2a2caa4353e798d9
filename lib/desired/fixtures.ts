// Test fixtures: the seed manifest (a GpssCluster as users of the original operator write it) and
// live objects as the API server would return them (the client library's models). Every accessor
// returns a fresh copy, so a test that mutates its input cannot leak into another.

import { parse } from 'yaml';
import type { GpssCluster } from '../api/types';
import { type EffectiveCluster, requireEffectiveCluster } from './cluster';
import type { LiveConfigMap, LiveNode, LivePod, LiveService } from './k8s-types';

export const SEED_MANIFEST = `apiVersion: gpss.gpdb.io/v1
kind: GpssCluster
metadata: {name: gpfdist, namespace: gpss-workspace-test, uid: 'uid-1', generation: 1}
spec:
  size: 3
  image: us-west1-docker.pkg.dev/data-gpdb-dev2/gpss-test-images/gpss:test
  service: {gpss: NodePort, gpfdist: NodePort}
  resources: {limits: {cpu: "8", memory: 32Gi}, requests: {cpu: "1", memory: 1Gi}}
  pull_policy: Always
  pull_secret: gpss-docker-key
  gpss_config: |
    {"ListenAddress": {"Host": "", "Port": 5000}, "Gpfdist": {"Host": "", "Port": 8090},
     "Cluster": {"Id": "gpfdist", "Port": 5001, "Etcd": {"Endpoints": ["etcd:2379"]}}}
`;

/** gpss_config of the seed manifest, as the YAML block scalar yields it. */
export const SEED_GPSS_CONFIG = `{"ListenAddress": {"Host": "", "Port": 5000}, "Gpfdist": {"Host": "", "Port": 8090},
 "Cluster": {"Id": "gpfdist", "Port": 5001, "Etcd": {"Endpoints": ["etcd:2379"]}}}
`;

export function seedCluster(): GpssCluster {
  return parse(SEED_MANIFEST) as GpssCluster;
}

/** The seed cluster as the builders take it. */
export function seedEffective(): EffectiveCluster {
  return requireEffectiveCluster(seedCluster());
}

/** Only the required fields: what a CR looks like when nothing defaulted it. */
export function minimalCluster(): GpssCluster {
  return {
    apiVersion: 'gpss.gpdb.io/v1',
    kind: 'GpssCluster',
    metadata: { name: 'mini', namespace: 'ns1', uid: 'uid-2' },
    spec: {
      image: 'gpss:1',
      gpss_config:
        '{"ListenAddress":{"Port":5019},"Gpfdist":{"Port":8319},"Cluster":{"Id":"c1","Port":5020}}',
    } as GpssCluster['spec'],
  };
}

export function minimalEffective(): EffectiveCluster {
  return requireEffectiveCluster(minimalCluster());
}

export function liveNode(name: string, internalIP: string, ready = true): LiveNode {
  return {
    metadata: { name },
    status: {
      addresses: [
        { type: 'Hostname', address: name },
        { type: 'InternalIP', address: internalIP },
      ],
      conditions: [
        { type: 'MemoryPressure', status: 'False' },
        { type: 'Ready', status: ready ? 'True' : 'Unknown' },
      ],
    },
  };
}

export function liveNodePortService(name: string, nodePort?: number): LiveService {
  return {
    metadata: { name, namespace: 'gpss-workspace-test' },
    spec: {
      type: 'NodePort',
      clusterIP: '10.96.0.10',
      ports: [{ name: 'gpfdist', port: 8090, targetPort: 'gpfdist', ...(nodePort ? { nodePort } : {}) }],
    },
  };
}

export function liveLoadBalancerService(
  name: string,
  ingress: Array<{ ip?: string; hostname?: string }> = [],
): LiveService {
  return {
    metadata: { name, namespace: 'gpss-workspace-test' },
    spec: {
      type: 'LoadBalancer',
      clusterIP: '10.96.0.11',
      ports: [{ name: 'gpfdist', port: 8090, targetPort: 'gpfdist', nodePort: 31111 }],
    },
    status: { loadBalancer: ingress.length > 0 ? { ingress } : {} },
  };
}

export function liveClusterIPService(name: string, clusterIP = '10.96.0.12'): LiveService {
  return {
    metadata: { name, namespace: 'gpss-workspace-test' },
    spec: { type: 'ClusterIP', clusterIP, ports: [{ name: 'gpfdist', port: 8090, targetPort: 'gpfdist' }] },
  };
}

export function livePod(name: string, nodeName?: string): LivePod {
  return { metadata: { name }, spec: { containers: [{ name: 'gpss' }], ...(nodeName ? { nodeName } : {}) } };
}

export function liveConfigMap(data: Record<string, string>): LiveConfigMap {
  return { metadata: { name: 'gpfdist-instance-config' }, data: { ...data } };
}
