// functions/health: status, failover and maintenance. A thin entry: each CloudEvent is mapped to the
// GpssCluster it concerns and that cluster is checked; a PingSource event checks every cluster, which
// is also the clock that lets failover_after_seconds run out without any other event.
import type { Hono } from 'hono';
import { KIND } from '../../lib/api/types';
import { operatorChildren, type SnapshotKind } from '../../lib/k8s/snapshot';
import { createClusterFunctionApp, type Deps } from '../../lib/runtime/cluster-function';
import { checkCluster } from './health';
import { nothingToDo, nothingToDoGiven } from './nothing-to-do';

export const NAME = 'health';
/**
 * GpssCluster too: a maintenance toggle or a rejected config changes the phase without any pod changing.
 * No StatefulSet: what health takes from it changes only with pods that change too (nothing-to-do.ts).
 */
export const WATCHED_KINDS = [KIND, 'Pod'] as const;

/** What a resync reads for every cluster, one list per kind (children by the operator's label). */
export const RESYNC_READS: SnapshotKind[] = [
  { res: 'gpssclusters' },
  ...operatorChildren('services', 'statefulsets', 'configmaps', 'pods'),
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
      handleCluster: async (ctx, ns, name) => {
        const r = await checkCluster(ctx, ns, name);
        return r.failedOver.length ? 'failed-over' : r.outcome;
      },
    },
    deps,
  );
}
