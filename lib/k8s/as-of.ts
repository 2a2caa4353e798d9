// An event's pass reads the cluster as of the events that woke it, not as of the newest write in the
// whole cluster. A list without a resourceVersion is a consistent read: since Kubernetes 1.31 the API
// server answers it from its watch cache once that cache has caught up with etcd's current revision,
// and a cache with nothing newer to show asks etcd for progress at most every 100 ms per resource
// (k8s.io/apiserver storage/cacher/progress). Three functions woken by the same change list the same
// kinds within milliseconds: the first list is answered at once, the next waited up to 100 ms (the
// bench saw reconcile's first list of pods wait 95 ms in 5 creates of 12).
//
// With resourceVersionMatch=NotOlderThan and the newest resourceVersion among the pass's events, a
// list shows at least everything those events showed: what an informer-driven controller sees when
// its handler runs. A list of the kind an event is about is answered at once (the event came from
// that very cache); any other kind once its cache has passed that revision, which the first
// list after the event makes it do. Changes after the events arrive as events of their own. After the
// pass writes a kind, its lists of that kind are consistent reads again, so it reads its own writes.
//
// resourceVersions are opaque to clients except for this: the API server compares them as integers
// (etcd revisions). Events whose versions are not integers leave the reads consistent.
import type { KubeClient } from './client';
import { overlayClient } from './overlay';
import { resolveResource } from './resources';

/** The newest of the resourceVersions given; undefined when none is given or any is not an integer. */
export function newestVersion(versions: Array<string | undefined>): string | undefined {
  let newest: bigint | undefined;
  for (const v of versions) {
    if (v === undefined) continue;
    if (!/^[0-9]+$/.test(v)) return undefined;
    const n = BigInt(v);
    if (newest === undefined || n > newest) newest = n;
  }
  return newest?.toString();
}

/** `kube` whose lists read data at least as new as `version` (none given: unchanged). */
export function asOfClient(kube: KubeClient, version: string | undefined): KubeClient {
  if (!version) return kube;
  // Kinds this pass wrote ('*': a write of a kind not known by name, after which every list is consistent).
  const written = new Set<string>();
  return overlayClient(kube, {
    listOptions: (res, _namespace, options) =>
      written.has('*') || written.has(resolveResource(res).plural) || options.notOlderThan
        ? options
        : { ...options, notOlderThan: version },
    wrote: (plural) => {
      written.add(plural ?? '*');
    },
  });
}
