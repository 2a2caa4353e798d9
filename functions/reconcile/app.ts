// functions/reconcile: sizing, services and per-instance config, for the GpssCluster an event
// concerns (or every cluster on a PingSource resync).
import type { Hono } from 'hono';
import { KIND } from '../../lib/api/types';
import { operatorChildren, type SnapshotKind } from '../../lib/k8s/snapshot';
import { createClusterFunctionApp, type Deps } from '../../lib/runtime/cluster-function';
import { nothingToDo, nothingToDoGiven } from './nothing-to-do';
import { readAhead, reconcileCluster } from './reconcile';

export const NAME = 'reconcile';
export const WATCHED_KINDS = [KIND, 'Service', 'StatefulSet'] as const;

/** What a resync reads for every cluster, one list per kind (children by the operator's label). */
export const RESYNC_READS: SnapshotKind[] = [
  { res: 'gpssclusters' },
  ...operatorChildren('services', 'statefulsets', 'configmaps', 'pods', 'poddisruptionbudgets'),
  { res: 'nodes' },
];

export function createApp(deps: Deps): Hono {
  return createClusterFunctionApp(
    {
      name: NAME,
      kinds: WATCHED_KINDS,
      resyncReads: RESYNC_READS,
      nothingToDo,
      nothingToDoGiven,
      readAhead,
      handleCluster: async (ctx, ns, name) => (await reconcileCluster(ctx, ns, name)).outcome,
    },
    deps,
  );
}
