// The shape all three functions share: a PingSource event resyncs every cluster; an ApiServerSource
// event is mapped to the one GpssCluster it concerns, which is then handled from a fresh read.
// Each function only says which kinds it subscribes to and what it does for one cluster.
import type { CloudEvent } from 'cloudevents';
import type { Hono } from 'hono';
import { clusterRefOf } from './cluster-key';
import { describeApiServerEvent } from './events/apiserver';
import { isPingEvent } from './events/types';
import { createFunctionApp, type HandleContext, type HandleResult } from './function-app';
import type { KubeClient } from './k8s/client';
import type { Logger } from './log';
import { forEachCluster } from './resync';

export interface ClusterContext {
  kube: KubeClient;
  log: Logger;
  now: () => Date;
}

export interface ClusterFunction {
  name: string;
  /** Kinds its ApiServerSource delivers; any other kind is answered 400. */
  kinds: readonly string[];
  /** Handles one cluster; returns the outcome word for the summary line. */
  handleCluster(ctx: ClusterContext, namespace: string, name: string): Promise<string>;
  /** The PingSource resync; by default every cluster through handleCluster. */
  resync?(ctx: ClusterContext): Promise<string>;
}

export interface Deps {
  kube: KubeClient;
  logger: Logger;
  now?: () => Date;
}

export function createClusterFunctionApp(fn: ClusterFunction, deps: Deps): Hono {
  const now = deps.now ?? (() => new Date());
  const handle = async (event: CloudEvent<unknown>, ctx: HandleContext): Promise<HandleResult> => {
    if (isPingEvent(event)) {
      const c = { kube: ctx.kube, log: ctx.log, now };
      const summary = fn.resync
        ? await fn.resync(c)
        : (
            await forEachCluster(ctx.kube, ctx.log, (k, log) =>
              fn.handleCluster({ ...c, log }, k.namespace, k.name),
            )
          ).summary;
      return { outcome: `resync ${summary}` };
    }
    const ref = clusterRefOf(describeApiServerEvent(event), fn.kinds);
    ctx.cluster = `${ref.namespace}/${ref.name}`;
    const log = ctx.log.child({ cluster: ctx.cluster });
    const outcome = await fn.handleCluster({ kube: ctx.kube, log, now }, ref.namespace, ref.name);
    return { outcome, cluster: ctx.cluster };
  };
  return createFunctionApp({ name: fn.name, logger: deps.logger, kube: deps.kube, handle });
}
