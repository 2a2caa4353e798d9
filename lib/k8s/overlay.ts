// A client whose reads may be answered without the API server for one handler's run: the resync's
// snapshot (lib/k8s/snapshot.ts), the triage's read of the cluster (lib/k8s/primed.ts) and the reads
// made ahead (lib/k8s/read-ahead.ts). Every write goes to the API server and is reported first, by
// resource and namespace, so an overlay can stop answering reads of what a write has since changed
// (a dry run is no write: it changes nothing, and may be answered like a read). Reads of a subresource always go through.
import type { ApplyOptions, KubeClient, ListOptions, ListResult, ObjectRef } from './client';
import { type ResourceRef, resolveResource, resourceFor } from './resources';

export interface Overlay {
  /** `{ answer }` (undefined: not found; may be a promise) for a get, or undefined to ask the API server. */
  get?(res: ResourceRef, namespace: string | undefined, name: string): { answer: unknown } | undefined;
  /** A list's answer (or the promise of one), or undefined to ask the API server. */
  list?(
    res: ResourceRef,
    namespace: string | undefined,
    options: ListOptions,
  ): ListResult<unknown> | Promise<ListResult<unknown>> | undefined;
  /** The options a list that goes to the API server is sent with (default: as given). */
  listOptions?(res: ResourceRef, namespace: string | undefined, options: ListOptions): ListOptions;
  /** Called before each write with the resource's plural (undefined when unknown) and namespace. */
  wrote(plural: string | undefined, namespace: string | undefined): void;
  /**
   * Around an apply, before `wrote`: may send another object (a resourceVersion precondition added)
   * and map its refusal.
   */
  apply?(obj: ObjectRef, send: (obj: ObjectRef) => Promise<unknown>): Promise<unknown>;
  /** A dry-run apply's answer (or its promise), or undefined to ask the API server; a dry run writes nothing. */
  dryRun?(obj: ObjectRef, options: ApplyOptions): { answer: unknown } | undefined;
}

export function overlayClient(kube: KubeClient, o: Overlay): KubeClient {
  const pass = (
    target: KubeClient,
    prop: 'get' | 'list' | 'apply' | 'create' | 'update' | 'patch' | 'delete',
  ) => target[prop] as (...a: unknown[]) => Promise<unknown>;
  return new Proxy(kube, {
    get(target, prop, receiver) {
      switch (prop) {
        case 'get':
          return async (res: ResourceRef, namespace: string | undefined, name: string, options = {}) => {
            const hit = (options as { subresource?: string }).subresource
              ? undefined
              : o.get?.(res, namespace, name);
            return hit ? hit.answer : pass(target, 'get').call(target, res, namespace, name, options);
          };
        case 'list':
          return async (res: ResourceRef, namespace: string | undefined, options: ListOptions = {}) =>
            o.list?.(res, namespace, options) ??
            pass(target, 'list').call(
              target,
              res,
              namespace,
              o.listOptions?.(res, namespace, options) ?? options,
            );
        case 'apply':
          return (obj: ObjectRef, ...rest: unknown[]) => {
            const options = rest[0] as ApplyOptions | undefined;
            const hit = options?.dryRun ? o.dryRun?.(obj, options) : undefined;
            if (hit) return hit.answer;
            const send = (x: ObjectRef) => {
              // A dry run writes nothing: what was read stays as it was.
              if (!options?.dryRun) o.wrote(resourceFor(x.apiVersion, x.kind)?.plural, x.metadata.namespace);
              return pass(target, prop).call(target, x, ...rest);
            };
            return o.apply ? o.apply(obj, send) : send(obj);
          };
        case 'create':
        case 'update':
          return (obj: ObjectRef, ...rest: unknown[]) => {
            o.wrote(resourceFor(obj.apiVersion, obj.kind)?.plural, obj.metadata.namespace);
            return pass(target, prop).call(target, obj, ...rest);
          };
        case 'patch':
        case 'delete':
          return (res: ResourceRef, namespace: string | undefined, ...rest: unknown[]) => {
            o.wrote(resolveResource(res).plural, namespace);
            return pass(target, prop).call(target, res, namespace, ...rest);
          };
        default: {
          const v = Reflect.get(target, prop, receiver);
          return typeof v === 'function' ? v.bind(target) : v;
        }
      }
    },
  });
}
