// At most one instance down through voluntary disruptions (drains, upgrades). Below two instances
// there is no budget at all: any budget for a single instance would block node drains forever.

import { COMPONENTS, type GpssCluster } from '../api/types';
import { effectiveSize } from './effective';
import type { PodDisruptionBudget } from './k8s-types';
import { childMeta, componentLabels, podDisruptionBudgetName, selectorLabels } from './names';

export function buildPodDisruptionBudget(cr: GpssCluster): PodDisruptionBudget | undefined {
  if (effectiveSize(cr) < 2) return undefined;
  return {
    apiVersion: 'policy/v1',
    kind: 'PodDisruptionBudget',
    metadata: childMeta(cr, podDisruptionBudgetName(cr), componentLabels(cr, COMPONENTS.disruptionBudget)),
    spec: { maxUnavailable: 1, selector: { matchLabels: selectorLabels(cr) } },
  };
}
