// Reads a pass is about to make, started beside the event's triage read of its cluster instead of
// after it: one round trip less on the critical path of a change. A function asks for them only when
// its events say the triage will not settle them (a new cluster's first pass, a rollout's end); a
// read that the pass does not make after all is a request spent for nothing, which the bench counts.
//
// Each read ahead answers the first identical call of the pass (same resource, namespace, name or
// list options) and only that one: a second identical call is a second read. A server-side dry run
// (which writes nothing) may be sent ahead the same way, answering the pass's identical dry run. A write to a kind drops
// what was read ahead of it, so the pass reads its own writes. Answers are what the API server said
// a few milliseconds before the pass would have asked: no staler than a read the pass makes itself
// while another of its reads is in flight.
import type { ApplyOptions, KubeClient, ListOptions, ListResult, ObjectRef } from './client';
import { overlayClient } from './overlay';
import { type ResourceRef, resolveResource, resourceFor } from './resources';

/**
 * True when `at` (an API server timestamp, whole seconds) is at most a few seconds before `now`: an
 * event about a change that recent is most likely the change itself, not the same object delivered
 * again later (a replay, an adapter listing on its start, a delivery that waited behind a burst),
 * whose pass has often been made already and whose triage would settle it with one read. A skewed
 * clock only costs the shortcut or some reads, never a wrong answer.
 */
export function momentsAgo(at: Date | string | undefined, now: Date): boolean {
  if (at === undefined) return false;
  const age = now.getTime() - new Date(at).getTime();
  // 2 s, plus the stamp's rounding down to the second.
  return age >= -1000 && age <= 3000;
}

/** The reads `readAhead` makes on the client it is given, started at once. */
export type ReadAhead = (kube: KubeClient) => void;

function getKey(res: ResourceRef, namespace: string | undefined, name: string): string {
  return JSON.stringify(['get', resolveResource(res).plural, namespace ?? '', name]);
}

function listKey(res: ResourceRef, namespace: string | undefined, options: ListOptions): string {
  const sorted = Object.fromEntries(Object.entries(options).sort(([a], [b]) => a.localeCompare(b)));
  return JSON.stringify(['list', resolveResource(res).plural, namespace ?? '', sorted]);
}

function dryRunKey(obj: ObjectRef, options: ApplyOptions): string {
  return JSON.stringify(['dry-run', obj, options]);
}

/** `kube` whose first reads matching those `ahead` makes are answered by them; `ahead` runs now. */
export function readAheadClient(kube: KubeClient, ahead: ReadAhead): KubeClient {
  const reads = new Map<string, { plural: string; answer: Promise<unknown> }>();
  const start = <T>(key: string, res: ResourceRef, answer: Promise<T>): Promise<T> => {
    // Not awaited when the pass does not make this read: its failure is nobody's.
    answer.catch(() => undefined);
    if (!reads.has(key)) reads.set(key, { plural: resolveResource(res).plural, answer });
    return answer;
  };
  const take = (key: string) => {
    const read = reads.get(key);
    reads.delete(key);
    return read && { answer: read.answer };
  };
  // Reads and dry runs only; each answers with the promise kept here, so one the pass never makes
  // rejects unseen.
  ahead(
    new Proxy(kube, {
      get(target, prop) {
        if (prop === 'get')
          return (res: ResourceRef, ns: string | undefined, name: string) =>
            start(getKey(res, ns, name), res, target.get(res, ns, name));
        if (prop === 'list')
          return (res: ResourceRef, ns: string | undefined, options: ListOptions = {}) =>
            start(listKey(res, ns, options), res, target.list(res, ns, options));
        if (prop === 'apply')
          return (obj: ObjectRef, options: ApplyOptions) => {
            if (!options.dryRun) throw new Error('a read ahead applies only as a dry run');
            const res = options.resource ?? resourceFor(obj.apiVersion, obj.kind);
            if (!res) throw new Error(`a read ahead cannot dry-run ${obj.apiVersion} ${obj.kind}`);
            return start(dryRunKey(obj, options), res, target.apply(obj, options));
          };
        throw new Error(`a read ahead only gets, lists and dry-runs (not ${String(prop)})`);
      },
    }),
  );
  return overlayClient(kube, {
    get: (res, ns, name) => take(getKey(res, ns, name)),
    list: (res, ns, options) => take(listKey(res, ns, options))?.answer as Promise<ListResult<unknown>>,
    dryRun: (obj, options) => take(dryRunKey(obj, options)),
    wrote: (plural) => {
      for (const [key, read] of reads) if (plural === undefined || read.plural === plural) reads.delete(key);
    },
  });
}
