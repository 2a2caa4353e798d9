// The PingSource resync: every GpssCluster, then every instance pod still carrying the instance
// finalizer whose cluster was not among them. The second pass matters because the event source is
// lossy: if the delete event of a cluster (or of its pods) is lost, nothing else would ever let those
// pods go, and a namespace holding them could not be deleted.
import { FINALIZERS, LABELS, MANAGED_BY } from '../../lib/api/types';
import { listWatched } from '../../lib/k8s/watch-scope';
import type { FunctionContext } from '../../lib/runtime/context';
import { forEachCluster } from '../../lib/runtime/resync';
import { finalizeCluster } from './finalize';
import { hasFinalizer } from './finalizers';
import type { InstancePod } from './pod-state';

export async function resyncAll(
  ctx: FunctionContext,
  handle: (ctx: FunctionContext, namespace: string, name: string) => Promise<string> = async (c, ns, n) =>
    (await finalizeCluster(c, ns, n)).outcome,
): Promise<string> {
  const seen = new Set<string>();
  const r = await forEachCluster(ctx.kube, ctx.log, async (c, log) => {
    seen.add(`${c.namespace}/${c.name}`);
    return handle({ ...ctx, log }, c.namespace, c.name);
  });
  const pods = await listWatched<InstancePod>(ctx.kube, 'pods', {
    labelSelector: `${LABELS.managedBy}=${MANAGED_BY}`,
  });
  const orphans = orphanClusters(pods, seen);
  for (const o of orphans) {
    const log = ctx.log.child({ cluster: `${o.namespace}/${o.name}` });
    const x = await finalizeCluster({ ...ctx, log }, o.namespace, o.name);
    log.info({ outcome: x.outcome, done: x.done }, 'instance pods of a cluster that is gone');
  }
  return `${r.summary}; orphaned clusters=${orphans.length}`;
}

/** Clusters (by the pods' instance label) that hold our finalizer on a pod but were not resynced. */
export function orphanClusters(
  pods: InstancePod[],
  seen: Set<string>,
): Array<{ namespace: string; name: string }> {
  const found = new Map<string, { namespace: string; name: string }>();
  for (const p of pods) {
    const name = p.metadata.labels?.[LABELS.instance];
    const namespace = p.metadata.namespace;
    if (!name || !namespace || !hasFinalizer(p, FINALIZERS.instance)) continue;
    const key = `${namespace}/${name}`;
    if (!seen.has(key)) found.set(key, { namespace, name });
  }
  return [...found.values()].sort((a, b) =>
    `${a.namespace}/${a.name}`.localeCompare(`${b.namespace}/${b.name}`),
  );
}
