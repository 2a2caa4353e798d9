// The one rule table that decides status.phase. Pure: health gathers the facts (its own instance
// assessment, reconcile's ConfigValid condition, the StatefulSet) and the first matching row wins.
// The first three rows are overrides that describe the cluster as a whole; the rest describe what
// runs, and that "operational" phase also names the reason of the Ready condition, so a cluster in
// maintenance or with a rejected config still says why it is or is not ready.
import type { Phase } from '../../lib/api/types';

export interface PhaseInput {
  deleting: boolean;
  /** reconcile's ConfigValid=False: the cluster keeps running its last valid config. */
  configInvalid: boolean;
  /** A function's `<Fn>Failed=True` condition (lib/runtime/failures.ts): what runs is not what the spec says. */
  failing: boolean;
  maintenance: boolean;
  size: number;
  /** Instance pods that exist and are not terminating. */
  pods: number;
  /** The StatefulSet's spec.replicas; undefined while reconcile has not created it. */
  statefulSetReplicas: number | undefined;
  /** Ready instances among ordinals < size. */
  ready: number;
  /** Instances with a problem now, or still recovering from one. */
  problems: number;
  /** Instances restarted on purpose (rolling update, re-addressing) and not ready yet. */
  restarting: number;
  /** Instances that have never been ready and have no problem: new ones. */
  starting: number;
  /** A StatefulSet rollout or an instance re-addressing is in progress. */
  rollout: boolean;
  previousPhase: Phase | undefined;
  previousReady: number | undefined;
}

export interface PhaseRule {
  name: string;
  phase: Phase;
  when: (i: PhaseInput) => boolean;
}

/** Phases after which "nothing ready" means an outage, not a cluster still being created. */
const ESTABLISHED: ReadonlySet<Phase> = new Set(['Ready', 'Degraded', 'Updating', 'Scaling']);
const KEEPS_HISTORY: ReadonlySet<Phase> = new Set(['Invalid', 'Failed', 'Maintenance', 'Deleting']);

/** Has the cluster served before? Only health's previous status knows; the pods cannot tell. */
export function established(i: Pick<PhaseInput, 'previousPhase' | 'previousReady'>): boolean {
  const p = i.previousPhase;
  if (p === undefined) return false;
  return ESTABLISHED.has(p) || (KEEPS_HISTORY.has(p) && (i.previousReady ?? 0) > 0);
}

/** What the cluster object alone says, whatever runs: the overrides decide from these only. */
export type OverrideFacts = Pick<PhaseInput, 'deleting' | 'configInvalid' | 'failing' | 'maintenance'>;

export const OVERRIDE_RULES: readonly (PhaseRule & { when: (i: OverrideFacts) => boolean })[] = [
  { name: 'deleting', phase: 'Deleting', when: (i) => i.deleting },
  { name: 'config-invalid', phase: 'Invalid', when: (i) => i.configInvalid },
  { name: 'failing', phase: 'Failed', when: (i) => i.failing },
  { name: 'maintenance', phase: 'Maintenance', when: (i) => i.maintenance },
];

export const OPERATIONAL_RULES: readonly PhaseRule[] = [
  { name: 'stopped', phase: 'Stopped', when: (i) => i.size === 0 && i.pods === 0 },
  // Before rollout and scaling: a rollout stuck on an unpullable image must not read "Updating" forever.
  { name: 'problem', phase: 'Degraded', when: (i) => i.problems > 0 },
  { name: 'rollout', phase: 'Updating', when: (i) => i.rollout || i.restarting > 0 },
  { name: 'creating', phase: 'Creating', when: (i) => !established(i) && i.ready < i.size },
  {
    name: 'scaling',
    phase: 'Scaling',
    when: (i) => i.statefulSetReplicas !== i.size || i.pods !== i.size || i.starting > 0,
  },
  // Unreachable when the counts are consistent; kept so an unexplained gap never reads as Ready.
  { name: 'unready', phase: 'Degraded', when: (i) => i.ready < i.size },
  { name: 'ready', phase: 'Ready', when: () => true },
];

export interface PhaseDecision {
  phase: Phase;
  /** The phase of what runs, ignoring the overrides. */
  operational: Phase;
  /** The matching row, for logs and tests. */
  rule: string;
}

function first(rules: readonly PhaseRule[], i: PhaseInput): PhaseRule | undefined {
  return rules.find((r) => r.when(i));
}

/** The override row the cluster object alone decides, if any (health's triage asks without pods). */
export function overrideRule(f: OverrideFacts): PhaseRule | undefined {
  return OVERRIDE_RULES.find((r) => r.when(f));
}

export function decidePhase(i: PhaseInput): PhaseDecision {
  const op = first(OPERATIONAL_RULES, i)!;
  const override = first(OVERRIDE_RULES, i);
  return { phase: (override ?? op).phase, operational: op.phase, rule: (override ?? op).name };
}
