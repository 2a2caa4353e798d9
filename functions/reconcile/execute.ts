// Carries out a reconcile plan's steps in order, one log line per decision (scripts/logs.ts and the
// tests read them), then writes the planned status. Each step is safe to repeat: an apply is
// server-side and planned only when the live object differs, a restart deletes only the pod it names
// (uid precondition), an Event has a deterministic name.
import { FIELD_MANAGERS, type GpssCluster } from '../../lib/api/types';
import type { LiveService } from '../../lib/desired';
import type { LiveStatefulSet } from '../../lib/desired/k8s-types';
import type { Observed } from '../../lib/k8s/observe';
import { recordEvent } from '../../lib/k8s/record-event';
import type { FunctionContext } from '../../lib/runtime/context';
import { writeStatus } from '../../lib/status/write-status';
import { refusedByApiServer } from './dry-run';
import { progressing } from './plan-status';
import { CONDITIONS, type Plan, type Step } from './steps';

const MANAGER = FIELD_MANAGERS.reconcile;

/** The function's context plus what the plan was made from. */
export interface ExecContext extends FunctionContext {
  cr: GpssCluster;
  /** What the plan was made from. */
  observed: Observed;
}

export interface Done {
  /** A short description of each write made. */
  writes: string[];
  /** The Services as the API server returned them from their applies. */
  services: LiveService[];
  /** The StatefulSet as the API server returned it from its apply, if it was applied. */
  statefulSet?: LiveStatefulSet;
}

export async function execute(ctx: ExecContext, steps: Step[]): Promise<Done> {
  const done: Done = { writes: [], services: [] };
  for (const s of steps) await run(ctx, s, done);
  return done;
}

/**
 * The steps, then the status; the after-status steps only when the status write changed something.
 * When the StatefulSet was applied, Progressing comes from the object the apply returned: a changed
 * spec comes back with a generation its controller has not observed yet (RollingOut, with no second
 * pass to learn it), an apply that changed nothing (a resync from a snapshot older than the
 * StatefulSet) with its status as it is, so Converged is not undone by a write that starts no rollout
 * and brings no StatefulSet event to end it.
 */
export async function carryOut(ctx: ExecContext, plan: Plan): Promise<string[]> {
  const done = await execute(ctx, plan.steps);
  const { fields } = plan.status;
  const applied = done.statefulSet;
  const conditions = applied
    ? plan.status.conditions.map((c) =>
        c.type === CONDITIONS.progressing
          ? progressing(ctx.cr, { statefulSet: applied }, false, plan.restartsLeft ?? 0)
          : c,
      )
    : plan.status.conditions;
  if (await writeStatus(ctx, ctx.cr, { manager: MANAGER, conditions, fields })) {
    await execute(ctx, plan.afterStatusChange);
  }
  return done.writes;
}

async function run(ctx: ExecContext, s: Step, done: Done): Promise<void> {
  const { kube, log, cr } = ctx;
  const ns = cr.metadata.namespace!;
  switch (s.do) {
    case 'apply': {
      const { kind, name } = { kind: s.object.kind, name: s.object.metadata.name };
      log.info({ decision: 'apply', kind, name, why: s.why }, `apply ${kind} ${name}`);
      done.writes.push(`${kind}/${name}`);
      const live = await kube.apply(s.object, { fieldManager: MANAGER, force: true });
      if (kind === 'Service') done.services.push(live as LiveService);
      if (kind === 'StatefulSet') done.statefulSet = live as LiveStatefulSet;
      return;
    }
    case 'delete-pdb':
      log.info({ decision: 'delete', kind: 'PodDisruptionBudget' }, 'size < 2: delete the disruption budget');
      await kube.delete('poddisruptionbudgets', ns, s.name);
      done.writes.push('delete PodDisruptionBudget');
      return;
    case 'delete-service':
      log.info(
        { decision: 'delete', kind: 'Service', name: s.name },
        `delete ${s.name}: instance ${s.ordinal} is beyond size and gone`,
      );
      if (await kube.delete('services', ns, s.name)) done.writes.push(`delete Service/${s.name}`);
      return;
    case 'restart':
      log.info(
        { decision: 'restart', pod: s.pod, mark: s.mark },
        'restart instance: its advertised address changed',
      );
      await kube.delete('pods', ns, s.pod, { preconditions: { uid: s.uid } });
      done.writes.push(`restart Pod/${s.pod}`);
      return;
    case 'event':
      await recordEvent(kube, cr, { ...s.event, component: MANAGER }, ctx.now());
      return;
    default:
      return explain(ctx, s);
  }
}

/** The steps that only tell: each is one log line (the dry run's answer, for explain-refusal). */
async function explain(ctx: ExecContext, s: Step): Promise<void> {
  if (s.do === 'reject') {
    ctx.log.warn(
      { reason: s.reason, problem: s.problem },
      'configuration rejected; cluster keeps its last valid config',
    );
  } else if (s.do === 'maintenance') {
    ctx.log.info({ decision: 'maintenance' }, 'maintenance mode: observing only');
  } else if (s.do === 'explain-refusal') {
    // Beside ours, in the log (npm run logs shows both): a dry run, so nothing is written.
    const verdict = await refusedByApiServer(ctx.kube, ctx.cr, ctx.observed).catch(() => undefined);
    if (verdict) ctx.log.warn({ problem: verdict.message }, 'the API server refuses it too');
  }
}
