// Reads the current state of one cluster's children: label-selected lists, no informer cache.

import type { GpssCluster } from './api/types';
import { LABELS, MANAGED_BY } from './api/types';
import type { LiveConfigMap, LiveNode, LivePod, LiveService } from './desired/k8s-types';
import {
  instanceConfigMapName,
  podDisruptionBudgetName,
  selectorString,
  statefulSetName,
} from './desired/names';
import type { KubeClient, KubeObject } from './k8s/client';

export interface LiveStatefulSet extends KubeObject {
  metadata: NonNullable<KubeObject['metadata']> & { name: string; uid: string };
  spec?: { replicas?: number; template?: { metadata?: { annotations?: Record<string, string> } } };
  status?: {
    replicas?: number;
    readyReplicas?: number;
    updatedReplicas?: number;
    currentRevision?: string;
    updateRevision?: string;
    observedGeneration?: number;
  };
}

interface Meta {
  name: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  finalizers?: string[];
  deletionTimestamp?: string;
  creationTimestamp?: string;
}

export interface Pod extends LivePod {
  metadata: Meta;
  spec?: { nodeName?: string };
  status?: {
    phase?: string;
    reason?: string;
    message?: string;
    conditions?: Array<{ type: string; status: string; reason?: string; message?: string }>;
    containerStatuses?: Array<{
      name: string;
      ready: boolean;
      restartCount: number;
      state?: Record<string, { reason?: string; message?: string; exitCode?: number } | undefined>;
      lastState?: Record<string, { reason?: string; message?: string; exitCode?: number } | undefined>;
    }>;
  };
}

export interface Svc extends LiveService {
  metadata: Meta;
}

export interface CM extends LiveConfigMap {
  metadata: Meta;
}

export interface Observed {
  services: Svc[];
  statefulSet?: LiveStatefulSet;
  configMap?: CM;
  pods: Pod[];
  pdb?: KubeObject;
  nodes: LiveNode[];
}

export function childSelector(cr: GpssCluster): string {
  return `${LABELS.instance}=${cr.metadata.name},${LABELS.managedBy}=${MANAGED_BY}`;
}

export async function observeCluster(
  kube: KubeClient,
  cr: GpssCluster,
  want: { nodes: boolean; pdb?: boolean; configMap?: boolean },
): Promise<Observed> {
  const ns = cr.metadata.namespace!;
  const [services, statefulSet, configMap, pods, pdb, nodes] = await Promise.all([
    kube.list<Svc>('services', ns, { labelSelector: childSelector(cr) }),
    kube.get<LiveStatefulSet>('statefulsets', ns, statefulSetName(cr)),
    want.configMap === false ? undefined : kube.get<CM>('configmaps', ns, instanceConfigMapName(cr)),
    kube.list<Pod>('pods', ns, { labelSelector: selectorString(cr) }),
    want.pdb === false ? undefined : kube.get('poddisruptionbudgets', ns, podDisruptionBudgetName(cr)),
    want.nodes ? kube.list<LiveNode>('nodes', undefined) : undefined,
  ]);
  return {
    services: services.items,
    statefulSet,
    configMap,
    pods: pods.items,
    pdb,
    nodes: nodes?.items ?? [],
  };
}
