// One ConfigMap holds every instance's rendered config, a key per pod. Pods mount it whole and read
// only their own key, so an instance needs no Kubernetes API access (no ServiceAccount token, no
// RBAC) to learn its own advertised address.

import { COMPONENTS } from '../api/types';
import type { EffectiveCluster } from './cluster';
import type { ConfigMap } from './k8s-types';
import { childMeta, componentLabels, instanceConfigKey } from './names';

export interface InstanceConfig {
  ordinal: number;
  text: string;
}

/** Keys in ordinal order, whatever order `configs` came in. An instance without an entry waits for one. */
export function buildInstanceConfigMap(c: EffectiveCluster, configs: InstanceConfig[]): ConfigMap {
  const sorted = [...configs].sort((a, b) => a.ordinal - b.ordinal);
  const data: Record<string, string> = {};
  for (const { ordinal, text } of sorted) {
    const key = instanceConfigKey(c, ordinal);
    if (key in data) throw new Error(`two instance configs for ordinal ${ordinal}`);
    data[key] = text;
  }
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: childMeta(c, c.names.instanceConfigMap, componentLabels(c, COMPONENTS.instanceConfig)),
    data,
  };
}
