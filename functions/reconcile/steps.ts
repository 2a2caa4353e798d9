// The vocabulary of a reconcile plan: the steps, in the order they must happen, the status reconcile
// owns, and the annotations it records its in-flight work with on the instance ConfigMap.
import { GPSS_ANNOTATIONS } from '../../lib/api/types';
import type { ConfigMap, PodDisruptionBudget, Service, StatefulSet } from '../../lib/desired/k8s-types';
import type { EventSpec } from '../../lib/k8s/record-event';
import type { ConditionInput } from '../../lib/status/conditions';

export const CLUSTER_ID_ANNOTATION = GPSS_ANNOTATIONS.clusterId;
export const RESTART_PREFIX = GPSS_ANNOTATIONS.restartPrefix;

/** The condition types reconcile owns on GpssCluster status. */
export const CONDITIONS = {
  configValid: 'ConfigValid',
  progressing: 'Progressing',
  address: 'ExternalAddressReady',
} as const;

export type PlannedEvent = Omit<EventSpec, 'component'>;

/** A desired child, its applied-hash annotation already set (functions/reconcile/diff.ts). */
export type Child = Service | ConfigMap | StatefulSet | PodDisruptionBudget;

export type Step =
  /** Server-side apply; `why` is applyReason's answer (missing, changed, drifted). */
  | { do: 'apply'; object: Child; why: string }
  | { do: 'delete-pdb'; name: string }
  /** A per-instance Service beyond size whose pod is gone. */
  | { do: 'delete-service'; name: string; ordinal: string }
  /** Delete a pod still advertising an address that changed; the StatefulSet recreates it. */
  | { do: 'restart'; pod: string; uid: string; mark: string }
  | { do: 'event'; event: PlannedEvent }
  /** Decisions that write nothing themselves, logged so the story of an event reads whole. */
  | { do: 'reject'; reason: string; problem: string }
  | { do: 'maintenance' }
  /** Log the API server's own verdict on the StatefulSet of a rejected spec (a dry run). */
  | { do: 'explain-refusal' };

/** reconcile's part of the status: its conditions and the fields it owns. */
export interface PlannedStatus {
  conditions: ConditionInput[];
  fields: { observedGeneration: number | undefined; selector: string; gpssAddress?: string };
}

export interface Plan {
  outcome: 'invalid' | 'maintenance' | 'converge';
  steps: Step[];
  /** Written after the steps. */
  status: PlannedStatus;
  /** Carried out only when the status write changed something: once per rejected generation. */
  afterStatusChange: Step[];
  /**
   * Instances still waiting for a restart: when the StatefulSet is applied, Progressing is computed
   * again from the object the apply returned (execute.ts), which needs them.
   */
  restartsLeft?: number;
}

/** Why a spec is not applied: a condition reason and a message naming the GpssCluster field. */
export interface Rejection {
  reason: string;
  message: string;
}
