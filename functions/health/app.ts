// functions/health: status, failover and maintenance. A thin entry: each CloudEvent is mapped to the
// GpssCluster it concerns and that cluster is checked; a PingSource event checks every cluster, which
// is also the clock that lets failover_after_seconds run out without any other event.
import type { Hono } from 'hono';
import { KIND } from '../../lib/api/types';
import { createClusterFunctionApp, type Deps } from '../../lib/runtime/cluster-function';
import { checkCluster } from './health';

export const NAME = 'health';
/** GpssCluster too: a maintenance toggle or a rejected config changes the phase without any pod changing. */
export const WATCHED_KINDS = [KIND, 'Pod', 'StatefulSet'] as const;

export function createApp(deps: Deps): Hono {
  return createClusterFunctionApp(
    {
      name: NAME,
      kinds: WATCHED_KINDS,
      handleCluster: async (ctx, ns, name) => {
        const r = await checkCluster(ctx, ns, name);
        return r.failedOver.length ? 'failed-over' : r.outcome;
      },
    },
    deps,
  );
}
