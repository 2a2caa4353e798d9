// No silent failure: when a function cannot converge a cluster for a reason retrying cannot fix (a
// refused write, a missing permission, a bug), it says so on the GpssCluster itself: a condition
// of its own (`ReconcileFailed`, `FinalizeFailed`, `HealthFailed`) with the failing step as reason
// and the verb, resource and API server's message as message, plus a Warning Event. The condition
// turns False (reason Recovered) on the function's next success. It is written under a field manager
// of its own (`gpss-<fn>-failures`), so the function's ordinary status apply never drops it and it
// never drops the function's fields.
import type { GpssCluster } from '../api/types';
import { causeChain, kubeApiError } from '../k8s/errors';
import { recordEvent } from '../k8s/record-event';
import { RESOURCES } from '../k8s/resources';
import { type ConditionInput, findCondition } from '../status/conditions';
import { writeStatus } from '../status/write-status';
import type { FunctionContext } from './context';

const MAX_MESSAGE = 900;

export function failureConditionType(fn: string): string {
  return `${fn[0]!.toUpperCase()}${fn.slice(1)}Failed`;
}

export function failureFieldManager(fn: string): string {
  return `gpss-${fn}-failures`;
}

const KIND_BY_PLURAL = new Map<string, string>(Object.values(RESOURCES).map((r) => [r.plural, r.kind]));

/** The failing step, CamelCase: `ApplyStatefulSet`, `DeletePod`, `ApplyGpssClusterStatus`; else `InternalError`. */
export function failureReason(err: unknown): string {
  const api = kubeApiError(err);
  if (!api) return 'InternalError';
  const [plural = '', sub] = (api.resource ?? '').split('/');
  const kind = KIND_BY_PLURAL.get(plural) ?? camel(plural);
  return `${camel(api.verb)}${kind}${sub ? camel(sub) : ''}`;
}

/** What went wrong, for humans: the outermost message and the API server's, without stack or secrets. */
export function failureMessage(err: unknown): string {
  const chain = causeChain(err);
  const api = kubeApiError(err);
  const outer = chain[0] instanceof Error ? chain[0].message : String(chain[0]);
  const text = api && api !== chain[0] ? `${outer}: ${api.message}` : outer;
  return text.length > MAX_MESSAGE ? `${text.slice(0, MAX_MESSAGE - 1)}…` : text;
}

function camel(s: string): string {
  return s ? s[0]!.toUpperCase() + s.slice(1) : '';
}

/**
 * Records a permanent failure on the cluster (condition + Warning Event), once per distinct
 * reason and message: a replayed event writes nothing. Best effort: if the report itself is refused,
 * that is logged and the original failure still decides the answer.
 */
export async function reportFailure(
  ctx: FunctionContext,
  fn: string,
  key: { namespace: string; name: string },
  err: unknown,
): Promise<void> {
  try {
    const cr = await ctx.kube.get<GpssCluster>('gpssclusters', key.namespace, key.name);
    if (!cr) return;
    const cond: ConditionInput = {
      type: failureConditionType(fn),
      status: 'True',
      reason: failureReason(err),
      message: failureMessage(err),
      observedGeneration: cr.metadata.generation,
    };
    if (!(await writeCondition(ctx, fn, cr, cond))) return;
    await recordEvent(
      ctx.kube,
      cr,
      {
        type: 'Warning',
        reason: cond.reason,
        message: cond.message,
        occurrence: `${cr.metadata.generation}/${cond.message}`,
        component: `gpss-${fn}`,
      },
      ctx.now(),
    );
  } catch (reportErr) {
    ctx.log.error({ err: reportErr }, 'could not record the failure on the cluster');
  }
}

/**
 * After a success: a failure condition still True turns False (Recovered), and a Recovered one follows
 * the generation (a condition with an older observedGeneration reads as not re-evaluated). No write
 * when there is none, or it is already False at this generation.
 */
export async function clearFailure(ctx: FunctionContext, fn: string, cr: GpssCluster): Promise<void> {
  if (!failureRecorded(cr, fn)) return;
  const type = failureConditionType(fn);
  await writeCondition(ctx, fn, cr, {
    type,
    status: 'False',
    reason: 'Recovered',
    message: `the last ${fn} of generation ${cr.metadata.generation} succeeded`,
    observedGeneration: cr.metadata.generation,
  });
}

/** A failure condition of `fn` that handling an event would clear (True, or Recovered at an older generation). */
export function failureRecorded(cr: GpssCluster, fn: string): boolean {
  const c = findCondition(cr.status?.conditions, failureConditionType(fn));
  return !!c && (c.status === 'True' || c.observedGeneration !== cr.metadata.generation);
}

/** Under the failure manager, which owns this one condition type and nothing else. */
function writeCondition(
  ctx: FunctionContext,
  fn: string,
  cr: GpssCluster,
  cond: ConditionInput,
): Promise<boolean> {
  return writeStatus(ctx, cr, { manager: failureFieldManager(fn), conditions: [cond] });
}
