// What makes the baseline a conventional controller: list+watch informers (@kubernetes/client-node's
// makeInformer) keeping a cache per watched resource, and reads served from those caches, as
// controller-runtime's cached client does; writes (and reads of anything not watched) go to the API
// server. The reconcile code is unchanged: it gets a KubeClient-shaped object.
import {
  type Informer,
  type KubeConfig,
  type KubernetesListObject,
  type KubernetesObject,
  makeInformer,
  type ObjectCache,
} from '@kubernetes/client-node';
import type { KubeClient, KubeObject, ListOptions, ListResult } from '../../lib/k8s/client';
import {
  type ResourceDescriptor,
  type ResourceRef,
  resolveResource,
  resourcePath,
  type Subresource,
} from '../../lib/k8s/resources';

export type ChangeType = 'add' | 'update' | 'delete';

const RESTART_MIN_MS = 1000;
const RESTART_MAX_MS = 30_000;

/** One watched resource: the library's informer and cache, restarted when it stops on an error. */
export interface CachedResource {
  res: ResourceDescriptor;
  labelSelector: string | undefined;
  cache: ObjectCache<KubernetesObject>;
  /** The first list arrived and its watch is open: reads may be served from the cache. */
  synced: boolean;
  /** Informer restarts after errors (2.0.1's informer stops on any error but 410 Gone). */
  restarts: number;
  /** Resolves once synced (retrying with backoff until then). */
  start(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * An informer over `res` (all namespaces, the label selector applied to list and watch). The list
 * goes through `real` (paginated, kept-alive, counted like every other read); the watch is the
 * library's. 2.0.1 does not restart an informer itself and fires `error` on stop() too, hence the
 * guarded restart here (research/client-node.md §6).
 */
export function cachedResource(
  kc: KubeConfig,
  real: KubeClient,
  resource: ResourceRef,
  labelSelector: string | undefined,
  onChange: (type: ChangeType, obj: KubeObject) => void = () => {},
): CachedResource {
  const res = resolveResource(resource);
  const listFn = async (): Promise<KubernetesListObject<KubernetesObject>> => {
    const l = await real.list<KubernetesObject>(res, undefined, labelSelector ? { labelSelector } : {});
    return {
      apiVersion: 'v1',
      kind: 'List',
      metadata: { resourceVersion: l.resourceVersion },
      items: l.items,
    };
  };
  // makeInformer applies the selector to the watch only; listFn repeats it.
  const informer: Informer<KubernetesObject> & ObjectCache<KubernetesObject> = makeInformer(
    kc,
    resourcePath(res),
    listFn,
    labelSelector,
  );
  for (const type of ['add', 'update', 'delete'] as const)
    informer.on(type, (o) => onChange(type, o as KubeObject));

  let stopped = false;
  let starting = false;
  let failed = false;
  let delayMs = RESTART_MIN_MS;
  let timer: NodeJS.Timeout | undefined;
  let markSynced: () => void = () => {};
  const syncedOnce = new Promise<void>((r) => {
    markSynced = r;
  });
  const self: CachedResource = {
    res,
    labelSelector,
    cache: informer,
    synced: false,
    restarts: 0,
    start: () => {
      stopped = false;
      void begin();
      return syncedOnce;
    },
    stop: async () => {
      stopped = true;
      if (timer) clearTimeout(timer);
      timer = undefined;
      await informer.stop();
    },
  };
  const restartLater = () => {
    if (stopped || timer) return;
    self.restarts++;
    timer = setTimeout(() => {
      timer = undefined;
      void begin();
    }, delayMs);
    delayMs = Math.min(delayMs * 2, RESTART_MAX_MS);
  };
  informer.on('error', () => {
    if (stopped) return; // stop() aborts the watch, which reports an AbortError
    if (starting) failed = true;
    else restartLater();
  });
  const begin = async () => {
    if (stopped || starting) return;
    starting = true;
    failed = false;
    // Resolves after the list and once the watch is open; a failure fires `error` instead of throwing.
    await informer.start().catch(() => {
      failed = true;
    });
    starting = false;
    if (stopped) return;
    if (failed) return restartLater();
    delayMs = RESTART_MIN_MS;
    self.synced = true;
    markSynced();
  };
  return self;
}

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

/** Every term of the informer's selector is in the request's: the cache holds all the request may match. */
function covers(informerSel: string | undefined, requestSel: string | undefined): boolean {
  if (!informerSel) return true;
  const have = new Set((requestSel ?? '').split(',').map((s) => s.trim()));
  return informerSel.split(',').every((t) => have.has(t.trim()));
}

export function cachedClient(real: KubeClient, caches: Map<string, CachedResource>): KubeClient {
  const cacheFor = (res: ResourceRef) => {
    const c = caches.get(resolveResource(res).plural);
    return c?.synced ? c : undefined;
  };
  const get = async (
    res: ResourceRef,
    ns: string | undefined,
    name: string,
    opts: { subresource?: Subresource } = {},
  ) => {
    const c = cacheFor(res);
    if (!c || opts.subresource) return real.get(res, ns, name, opts);
    const o = c.cache.get(name, resolveResource(res).namespaced ? ns : undefined);
    // An object with labels outside the informer's selector is not in the cache at all; an object
    // of ours always carries them, so a miss is a real "not found".
    return o ? structuredClone(o) : undefined;
  };
  const list = async (
    res: ResourceRef,
    ns: string | undefined,
    opts: ListOptions = {},
  ): Promise<ListResult<KubeObject>> => {
    const c = cacheFor(res);
    if (!c || opts.fieldSelector || !covers(c.labelSelector, opts.labelSelector))
      return real.list(res, ns, opts);
    const r = resolveResource(res);
    const items = c.cache
      .list(r.namespaced && ns ? ns : undefined)
      .filter((o) => matches(opts.labelSelector, o.metadata?.labels));
    return { items: items.map((o) => structuredClone(o) as KubeObject), resourceVersion: '' };
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
