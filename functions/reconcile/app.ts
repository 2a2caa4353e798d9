// functions/reconcile: sizing, services and per-instance config. A thin entry: the hono app maps each
// CloudEvent to the GpssCluster it concerns and reconciles that cluster; a PingSource event
// reconciles every cluster (the resync that makes the lossy event source level-triggered).
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
import { reconcileCluster } from './reconcile';

export const NAME = 'reconcile';
export const WATCHED_KINDS = [KIND, 'Service', 'StatefulSet'] as const;

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
        reconcileCluster({ kube: ctx.kube, log, now }, c.namespace, c.name).then((x) => x.outcome),
      );
      return { outcome: `resync ${r.summary}` };
    }
    const ref = clusterRefOf(describeApiServerEvent(event), WATCHED_KINDS);
    ctx.cluster = `${ref.namespace}/${ref.name}`;
    const log = ctx.log.child({ cluster: ctx.cluster });
    const r = await reconcileCluster({ kube: ctx.kube, log, now }, ref.namespace, ref.name);
    return { outcome: r.outcome, cluster: ctx.cluster };
  };
  return createFunctionApp({ name: NAME, logger: deps.logger, kube: deps.kube, handle });
}
