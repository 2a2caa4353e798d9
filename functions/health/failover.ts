// When to replace an instance stuck on a lost node. A StatefulSet never recreates a pod the API
// server still lists, and on an unreachable node nothing confirms the pod is gone, so the instance
// would stay down until the node returns. Pure: the clock is an input, and every wait is bounded by
// times stored in the cluster (the node's Ready transition, the pod's deletionTimestamp), so any
// event after the bound finds the same answer.
//
// - node confirmed gone (deleted, or tainted out-of-service): force-delete at once;
// - node Unknown (unreachable) longer than failover_after_seconds: force-delete, since a kubelet
//   that cannot be reached will never confirm a graceful delete;
// - node False (its kubelet reports NotReady) longer than the bound: delete gracefully, since that
//   kubelet can still stop GPSS cleanly; force once the pod's grace period has also run out.
// A pod already being deleted counts like any other (the taint manager's eviction, a graceful
// delete, is usually what wakes health at the bound: lib/desired/statefulset.ts), unless it was
// already force-deleted (grace period 0): nothing is left for a delete to do (only finalizers hold
// it, and finalize releases those), so it is not deleted again.
import { endOfSecond, rfc3339, toMillis } from '../../lib/k8s/time';
import { type HealthPod, type NodeView, nodeUsable, podNode } from './instance-health';

export type FailoverStep =
  | { kind: 'wait'; pod: string; node: string; dueAt: string }
  | { kind: 'paused'; pod: string; node: string }
  /** Already force-deleted (by this function, or anyone): nothing more to do. */
  | { kind: 'forced'; pod: string; node: string }
  | { kind: 'delete'; pod: string; uid: string; node: string; force: boolean; why: string };

export interface FailoverOptions {
  now: Date;
  afterSeconds: number;
  /** spec.maintenance: report, never act. */
  paused: boolean;
}

export function planFailover(
  pods: readonly HealthPod[],
  nodes: ReadonlyMap<string, NodeView>,
  o: FailoverOptions,
): FailoverStep[] {
  const steps: FailoverStep[] = [];
  const now = o.now.getTime();
  for (const pod of pods) {
    const node = podNode(pod, nodes);
    if (!node || nodeUsable(node) || !pod.metadata.uid) continue;
    const base = { pod: pod.metadata.name, node: node.name };
    if (o.paused) {
      steps.push({ kind: 'paused', ...base });
      continue;
    }
    if (pod.metadata.deletionGracePeriodSeconds === 0) {
      steps.push({ kind: 'forced', ...base });
      continue;
    }
    const del = (force: boolean, why: string) =>
      steps.push({ kind: 'delete', ...base, uid: pod.metadata.uid!, force, why });
    if (node.gone) {
      del(true, `node ${node.name} is gone`);
      continue;
    }
    // A node that never reported has no clock to bound the wait by; it cannot be holding a running pod
    // either. The node condition's time has whole seconds: the bound counts from the end of that second,
    // so a failover never comes before failover_after_seconds.
    const due = toMillis(node.since) === undefined ? now : endOfSecond(node.since!) + o.afterSeconds * 1000;
    if (now < due) {
      steps.push({ kind: 'wait', ...base, dueAt: rfc3339(due) });
      continue;
    }
    const late = `node ${node.name} has been ${node.ready === 'Unknown' ? 'unreachable' : 'NotReady'} for longer than ${o.afterSeconds}s`;
    if (node.ready === 'Unknown') {
      del(true, late);
      continue;
    }
    // Set when the pod is terminating: the end of its grace period.
    const graceEnds = toMillis(pod.metadata.deletionTimestamp);
    if (graceEnds === undefined) {
      del(false, late);
      continue;
    }
    if (now >= graceEnds) del(true, `${late}, and the pod outlived its grace period`);
    else steps.push({ kind: 'wait', ...base, dueAt: rfc3339(graceEnds) });
  }
  return steps;
}

/** The words appended to an instance's NodeNotReady problem, so the status says what will happen. */
export function failoverNote(step: FailoverStep | undefined, deleted: boolean): string | undefined {
  if (!step) return undefined;
  switch (step.kind) {
    case 'wait':
      return `failover at ${step.dueAt}`;
    case 'paused':
      return 'failover paused: spec.maintenance is true';
    case 'delete':
      return deleted
        ? `failed over: pod deleted${step.force ? ' (forced)' : ''} so it is recreated on another node`
        : undefined;
    // As the forced delete's own note: the status does not change while finalizers let the pod go.
    case 'forced':
      return 'failed over: pod deleted (forced) so it is recreated on another node';
  }
}
