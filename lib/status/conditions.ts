// Kubernetes-style conditions: lastTransitionTime moves only when status changes, so rewriting the
// same condition is a no-op and never causes a status write (which would trigger more events).
import type { Condition } from '../api/types';

export type ConditionInput = Omit<Condition, 'lastTransitionTime'>;

export function setCondition(
  existing: Condition[] | undefined,
  next: ConditionInput,
  now: string,
): Condition[] {
  const list = existing ? [...existing] : [];
  const i = list.findIndex((c) => c.type === next.type);
  const prev = i >= 0 ? list[i] : undefined;
  const cond: Condition = {
    type: next.type,
    status: next.status,
    reason: next.reason,
    message: next.message,
    lastTransitionTime: prev && prev.status === next.status ? prev.lastTransitionTime : now,
    ...(next.observedGeneration !== undefined ? { observedGeneration: next.observedGeneration } : {}),
  };
  if (i >= 0) list[i] = cond;
  else list.push(cond);
  return list;
}

export function findCondition(list: Condition[] | undefined, type: string): Condition | undefined {
  return list?.find((c) => c.type === type);
}

/** True when applying `wanted` would change nothing visible in `existing`. */
export function conditionsMatch(existing: Condition[] | undefined, wanted: ConditionInput[]): boolean {
  return wanted.every((w) => {
    const c = findCondition(existing, w.type);
    return (
      c !== undefined &&
      c.status === w.status &&
      c.reason === w.reason &&
      c.message === w.message &&
      c.observedGeneration === w.observedGeneration
    );
  });
}
