// Most events reconcile receives echo what it just did or report progress it already reported. Cheap
// answers, each falling back to a full pass when in doubt:
// - a GpssCluster status write, from its own object: reconcile decides from the spec, the children
//   and the nodes, never from status. When the object shows reconcile has already handled this
//   generation (its ConfigValid verdict at it, no failure recorded), a status write
//   cannot change that decision.
// - a Service, from its own object, whose every field was set by reconcile's own apply alone: the
//   apply's answer (allocated node ports included) was used by the pass that made it. A Service anyone
//   else touched (a user, a load-balancer controller writing its address) gets a full pass.
// - a StatefulSet whose spec is reconcile's alone, from its own object, in the middle of a revision
//   rollout (a new revision not yet current, or a spec not yet observed): only reconcile's apply starts
//   one, and the applying pass said RollingOut itself. Likewise while its controller is still making
//   pods (fewer than spec.replicas exist: a new cluster, a scale-up, a pod deleted and not yet made
//   again): the event once they all exist is handled. The rollout's end (the revision current), and an
//   instance turning not ready with no rollout under way (a lost node: a NodePort address on it must
//   move), still go through the cluster read. No restart waits for its turn during a rollout: every
//   instance is Ready again only once it ends.
// - any other StatefulSet event, with the cluster read once: the spec is reconcile's alone, and
//   the Progressing condition computed from this StatefulSet is exactly the one the cluster already
//   shows. The moment the rollout completes changes it. While instances wait to be restarted one at a
//   time (Readdressing), every such event is handled: each replica turning Ready may let the next go.
// A skip that mattered after all is a lost event in effect, which the resync repairs.
import { FIELD_MANAGERS, type GpssCluster, KIND } from '../../lib/api/types';
import type { LiveStatefulSet } from '../../lib/desired/k8s-types';
import { onlyManagedBy } from '../../lib/k8s/managed-fields';
import type { ApiServerEvent } from '../../lib/runtime/events/apiserver';
import { progressing } from './plan-status';
import { CONDITIONS } from './steps';

/** Reconcile's verdict on this generation is on the cluster, and it has nothing pending. */
export function judged(cr: GpssCluster): boolean {
  const gen = cr.metadata.generation;
  if (gen === undefined || cr.metadata.deletionTimestamp || cr.status?.observedGeneration !== gen)
    return false;
  const conds = cr.status.conditions ?? [];
  // Its ConfigValid verdict at this generation, whichever it was: reconcile judged this spec.
  const handled = conds.some((c) => c.type === CONDITIONS.configValid && c.observedGeneration === gen);
  // A recorded failure is cleared only by handling an event.
  const failing = conds.some((c) => c.type === 'ReconcileFailed' && c.status === 'True');
  return handled && !failing;
}

/** 'unchanged' when the event's own object shows it cannot change anything; undefined to go on. */
export function nothingToDo(ev: ApiServerEvent): string | undefined {
  if (ev.verb === 'delete' || !ev.object) return undefined;
  if (ev.kind === KIND) return judged(ev.object as unknown as GpssCluster) ? 'unchanged' : undefined;
  if (ev.kind === 'Service' && !ev.object.metadata?.deletionTimestamp)
    return onlyManagedBy(ev.object, FIELD_MANAGERS.reconcile) ? 'own-echo' : undefined;
  if (ev.kind === 'StatefulSet')
    return catchingUp(ev.object as unknown as LiveStatefulSet) ? 'catching-up' : undefined;
  return undefined;
}

/** A live StatefulSet whose spec and metadata nobody but reconcile has set (its controller writes status). */
export function reconcilesAlone(sts: LiveStatefulSet): boolean {
  return !sts.metadata.deletionTimestamp && onlyManagedBy(sts, FIELD_MANAGERS.reconcile, ['status']);
}

/** Reconcile's own StatefulSet mid rollout, or with pods still to make: nothing to report or restart. */
function catchingUp(sts: LiveStatefulSet): boolean {
  if (!reconcilesAlone(sts)) return false;
  const st = sts.status;
  return (
    st?.observedGeneration !== sts.metadata.generation ||
    st?.updateRevision !== st?.currentRevision ||
    (st?.replicas ?? 0) < (sts.spec?.replicas ?? 1)
  );
}

/** With the cluster read: a StatefulSet event that moves nothing reconcile reports or waits for. */
export function nothingToDoGiven(ev: ApiServerEvent, cr: GpssCluster): string | undefined {
  if (ev.kind !== 'StatefulSet' || ev.verb === 'delete' || !ev.object || !judged(cr)) return undefined;
  const sts = ev.object as unknown as LiveStatefulSet;
  if (!reconcilesAlone(sts)) return undefined;
  const now = cr.status?.conditions?.find((c) => c.type === CONDITIONS.progressing);
  // Computed without restart marks, it never says Readdressing: while restarts wait, every event is handled.
  const would = progressing(cr, { statefulSet: sts }, false);
  const same =
    now !== undefined &&
    now.status === would.status &&
    now.reason === would.reason &&
    now.message === would.message &&
    now.observedGeneration === would.observedGeneration;
  return same ? 'unchanged' : undefined;
}
