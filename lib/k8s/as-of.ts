// An event's pass reads the cluster as of the events that woke it, not as of the newest write in the
// whole cluster. A list without a resourceVersion is a consistent read: since Kubernetes 1.31 the API
// server answers it from its watch cache once that cache has caught up with etcd's current revision,
// and a cache with nothing newer to show asks etcd for progress at most every 100 ms per resource
// (k8s.io/apiserver storage/cacher/progress). Three functions woken by the same change list the same
// kinds within milliseconds: the first list is answered at once, the next waited up to 100 ms (the
// bench saw reconcile's first list of pods wait 95 ms in 5 creates of 12).
//
// With resourceVersionMatch=NotOlderThan and the newest resourceVersion among the pass's events, a
// list of a kind an event is about shows at least everything those events showed, and is answered at
// once (the event came from that very cache). A kind no event is about would still wait for its
// cache to pass that revision: the nodes or the Services of a cluster rarely change, so their cache
// waits for etcd's next progress notification (the bench saw reconcile's list of nodes at a rollout's
// end take 107 ms). Such a kind is read from the watch cache as it is (resourceVersion=0), which is
// what an informer-driven controller reads it from: its own watch of that kind, with no tie to the
// event that woke it. A change it misses arrives as an event of its own or through the resync, as for
// the informer. After the pass writes a kind, its lists of that kind are consistent reads again, so
// it reads its own writes.
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

/**
 * `kube` whose lists of `kinds` (plurals) read data at least as new as `version`, and of any other kind
 * from the watch cache (no version given: unchanged).
 */
export function asOfClient(
  kube: KubeClient,
  version: string | undefined,
  kinds: readonly string[],
): KubeClient {
  if (!version) return kube;
  // Kinds this pass wrote ('*': a write of a kind not known by name, after which every list is consistent).
  const written = new Set<string>();
  return overlayClient(kube, {
    listOptions: (res, _namespace, options) => {
      const plural = resolveResource(res).plural;
      if (written.has('*') || written.has(plural) || options.notOlderThan || options.cached) return options;
      return kinds.includes(plural) ? { ...options, notOlderThan: version } : { ...options, cached: true };
    },
    wrote: (plural) => {
      written.add(plural ?? '*');
    },
  });
}
