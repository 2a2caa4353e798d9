// functions/reconcile: sizing, services and per-instance config, for the GpssCluster an event
// concerns (or every cluster on a PingSource resync).
import type { Hono } from 'hono';
import { KIND } from '../../lib/api/types';
import { createClusterFunctionApp, type Deps } from '../../lib/runtime/cluster-function';
import { reconcileCluster } from './reconcile';

export const NAME = 'reconcile';
export const WATCHED_KINDS = [KIND, 'Service', 'StatefulSet'] as const;

export function createApp(deps: Deps): Hono {
  return createClusterFunctionApp(
    {
      name: NAME,
      kinds: WATCHED_KINDS,
      handleCluster: async (ctx, ns, name) => (await reconcileCluster(ctx, ns, name)).outcome,
    },
    deps,
  );
}
