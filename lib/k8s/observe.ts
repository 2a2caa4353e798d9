// Reads the current state of one cluster's children: label-selected lists, no informer cache.

import type { GpssCluster } from '../api/types';
import { LABELS, MANAGED_BY } from '../api/types';
import type {
  LiveConfigMap,
  LiveNode,
  LivePod,
  LivePodDisruptionBudget,
  LiveService,
  LiveStatefulSet,
} from '../desired/k8s-types';
import {
  instanceConfigMapName,
  podDisruptionBudgetName,
  selectorString,
  statefulSetName,
} from '../desired/names';
import type { KubeClient } from './client';

/** The children as the client library read them (its model instances: timestamps are Dates). */
export interface Observed {
  services: LiveService[];
  statefulSet?: LiveStatefulSet;
  configMap?: LiveConfigMap;
  pods: LivePod[];
  pdb?: LivePodDisruptionBudget;
  nodes: LiveNode[];
}

export function childSelector(cr: Pick<GpssCluster, 'metadata'>): string {
  return `${LABELS.instance}=${cr.metadata.name},${LABELS.managedBy}=${MANAGED_BY}`;
}

export async function observeCluster(
  kube: KubeClient,
  cr: GpssCluster,
  want: { nodes: boolean; pdb?: boolean; configMap?: boolean; services?: boolean },
): Promise<Observed> {
  const ns = cr.metadata.namespace!;
  const [services, statefulSet, configMap, pods, pdb, nodes] = await Promise.all([
    want.services === false
      ? undefined
      : kube.list<LiveService>('services', ns, { labelSelector: childSelector(cr) }),
    kube.get<LiveStatefulSet>('statefulsets', ns, statefulSetName(cr)),
    want.configMap === false
      ? undefined
      : kube.get<LiveConfigMap>('configmaps', ns, instanceConfigMapName(cr)),
    kube.list<LivePod>('pods', ns, { labelSelector: selectorString(cr) }),
    want.pdb === false
      ? undefined
      : kube.get<LivePodDisruptionBudget>('poddisruptionbudgets', ns, podDisruptionBudgetName(cr)),
    want.nodes ? kube.list<LiveNode>('nodes', undefined) : undefined,
  ]);
  return {
    services: services?.items ?? [],
    statefulSet,
    configMap,
    pods: pods.items,
    pdb,
    nodes: nodes?.items ?? [],
  };
}
