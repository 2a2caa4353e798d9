// Most events finalize receives change nothing it guards: a pod's status moving on, a status write on
// the cluster. Finalize acts on a live object only to add a missing finalizer, and otherwise on
// deletions. So an event whose own object is live and already guarded is answered without a read:
// - a pod not being deleted that carries the instance finalizer, or one being deleted that no longer
//   does (finalize let it go already);
// - a pod being deleted that finalize holds, whose process has not stopped, within the shortest time
//   box a cluster may set (finalize_timeout_seconds ≥ 1 s) of its deletion: finalize would wait, and
//   the pod's next event (stopped, released by its node) or the resync decides. The first event of
//   every deletion is one of these.
// - an update of a live pod without it: a pod is guarded from its add event (the change that asks
//   for it), and the updates that follow at once (scheduled, started) were sent before the guard's
//   patch, so they lack it although it is there. A pod whose add event was lost, or whose finalizer
//   someone removed by hand, is guarded again by the resync (within 5 minutes); an unguarded pod's
//   deletion is the kubelet's graceful stop without finalize's wait, which the design already allows
//   for the moment after a pod is created (functions/finalize/README.md).
// - a cluster not being deleted, guarded (or in maintenance, which adds no finalizer), whose status
//   already answers its current generation, or still at its first one: a spec change (maintenance
//   lifted, size lowered) frees held pods, and its own event always shows the new generation not yet
//   observed; at generation 1 there has been no spec change to free anything (what holds a pod then
//   ends with that pod's own event or its time box).
// - a pod's delete event whose object still carries the instance finalizer: a delete event shows the
//   object as last stored, so this pod went in the very patch that took the finalizer off, finalize's
//   own (a pod its node has let go is deleted as its last finalizer goes). The pass that made it
//   judged its going: a deletion pass lists the pods again after letting any go (finalize.ts), and a
//   live cluster's pod that is gone leaves nothing (below). Were our finalizer removed by hand during
//   the cluster's deletion, or a live pass let a pod go just as the deletion began (two instances of
//   finalize at once), the resync ends the deletion, as for a lost event.
// With the cluster read: a pod's delete event while the cluster lives. finalize acts on a live
// cluster's pods that exist (a finalizer to add, a deletion to hold or let go); a pod that is gone
// leaves nothing (its Service, if beyond size, went when finalize let it go), and its replacement
// brings its own event. Only while the cluster is deleted does the last pod's going matter.
// A skipped event that mattered after all is one whose loss the resync repairs, as for a lost event.
import { FINALIZERS, type GpssCluster, KIND, SPEC_LIMITS } from '../../lib/api/types';
import type { ApiServerEvent } from '../../lib/runtime/events/apiserver';
import { failureRecorded } from '../../lib/runtime/failures';
import { hasFinalizer } from './finalizers';
import { deletionStartedAt, type InstancePod, stoppedBecause } from './pod-state';

export function nothingToDo(ev: ApiServerEvent, now: Date): string | undefined {
  const obj = ev.object as { metadata?: { deletionTimestamp?: string; finalizers?: string[] } } | undefined;
  if (!obj?.metadata) return undefined;
  if (ev.verb === 'delete')
    return ev.kind === 'Pod' && hasFinalizer({ metadata: obj.metadata }, FINALIZERS.instance)
      ? 'released-gone'
      : undefined;
  if (ev.kind === 'Pod') {
    const guarded = hasFinalizer({ metadata: obj.metadata }, FINALIZERS.instance);
    if (!obj.metadata.deletionTimestamp)
      return guarded ? 'guarded' : ev.verb === 'add' ? undefined : 'guard-on-add';
    // Already let go: the rest of its way out (and its delete event, which is handled) is not finalize's.
    if (!guarded) return 'released';
    return draining(obj as unknown as InstancePod, now) ? 'draining' : undefined;
  }
  if (obj.metadata.deletionTimestamp) return undefined;
  if (ev.kind !== KIND) return undefined;
  const cr = obj as GpssCluster;
  const gen = cr.metadata.generation;
  if (gen === undefined || (gen !== 1 && cr.status?.observedGeneration !== gen)) return undefined;
  if (!cr.spec?.maintenance && !hasFinalizer(cr, FINALIZERS.cluster)) return undefined;
  return failureRecorded(cr, 'finalize') ? undefined : 'unchanged';
}

export function nothingToDoGiven(ev: ApiServerEvent, cr: GpssCluster): string | undefined {
  if (ev.kind !== 'Pod' || ev.verb !== 'delete' || cr.metadata.deletionTimestamp) return undefined;
  return cr.spec?.maintenance || hasFinalizer(cr, FINALIZERS.cluster) ? 'gone' : undefined;
}

/** Held, still running, and no time box can have expired yet: finalize would only wait. */
function draining(pod: InstancePod, now: Date): boolean {
  const started = deletionStartedAt(pod);
  const shortestBox = SPEC_LIMITS.finalizeTimeoutSeconds.min * 1000;
  return !stoppedBecause(pod) && started !== undefined && now.getTime() < started + shortestBox;
}
