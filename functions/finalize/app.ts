// functions/finalize: safe deletion and safe scale-in. A thin entry: each CloudEvent (a GpssCluster
// or one of its instance pods changed) is mapped to its cluster, and that whole cluster is
// re-evaluated from the objects; a PingSource event re-evaluates every cluster and sweeps instance
// pods whose cluster is gone (resync.ts). The resync is also finalize's clock: a time box is enforced
// by whichever event arrives after it expires.
import type { Hono } from 'hono';
import { KIND } from '../../lib/api/types';
import { operatorChildren, type SnapshotKind } from '../../lib/k8s/snapshot';
import { createClusterFunctionApp, type Deps } from '../../lib/runtime/cluster-function';
import { finalizeCluster } from './finalize';
import { nothingToDo, nothingToDoGiven } from './nothing-to-do';
import { resyncAll } from './resync';

export const NAME = 'finalize';
export const WATCHED_KINDS = [KIND, 'Pod'] as const;

/** What a resync reads for every cluster, one list per kind (children by the operator's label). */
export const RESYNC_READS: SnapshotKind[] = [{ res: 'gpssclusters' }, ...operatorChildren('pods')];

export function createApp(deps: Deps): Hono {
  return createClusterFunctionApp(
    {
      name: NAME,
      kinds: WATCHED_KINDS,
      resyncReads: RESYNC_READS,
      nothingToDo,
      nothingToDoGiven,
      handleCluster: async (ctx, ns, name) => (await finalizeCluster(ctx, ns, name)).outcome,
      resync: resyncAll,
    },
    deps,
  );
}
