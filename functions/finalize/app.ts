// functions/finalize: safe deletion and safe scale-in. A thin entry: each CloudEvent (a GpssCluster
// or one of its instance pods changed) is mapped to its cluster, and that whole cluster is
// re-evaluated from the objects; a PingSource event re-evaluates every cluster. The resync is also
// finalize's clock: a time box is enforced by whichever event arrives after it expires.
import type { CloudEvent } from 'cloudevents';
import type { Hono } from 'hono';
import { KIND } from '../../lib/api/types';
import { clusterRefOf } from '../../lib/cluster-key';
import { describeApiServerEvent } from '../../lib/events/apiserver';
import { isPingEvent } from '../../lib/events/types';
import { createFunctionApp, type HandleContext, type HandleResult } from '../../lib/function-app';
import type { KubeClient } from '../../lib/k8s/client';
import type { Logger } from '../../lib/log';
import { finalizeCluster } from './finalize';
import { resyncAll } from './resync';

export const NAME = 'finalize';
export const WATCHED_KINDS = [KIND, 'Pod'] as const;

export interface Deps {
  kube: KubeClient;
  logger: Logger;
  now?: () => Date;
}

export function createApp(deps: Deps): Hono {
  const now = deps.now ?? (() => new Date());
  const handle = async (event: CloudEvent<unknown>, ctx: HandleContext): Promise<HandleResult> => {
    if (isPingEvent(event)) {
      return { outcome: `resync ${await resyncAll({ kube: ctx.kube, log: ctx.log, now })}` };
    }
    const ref = clusterRefOf(describeApiServerEvent(event), WATCHED_KINDS);
    ctx.cluster = `${ref.namespace}/${ref.name}`;
    const log = ctx.log.child({ cluster: ctx.cluster });
    const r = await finalizeCluster({ kube: ctx.kube, log, now }, ref.namespace, ref.name);
    return { outcome: r.outcome, cluster: ctx.cluster };
  };
  return createFunctionApp({ name: NAME, logger: deps.logger, kube: deps.kube, handle });
}
