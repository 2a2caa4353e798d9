// The handler's read of its cluster, answered by the read the event's triage already made: a triage
// that does not settle an event costs nothing more. Only that one object, only until the handler
// writes a GpssCluster (after which it must see the server's answer, not its own earlier read).
import type { KubeClient } from './client';
import { type ResourceRef, resolveResource } from './resources';

export function primedClient(
  kube: KubeClient,
  res: ResourceRef,
  namespace: string | undefined,
  name: string,
  obj: unknown,
): KubeClient {
  const plural = resolveResource(res).plural;
  const same = (r: ResourceRef) => resolveResource(r).plural === plural;
  let fresh = true;
  return new Proxy(kube, {
    get(target, prop, receiver) {
      switch (prop) {
        case 'get':
          return (
            r: ResourceRef,
            ns: string | undefined,
            n: string,
            options: Parameters<KubeClient['get']>[3] = {},
          ) =>
            fresh && same(r) && ns === namespace && n === name && !options?.subresource
              ? Promise.resolve(obj)
              : target.get(r, ns, n, options);
        case 'apply':
        case 'create':
        case 'update':
          return (o: { kind?: string }, ...rest: unknown[]) => {
            if (o.kind === resolveResource(res).kind) fresh = false;
            return (target[prop] as (...a: unknown[]) => Promise<unknown>).call(target, o, ...rest);
          };
        case 'patch':
        case 'delete':
          return (r: ResourceRef, ...rest: unknown[]) => {
            if (same(r)) fresh = false;
            return (target[prop] as (...a: unknown[]) => Promise<unknown>).call(target, r, ...rest);
          };
        default: {
          const v = Reflect.get(target, prop, receiver);
          return typeof v === 'function' ? v.bind(target) : v;
        }
      }
    },
  });
}
