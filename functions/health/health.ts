// Checks one GpssCluster: re-reads it and its pods, StatefulSet, the nodes and (while addresses may be
// changing, and in a resync) its Services and instance config; fails over instances stuck on lost
// nodes (unless in maintenance); writes health's part of the status (server-side apply, field manager
// gpss-health) only when something visible changed; records an Event for every action and for every
// Ready/Degraded transition.
import { DEFAULTS, FIELD_MANAGERS, type GpssCluster } from '../../lib/api/types';
import type { LiveNode } from '../../lib/desired/k8s-types';
import { hasStatus } from '../../lib/k8s/errors';
import { observeCluster } from '../../lib/k8s/observe';
import { recordEvent } from '../../lib/k8s/record-event';
import type { FunctionContext } from '../../lib/runtime/context';
import { writeStatus } from '../../lib/status/write-status';
import { addressesAsReported } from './addresses';
import { type FailoverStep, planFailover } from './failover';
import { nodesNeeded, nodeView, presumedUsable } from './instance-health';
import { buildReport, type HealthReport } from './report';
import { transitionEvents } from './transitions';

const MANAGER = FIELD_MANAGERS.health;

export interface HealthResult {
  outcome: 'gone' | 'written' | 'unchanged';
  failedOver: string[];
}

export async function checkCluster(
  ctx: FunctionContext,
  namespace: string,
  name: string,
): Promise<HealthResult> {
  const cr = await ctx.kube.get<GpssCluster>('gpssclusters', namespace, name);
  if (!cr) return { outcome: 'gone', failedOver: [] };
  ctx.seen?.(cr);
  // No PodDisruptionBudget: health neither reads nor may read it. The instance config and Services only
  // while addresses may be changing, and in every resync (ctx.events undefined): addresses.ts.
  const addressesKept = ctx.events !== undefined && addressesAsReported(cr);
  const observed = await observeCluster(ctx.kube, cr, {
    nodes: !addressesKept,
    pdb: false,
    configMap: !addressesKept,
    services: !addressesKept,
  });
  // The nodes only when a pod may be on a failing one (instance-health.ts, nodesNeeded).
  const nodesRead = !addressesKept || nodesNeeded(observed.pods);
  if (addressesKept && nodesRead) observed.nodes = (await ctx.kube.list<LiveNode>('nodes', undefined)).items;
  const nodes = nodesRead
    ? new Map(observed.nodes.map((n) => [n.metadata.name, nodeView(n)]))
    : presumedUsable(observed.pods);
  const steps = cr.metadata.deletionTimestamp
    ? []
    : planFailover(observed.pods, nodes, {
        now: ctx.now(),
        afterSeconds: cr.spec.failover_after_seconds ?? DEFAULTS.failoverAfterSeconds,
        paused: !!cr.spec.maintenance,
      });
  // A failover that fails (a refused delete) must not keep the status from being reported: it is
  // written first, and the failure then propagates (recorded as HealthFailed by the shell).
  let failoverError: unknown;
  const deleted = await failOver(ctx, cr, steps).catch((err: unknown) => {
    failoverError = err;
    return new Set<string>();
  });
  const report = buildReport({
    cr,
    observed,
    nodes,
    failover: steps,
    deleted,
    addressesAsReported: addressesKept,
  });
  const written = await writeReport(ctx, cr, report);
  if (written) {
    for (const e of transitionEvents(cr.status?.conditions, report.conditions)) {
      await recordEvent(ctx.kube, cr, e, ctx.now());
    }
    for (const s of steps.filter((x) => x.kind === 'paused')) {
      const pod = observed.pods.find((p) => p.metadata.name === s.pod);
      await recordEvent(
        ctx.kube,
        cr,
        {
          type: 'Normal',
          reason: 'FailoverPaused',
          message: `${s.pod} is on lost node ${s.node}; spec.maintenance is true, so it is not replaced`,
          occurrence: `${pod?.metadata.uid}/${nodes.get(s.node)?.since ?? ''}`,
          component: MANAGER,
        },
        ctx.now(),
      );
    }
  }
  if (failoverError) throw new Error('failing over a lost instance', { cause: failoverError });
  return { outcome: written ? 'written' : 'unchanged', failedOver: [...deleted] };
}

async function failOver(ctx: FunctionContext, cr: GpssCluster, steps: FailoverStep[]): Promise<Set<string>> {
  const deleted = new Set<string>();
  for (const s of steps) {
    if (s.kind !== 'delete') {
      ctx.log.info({ decision: `failover-${s.kind}`, pod: s.pod, node: s.node }, `failover ${s.kind}`);
      continue;
    }
    ctx.log.warn(
      { decision: 'failover', pod: s.pod, node: s.node, force: s.force, why: s.why },
      `delete ${s.pod} so it is recreated on another node`,
    );
    let done: boolean;
    try {
      // The uid precondition keeps a late or duplicate event from deleting the replacement pod.
      done = await ctx.kube.delete('pods', cr.metadata.namespace!, s.pod, {
        preconditions: { uid: s.uid },
        ...(s.force ? { gracePeriodSeconds: 0 } : {}),
      });
    } catch (err) {
      if (!hasStatus(err, 409)) throw err;
      done = false;
    }
    if (!done) continue;
    deleted.add(s.pod);
    await recordEvent(
      ctx.kube,
      cr,
      {
        type: 'Warning',
        reason: 'InstanceFailover',
        message: `deleted pod ${s.pod}${s.force ? ' (forced: grace period 0)' : ''}: ${s.why}; the StatefulSet recreates it on a Ready node`,
        occurrence: `${s.uid}/${s.force ? 'force' : 'graceful'}`,
        component: MANAGER,
      },
      ctx.now(),
    );
  }
  return deleted;
}

function writeReport(ctx: FunctionContext, cr: GpssCluster, r: HealthReport): Promise<boolean> {
  return writeStatus(ctx, cr, {
    manager: MANAGER,
    conditions: r.conditions,
    fields: {
      phase: r.phase,
      replicas: r.replicas,
      readyReplicas: r.readyReplicas,
      instances: r.instances,
    },
    log: {
      phase: r.phase,
      rule: r.decision.rule,
      ready: `${r.readyReplicas}/${cr.spec.size ?? DEFAULTS.size}`,
    },
  });
}
