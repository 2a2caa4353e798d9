// The PingSource resync: every GpssCluster, handled with bounded concurrency so one ping cannot
// flood the API server; one cluster's failure does not stop the others, but a transient one makes
// the whole ping answer 5xx so eventing redelivers it.
import type { GpssCluster } from '../api/types';
import type { KubeClient } from '../k8s/client';
import { listWatched } from '../k8s/watch-scope';
import { classify } from './errors';
import type { Logger } from './log';

export const RESYNC_CONCURRENCY = 4;

export async function forEachCluster(
  kube: KubeClient,
  log: Logger,
  fn: (c: { namespace: string; name: string }, log: Logger) => Promise<string>,
): Promise<{ summary: string; outcomes: Record<string, number> }> {
  const items = await listWatched<GpssCluster>(kube, 'gpssclusters');
  const queue = items.map((c) => ({ namespace: c.metadata.namespace!, name: c.metadata.name }));
  const outcomes: Record<string, number> = {};
  let transient: unknown;
  const worker = async () => {
    for (let c = queue.shift(); c; c = queue.shift()) {
      const clog = log.child({ cluster: `${c.namespace}/${c.name}` });
      try {
        const o = await fn(c, clog);
        outcomes[o] = (outcomes[o] ?? 0) + 1;
      } catch (err) {
        const kind = classify(err);
        outcomes[`${kind}-error`] = (outcomes[`${kind}-error`] ?? 0) + 1;
        clog.error({ err, outcome: `${kind}-error` }, 'cluster failed during resync');
        if (kind === 'transient') transient ??= err;
      }
    }
  };
  await Promise.all(Array.from({ length: RESYNC_CONCURRENCY }, worker));
  if (transient)
    throw new Error(`resync of ${items.length} cluster(s) had transient failures`, { cause: transient });
  const summary = `${items.length} cluster(s): ${
    Object.entries(outcomes)
      .map(([k, v]) => `${k}=${v}`)
      .join(' ') || 'none'
  }`;
  return { summary, outcomes };
}
