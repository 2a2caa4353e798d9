// For unit tests: a condition as the API server stores it (lastTransitionTime set, message empty).
import type { Condition } from '../api/types';

export function storedCondition(
  type: string,
  status: Condition['status'],
  reason: string,
  observedGeneration: number,
): Condition {
  return {
    type,
    status,
    reason,
    message: '',
    lastTransitionTime: '2026-12-01T00:00:00Z',
    observedGeneration,
  };
}
