// What makes the baseline a conventional controller: reads served from the informers' stores, as
// controller-runtime's cached client does; writes (and reads of anything not watched) go to the API
// server. The reconcile code is unchanged: it gets a KubeClient-shaped object.
import type { KubeClient, KubeObject, ListOptions, ListResult } from '../lib/k8s/client';
import { type ResourceRef, resolveResource, type Subresource } from '../lib/k8s/resources';
import type { Informer } from './informer';

/** Equality-based selectors (k=v, k==v, k!=v, k, !k): all the operator uses. */
export function matches(selector: string | undefined, labels: Record<string, string> = {}): boolean {
  if (!selector) return true;
  return selector.split(',').every((term) => {
    const t = term.trim();
    let m = /^([^!=]+)!=(.*)$/.exec(t);
    if (m) return labels[m[1]!.trim()] !== m[2]!.trim();
    m = /^([^!=]+)==?(.*)$/.exec(t);
    if (m) return labels[m[1]!.trim()] === m[2]!.trim();
    if (t.startsWith('!')) return !(t.slice(1) in labels);
    if (/^[\w./-]+$/.test(t)) return t in labels;
    throw new Error(`selector term "${t}" is not supported by the cache`);
  });
}

/** Every term of the informer's selector is in the request's: the store holds all the request may match. */
function covers(informerSel: string | undefined, requestSel: string | undefined): boolean {
  if (!informerSel) return true;
  const have = new Set((requestSel ?? '').split(',').map((s) => s.trim()));
  return informerSel.split(',').every((t) => have.has(t.trim()));
}

export function cachedClient(real: KubeClient, informers: Map<string, Informer>): KubeClient {
  const informerFor = (res: ResourceRef) => {
    const inf = informers.get(resolveResource(res).plural);
    return inf?.synced ? inf : undefined;
  };
  const get = async (
    res: ResourceRef,
    ns: string | undefined,
    name: string,
    opts: { subresource?: Subresource } = {},
  ) => {
    const inf = informerFor(res);
    if (!inf || opts.subresource) return real.get(res, ns, name, opts);
    const o = inf.store.get(`${resolveResource(res).namespaced ? (ns ?? '') : ''}/${name}`);
    // A stored object with labels outside the informer's selector is not in the store at all; an
    // object of ours always carries them, so a miss is a real "not found".
    return o ? structuredClone(o) : undefined;
  };
  const list = async (
    res: ResourceRef,
    ns: string | undefined,
    opts: ListOptions = {},
  ): Promise<ListResult<KubeObject>> => {
    const inf = informerFor(res);
    if (!inf || opts.fieldSelector || !covers(inf.labelSelector, opts.labelSelector))
      return real.list(res, ns, opts);
    const r = resolveResource(res);
    const items = [...inf.store.values()].filter(
      (o) =>
        (!r.namespaced || !ns || o.metadata?.namespace === ns) &&
        matches(opts.labelSelector, o.metadata?.labels),
    );
    return { items: items.map((o) => structuredClone(o)), resourceVersion: '' };
  };
  return new Proxy(real, {
    get(target, prop, receiver) {
      if (prop === 'get') return get;
      if (prop === 'list') return list;
      const v = Reflect.get(target, prop, receiver);
      return typeof v === 'function' ? v.bind(target) : v;
    },
  });
}
