// A resync reads every cluster at once: one label-selected list per kind for the whole watch scope,
// instead of each cluster's own gets and lists (at 500 clusters, thousands of requests every ping).
// The handlers run unchanged against a client whose get and list are answered from those lists;
// every write, and any read the lists cannot answer, goes to the API server.
//
// Nothing here outlives the ping, and staleness is the same as an event's: the lists are one
// moment's view, every write is a server-side apply, a test-guarded JSON patch or a delete with a uid
// precondition, and the next event or resync reads again. After a write to a kind in a namespace,
// reads of that kind there go to the API server, so a handler never reads back its own stale write.
// One staleness is not the same as an event's: a resync handles hundreds of clusters after one read
// of them all, so an event's pass may have acted on a cluster since, from newer reads (reported on
// it, applied its new spec). An apply of an object the snapshot holds (a cluster's status, a child),
// while no write has touched its kind in that namespace yet, carries the resourceVersion the snapshot
// holds: an object changed since refuses it (409, StaleSnapshot), and the resync handles that cluster
// again from fresh reads (lib/runtime/cluster-function.ts) instead of writing over the newer state.
import { LABELS, MANAGED_BY } from '../api/types';
import { TransientError } from '../runtime/errors';
import type { KubeClient, ListOptions } from './client';
import { hasStatus } from './errors';
import { overlayClient } from './overlay';
import { type ResourceName, type ResourceRef, resolveResource, resourceFor } from './resources';
import { listWatched } from './watch-scope';

export interface SnapshotKind {
  res: ResourceName;
  /** Equality terms only (`a=b,c=d`); every list the snapshot answers must include them. */
  labelSelector?: string;
}

/** Kinds of the operator's own children: listed by its managed-by label, as every child carries it. */
export function operatorChildren(...res: ResourceName[]): SnapshotKind[] {
  return res.map((r) => ({ res: r, labelSelector: `${LABELS.managedBy}=${MANAGED_BY}` }));
}

interface Listed {
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; resourceVersion?: string };
}

/** A resync's write was decided from an object that has changed since the snapshot read it. */
export class StaleSnapshot extends TransientError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'StaleSnapshot';
  }
}

interface Taken {
  items: Listed[];
  terms: Array<[string, string]>;
}

/** `a=b,c=d` as pairs; undefined when the selector uses anything but equality. */
export function equalityTerms(selector: string | undefined): Array<[string, string]> | undefined {
  if (!selector) return [];
  const out: Array<[string, string]> = [];
  for (const part of selector.split(',')) {
    const m = /^\s*([^=!<>\s]+)\s*==?\s*([^=!<>\s,]*)\s*$/.exec(part);
    if (!m) return undefined;
    out.push([m[1]!, m[2]!]);
  }
  return out;
}

/** What one list of the snapshot holds, or undefined when the API server must answer. */
export function answerList(
  taken: Taken,
  namespace: string | undefined,
  options: ListOptions,
): Listed[] | undefined {
  if (options.fieldSelector) return undefined;
  const want = equalityTerms(options.labelSelector);
  if (!want) return undefined;
  // The snapshot's own selector must be implied by the request's, or it may lack some matches.
  if (!taken.terms.every(([k, v]) => want.some(([k2, v2]) => k2 === k && v2 === v))) return undefined;
  return taken.items.filter(
    (o) =>
      (namespace === undefined || o.metadata.namespace === namespace) &&
      want.every(([k, v]) => o.metadata.labels?.[k] === v),
  );
}

/**
 * A client that answers get and list of `kinds` from one list each, taken now: the GpssClusters
 * first, then every other kind at once. Each list is a consistent read at its own moment; taken all
 * at once, the clusters could come back newer than the pods (the 500-cluster burst: health's resync
 * read a cluster already reported Ready by an event's pass, with its pods from before they were
 * ready, and wrote Degraded 0/3 over it, its status pinned to a cluster that had not changed since).
 * Children read after the clusters are at least as new; a cluster written after its read refuses the
 * pinned write.
 */
export async function snapshotClient(kube: KubeClient, kinds: SnapshotKind[]): Promise<KubeClient> {
  const taken = new Map<string, Taken>();
  const take = async (k: SnapshotKind) => {
    const items = await listWatched<Listed>(kube, k.res, { labelSelector: k.labelSelector });
    taken.set(k.res, { items, terms: equalityTerms(k.labelSelector) ?? [] });
  };
  const isCluster = (k: SnapshotKind) => k.res === 'gpssclusters';
  await Promise.all(kinds.filter(isCluster).map(take));
  await Promise.all(kinds.filter((k) => !isCluster(k)).map(take));
  const dirty = new Set<string>();
  const plural = (res: ResourceRef) => resolveResource(res).plural;
  const snapshotOf = (res: ResourceRef, namespace: string | undefined) => {
    if (typeof res !== 'string') return undefined;
    const t = taken.get(res);
    const written =
      namespace === undefined
        ? [...dirty].some((d) => d.startsWith(`${plural(res)}/`))
        : dirty.has(`${plural(res)}/${namespace}`);
    return t && !written ? t : undefined;
  };
  return overlayClient(kube, {
    get: (res, namespace, name) => {
      const t = snapshotOf(res, namespace);
      return (
        t && { answer: t.items.find((o) => o.metadata.name === name && o.metadata.namespace === namespace) }
      );
    },
    list: (res, namespace, options) => {
      const t = snapshotOf(res, namespace);
      const items = t ? answerList(t, namespace, options) : undefined;
      return items && { items, resourceVersion: '' };
    },
    wrote: (p, namespace) => {
      if (p) dirty.add(`${p}/${namespace ?? ''}`);
    },
    apply: async (obj, send) => {
      const { name, namespace } = obj.metadata;
      const plural = resourceFor(obj.apiVersion, obj.kind)?.plural;
      const kind = [...taken.keys()].find((k) => plural === resolveResource(k as ResourceName).plural);
      const seen = kind ? snapshotOf(kind as ResourceName, namespace) : undefined;
      const rv = seen?.items.find((o) => o.metadata.name === name && o.metadata.namespace === namespace)
        ?.metadata.resourceVersion;
      if (!rv) return send(obj);
      try {
        return await send({ ...obj, metadata: { ...obj.metadata, resourceVersion: rv } });
      } catch (err) {
        if (!hasStatus(err, 409)) throw err;
        throw new StaleSnapshot(`${obj.kind} ${namespace}/${name} changed since the resync read it`, {
          cause: err,
        });
      }
    },
  });
}
