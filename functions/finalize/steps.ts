// The vocabulary of a finalize plan: the steps, in the order they must happen, and the status
// conditions finalize owns.
import type { EventSpec } from '../../lib/k8s/record-event';
import type { ConditionInput } from '../../lib/status/conditions';
import type { InstancePod } from './pod-state';

/** The condition types finalize owns on GpssCluster status (never phase: that is health's). */
export const CONDITIONS = {
  finalizing: 'Finalizing',
  forced: 'InstanceTerminationForced',
} as const;

export type PlannedEvent = Omit<EventSpec, 'component'>;

export type Step =
  | { do: 'add-cluster-finalizer' }
  | { do: 'scale-to-zero'; from: number }
  | { do: 'add-instance-finalizer'; pod: string }
  | { do: 'delete-service'; service: string; pod: string }
  | { do: 'release-instance'; pod: string; why: string }
  | { do: 'force-delete-pod'; pod: string; uid: string }
  | { do: 'remove-cluster-finalizer'; why: string }
  | { do: 'event'; event: PlannedEvent };

export type Outcome =
  | 'gone'
  | 'unguarded'
  | 'applied'
  | 'unchanged'
  | 'draining'
  | 'maintenance'
  | 'suspended'
  | 'waiting'
  | 'finalized'
  | 'forced';

export interface Plan {
  outcome: Outcome;
  steps: Step[];
  conditions: ConditionInput[];
}

/** Pods in ordinal order (gpfdist-2 before gpfdist-10), so messages and steps are deterministic. */
export function byName(pods: InstancePod[]): InstancePod[] {
  return [...pods].sort((a, b) => a.metadata.name.localeCompare(b.metadata.name, 'en', { numeric: true }));
}
