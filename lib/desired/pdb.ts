// At most one instance down through voluntary disruptions (drains, upgrades). Below two instances
// there is no budget at all: any budget for a single instance would block node drains forever.

import { COMPONENTS } from '../api/types';
import type { EffectiveCluster } from './cluster';
import type { PodDisruptionBudget } from './k8s-types';
import { childMeta, componentLabels, selectorLabels } from './names';

export function buildPodDisruptionBudget(c: EffectiveCluster): PodDisruptionBudget | undefined {
  if (c.size < 2) return undefined;
  return {
    apiVersion: 'policy/v1',
    kind: 'PodDisruptionBudget',
    metadata: childMeta(c, c.names.podDisruptionBudget, componentLabels(c, COMPONENTS.disruptionBudget)),
    spec: { maxUnavailable: 1, selector: { matchLabels: selectorLabels(c) } },
  };
}
