// The one way a function writes its part of GpssCluster status: server-side apply of the status
// subresource under the function's own field manager, and only when something visible changes (a
// status write is itself an event, so an unchanged write would feed an endless loop).
//
// Server-side apply drops any field its manager stops sending. So every apply carries all of the
// manager's current conditions (`owned`), not only the ones being set: applying one alone would
// delete the others. Times are whole seconds, as the API server writes a metav1.Time, so handlers
// racing within a second write identical conditions.
import type { GpssCluster } from '../api/types';
import type { ObjectRef } from '../k8s/client';
import { rfc3339 } from '../k8s/time';
import type { FunctionContext } from '../runtime/context';
import { type ConditionInput, conditionsMatch, findCondition, setCondition } from './conditions';

export interface StatusWrite {
  /** The field manager the status is applied under. */
  manager: string;
  /** The conditions this write sets, merged by type into the current ones. */
  conditions: ConditionInput[];
  /**
   * Every condition type the manager owns, in the order they are sent; each one present in the
   * status is sent again. Default: the types in `conditions`, so a type left out is dropped.
   */
  owned?: readonly string[];
  /** Other status fields the manager owns (observedGeneration, phase, ...); undefined ones are not sent. */
  fields?: Record<string, unknown>;
  /** Fields for the log line beside `decision: 'status'` and the conditions set. */
  log?: Record<string, unknown>;
}

/** The status apply patch, or undefined when nothing visible would change. Pure. */
export function statusPatch(cr: GpssCluster, w: StatusWrite, now: Date): ObjectRef | undefined {
  const current = cr.status ?? {};
  const fields = Object.fromEntries(Object.entries(w.fields ?? {}).filter(([, v]) => v !== undefined));
  const same =
    conditionsMatch(current.conditions, w.conditions) &&
    Object.entries(fields).every(([k, v]) => sameValue((current as Record<string, unknown>)[k], v));
  if (same) return undefined;
  let merged = current.conditions;
  for (const c of w.conditions) merged = setCondition(merged, c, rfc3339(now.getTime()));
  const owned = w.owned ?? w.conditions.map((c) => c.type);
  const conditions = owned.flatMap((t) => findCondition(merged, t) ?? []);
  return {
    apiVersion: cr.apiVersion,
    kind: cr.kind,
    metadata: { name: cr.metadata.name, namespace: cr.metadata.namespace },
    status: { ...fields, conditions },
  };
}

/** Applies the status when something visible changes; returns whether it wrote. */
export async function writeStatus(ctx: FunctionContext, cr: GpssCluster, w: StatusWrite): Promise<boolean> {
  const patch = statusPatch(cr, w, ctx.now());
  if (!patch) return false;
  ctx.log.info(
    {
      decision: 'status',
      ...w.log,
      conditions: w.conditions.map((c) => `${c.type}=${c.status}/${c.reason}`),
    },
    'write status',
  );
  await ctx.kube.apply(patch, {
    fieldManager: w.manager,
    force: true,
    subresource: 'status',
  });
  return true;
}

/**
 * Equal as JSON the API server would return: key order does not matter, and an undefined or null
 * field equals an absent one (the server stores neither).
 */
export function sameValue(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (a == null || b == null) return a == null && b == null;
  if (Array.isArray(a) || Array.isArray(b)) {
    return (
      Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((v, i) => sameValue(v, b[i]))
    );
  }
  if (typeof a !== 'object' || typeof b !== 'object') return false;
  const x = a as Record<string, unknown>;
  const y = b as Record<string, unknown>;
  const keys = new Set([...Object.keys(x), ...Object.keys(y)]);
  return [...keys].every((k) => sameValue(x[k], y[k]));
}
