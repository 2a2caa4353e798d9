// The handler's read of its cluster, answered by the read the event's triage already made: a triage
// that does not settle an event costs nothing more. Only that one object, only until the handler
// writes a GpssCluster (after which it must see the server's answer, not its own earlier read).
import type { KubeClient } from './client';
import { overlayClient } from './overlay';
import { type ResourceRef, resolveResource } from './resources';

export function primedClient(
  kube: KubeClient,
  res: ResourceRef,
  namespace: string | undefined,
  name: string,
  obj: unknown,
): KubeClient {
  const plural = resolveResource(res).plural;
  let fresh = true;
  return overlayClient(kube, {
    get: (r, ns, n) =>
      fresh && resolveResource(r).plural === plural && ns === namespace && n === name
        ? { answer: obj }
        : undefined,
    wrote: (p) => {
      if (p === plural) fresh = false;
    },
  });
}
