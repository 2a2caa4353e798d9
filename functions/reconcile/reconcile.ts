// Reconciles one GpssCluster: read the CR, observe its children, gate (an invalid spec is rejected,
// maintenance only reports), plan, execute. Everything it needs is re-read: the event is only a hint.
// The decisions are in the plan-*.ts files (pure), the writes in execute.ts; plan.ts says why the
// Services get a plan of their own.
import { type GpssCluster, KIND } from '../../lib/api/types';
import type { KubeClient } from '../../lib/k8s/client';
import { type Observed, observeCluster } from '../../lib/k8s/observe';
import { momentsAgo, type ReadAhead } from '../../lib/k8s/read-ahead';
import { listWatched } from '../../lib/k8s/watch-scope';
import type { ClusterRef } from '../../lib/runtime/cluster-key';
import type { FunctionContext } from '../../lib/runtime/context';
import type { ApiServerEvent } from '../../lib/runtime/events/apiserver';
import { dryRunAhead, refusedByApiServer } from './dry-run';
import { carryOut, type ExecContext, execute } from './execute';
import { planCluster, planServices, withServices } from './plan';
import {
  claimsClusterId,
  duplicateClusterId,
  needsNodes,
  planMaintenance,
  planRejected,
  specProblems,
} from './plan-config';
import { rolloutEnded, rolloutEndReadAhead } from './rollout-ended';
import type { Rejection } from './steps';

export { specTerms } from './dry-run';
export { addressCondition } from './plan-status';
export { CLUSTER_ID_ANNOTATION, RESTART_PREFIX } from './steps';

export interface ReconcileResult {
  outcome: 'gone' | 'deleting' | 'invalid' | 'maintenance' | 'applied' | 'unchanged' | 'rollout-ended';
  applied: string[];
}

export async function reconcileCluster(
  ctx: FunctionContext,
  namespace: string,
  name: string,
): Promise<ReconcileResult> {
  const cr = await ctx.kube.get<GpssCluster>('gpssclusters', namespace, name);
  if (!cr) return { outcome: 'gone', applied: [] };
  ctx.seen?.(cr);
  if (cr.metadata.deletionTimestamp) return { outcome: 'deleting', applied: [] };
  if (await rolloutEnded(ctx, cr)) return { outcome: 'rollout-ended', applied: [] };

  const { others, observed: observing } = firstReads(ctx.kube, cr);
  others?.catch(() => undefined);
  const observed = await observing;
  const exec: ExecContext = { ...ctx, cr, observed };
  const rejection = await gate(ctx.kube, cr, observed, others);
  if (rejection) {
    await carryOut(exec, planRejected(cr, rejection));
    return { outcome: 'invalid', applied: [] };
  }
  if (cr.spec.maintenance) {
    await carryOut(exec, planMaintenance(cr));
    return { outcome: 'maintenance', applied: [] };
  }
  const services = await applyServices(exec);
  const plan = planCluster(cr, services.observed);
  const applied = [...services.writes, ...(await carryOut({ ...exec, observed: services.observed }, plan))];
  return { outcome: applied.length ? 'applied' : 'unchanged', applied };
}

/**
 * A pass's first round of reads: the children, and for a cluster reconcile has never reported on (it
 * is about to claim its Cluster.Id) the other clusters, beside the children rather than after them.
 * A read started here and not needed after all is dropped unawaited.
 */
function firstReads(kube: KubeClient, cr: GpssCluster) {
  return {
    others: newCluster(cr) ? listWatched<GpssCluster>(kube, 'gpssclusters') : undefined,
    observed: observeCluster(kube, cr, { nodes: needsNodes(cr) }),
  };
}

function newCluster(cr: GpssCluster): boolean {
  return cr.status?.observedGeneration === undefined;
}

/**
 * What to read beside the triage's read of the cluster: a new cluster's first round (its add event
 * cannot be settled: reconcile has not judged it) with its dry run (dry-run.ts), or a rollout's end
 * (rollout-ended.ts). One round trip less on the way to a new cluster's first apply and to the end
 * of every rollout. Only for a cluster created moments ago: an add event delivered late (behind a
 * burst of creates) often finds the cluster handled already by a resync, and its reads (every
 * GpssCluster among them, for the Cluster.Id check) would be spent for nothing: the 500-cluster
 * burst with a resync in the middle made 261 such passes.
 */
export function readAhead(evs: readonly ApiServerEvent[], ref: ClusterRef, now: Date): ReadAhead | undefined {
  const added = evs.findLast((e) => e.kind === KIND && e.verb === 'add' && e.object);
  const cr = added?.object as GpssCluster | undefined;
  if (
    cr &&
    newCluster(cr) &&
    !cr.metadata.deletionTimestamp &&
    momentsAgo(cr.metadata.creationTimestamp, now)
  )
    return (kube) => {
      const { others, observed } = firstReads(kube, cr);
      others?.catch(() => undefined);
      observed.catch(() => undefined);
      dryRunAhead(kube, cr);
    };
  return rolloutEndReadAhead(evs, { metadata: ref }, now);
}

/** Why the spec is not applied, if it is not; in maintenance nothing is applied, so nothing is dry-run. */
async function gate(
  kube: KubeClient,
  cr: GpssCluster,
  o: Observed,
  others: Promise<GpssCluster[]> | undefined,
): Promise<Rejection | undefined> {
  const problem = specProblems(cr, o);
  if (problem) return problem;
  if (claimsClusterId(cr, o)) {
    const duplicate = duplicateClusterId(
      cr,
      await (others ?? listWatched<GpssCluster>(kube, 'gpssclusters')),
    );
    if (duplicate) return duplicate;
  }
  return cr.spec.maintenance ? undefined : refusedByApiServer(kube, cr, o);
}

/** The Services plan, applied; once more from the applied Services when any changed (see plan.ts). */
async function applyServices(ctx: ExecContext): Promise<{ observed: Observed; writes: string[] }> {
  let observed = ctx.observed;
  const writes: string[] = [];
  for (let pass = 0; pass < 2; pass++) {
    const done = await execute({ ...ctx, observed }, planServices(ctx.cr, observed));
    writes.push(...done.writes);
    observed = withServices(observed, done.services);
    if (done.services.length === 0) break;
  }
  return { observed, writes };
}
