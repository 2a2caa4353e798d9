// The API server builds a custom resource's watch cache on the first request for that resource (for
// a CRD just installed: the adapters' first watch) and refuses watches while it fills: 429 "storage
// is (re)initializing". An ApiServerSource adapter whose first watch is refused tries again after a
// back-off, and what is created meanwhile sends no event (its re-list sends none), so a cluster
// applied in that second waited for the next resync (seen: `npm start`'s sample Ready after 75 s
// instead of 1). Hence, before the adapters start: wait until a watch of each custom resource they
// will watch is accepted.
import { Watch } from '@kubernetes/client-node';
import { loadKubeConfig } from '../lib/k8s/kubeconfig';
import type { SourceConfig } from './adapter';
import { delay } from './process';

export type WatchedResource = SourceConfig['resources'][number]['gvr'];

/** A CRD's group always has a dot; the built-in ones with a dot end in .k8s.io. */
export function isCustom(gvr: WatchedResource): boolean {
  return gvr.Group.includes('.') && !gvr.Group.endsWith('.k8s.io');
}

/** The status a watch of `path` is answered with (200: accepted), the request dropped once it is known. */
export async function watchStatus(kubeconfig: string, path: string): Promise<number> {
  let refused: { statusCode?: number } | undefined;
  // Resolves once the answer's status is known: a refusal has called `done` by then.
  const request = await new Watch(loadKubeConfig({ KUBECONFIG: kubeconfig })).watch(
    path,
    { timeoutSeconds: 1 },
    () => {},
    (err) => {
      refused ??= err ?? undefined;
    },
  );
  const status = refused === undefined ? 200 : (refused.statusCode ?? 0);
  request.abort();
  return status;
}

/** Resolves once the API server no longer refuses a watch of each custom resource among `gvrs` with 429. */
export async function awaitWatchable(
  kubeconfig: string,
  gvrs: readonly WatchedResource[],
  { timeoutMs = 30_000 } = {},
): Promise<void> {
  const paths = new Set(gvrs.filter(isCustom).map((g) => `/apis/${g.Group}/${g.Version}/${g.Resource}`));
  for (const path of paths) {
    const deadline = Date.now() + timeoutMs;
    // Only the cache filling is waited out: any other answer (403 for a kubeconfig that may not
    // watch every namespace) is the adapters' to meet with their own accounts.
    while ((await watchStatus(kubeconfig, path)) === 429) {
      if (Date.now() > deadline)
        throw new Error(`${path}: watches still refused (429) after ${timeoutMs} ms`);
      await delay(100);
    }
  }
}
