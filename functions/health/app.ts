// functions/health: status, failover and maintenance. A thin entry: the hono app maps each CloudEvent
// to the GpssCluster it concerns and checks that cluster; a PingSource event checks every cluster,
// which is also the clock that lets failover_after_seconds run out without any other event.
import type { CloudEvent } from 'cloudevents';
import type { Hono } from 'hono';
import { KIND } from '../../lib/api/types';
import { clusterRefOf } from '../../lib/cluster-key';
import { describeApiServerEvent } from '../../lib/events/apiserver';
import { isPingEvent } from '../../lib/events/types';
import { createFunctionApp, type HandleContext, type HandleResult } from '../../lib/function-app';
import type { KubeClient } from '../../lib/k8s/client';
import type { Logger } from '../../lib/log';
import { forEachCluster } from '../../lib/resync';
import { checkCluster } from './health';

export const NAME = 'health';
/** GpssCluster too: a maintenance toggle or a rejected config changes the phase without any pod changing. */
export const WATCHED_KINDS = [KIND, 'Pod', 'StatefulSet'] as const;

export interface Deps {
  kube: KubeClient;
  logger: Logger;
  now?: () => Date;
}

export function createApp(deps: Deps): Hono {
  const now = deps.now ?? (() => new Date());
  const handle = async (event: CloudEvent<unknown>, ctx: HandleContext): Promise<HandleResult> => {
    if (isPingEvent(event)) {
      const r = await forEachCluster(ctx.kube, ctx.log, (c, log) =>
        checkCluster({ kube: ctx.kube, log, now }, c.namespace, c.name).then((x) => x.outcome),
      );
      return { outcome: `resync ${r.summary}` };
    }
    const ref = clusterRefOf(describeApiServerEvent(event), WATCHED_KINDS);
    ctx.cluster = `${ref.namespace}/${ref.name}`;
    const log = ctx.log.child({ cluster: ctx.cluster });
    const r = await checkCluster({ kube: ctx.kube, log, now }, ref.namespace, ref.name);
    return { outcome: r.failedOver.length ? 'failed-over' : r.outcome, cluster: ctx.cluster };
  };
  return createFunctionApp({ name: NAME, logger: deps.logger, kube: deps.kube, handle });
}
