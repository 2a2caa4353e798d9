// Health writes what it sees; most events it receives show nothing new: its own status write coming
// back, another function's condition that does not change the phase, a pod status moving on while the
// instance stays Ready. Cheap answers, each falling back to a full check when in doubt:
// - a GpssCluster event of a new cluster no function has reported on yet: reconcile's first status
//   write follows (unreported, below).
// - a GpssCluster event of a spec change reconcile has not answered yet (its observedGeneration),
//   when health's report answers the generation reconcile last answered: reconcile's status write for
//   the new one follows and is judged (specUnanswered).
// - a GpssCluster event, from its own object: health already judged this generation (its Ready
//   condition says so) and the phase already reflects every fact health takes from the cluster object
//   (deleting, ConfigValid, a *Failed condition, maintenance). Everything else health reports comes
//   from the cluster's pods, whose changes are events of their own, and what they run on and behind.
// - a Pod event, with the cluster read once: the cluster is judged as above and its status already
//   lists that instance as this pod shows it: on the same node with the same restart count, and either
//   Ready, or not Ready with its part of the Ready message saying what the pod says of itself (its
//   own problem as reported, or the same note: "g-0: container gpss: ContainerCreating", "g-1:
//   terminating (Restarting: rolling update …)"). A pod that becomes or stops being Ready (its node
//   lost included: the node lifecycle controller marks its pods not ready), starts being deleted,
//   restarts or shows a new problem is always checked; so is a pod's delete event, unless it (or any
//   late event of a pod being deleted) is about a pod whose successor the status already reports
//   under the same name (status.instances[].uid): a rollout's backlog of superseded events. Nor is a
//   late event of a pod from before any of its containers started, when the status reports that pod
//   Ready: a new pod's add and binding events, which a pass for another event often outran.
// - a Pod add or update, from its own object: a new pod no node has reported on yet (no container
//   status, no condition but a successful PodScheduled): its creation, its binding, finalize's guard.
//   What health would say of it is only a note (waiting to be scheduled, then starting), and what
//   comes next is an event of its own, handled: the node's first report (containers creating or
//   started, a problem), the node controller marking it not ready, the scheduler finding no node.
//   Until then the status shows the instance as before (its predecessor terminating, or not created
//   yet). Were no node ever to report on it (no scheduler running at all), the resync shows it.
// - a Pod update, from its own object: a pod its node has released (deleting, grace period 0: its
//   containers are gone), which only finalize's finalizer still holds. Its delete event follows as soon
//   as finalize lets it go, and is handled; the event that began its deletion already was.
//   (Were that one lost, and finalize away, the status shows the pod as last seen until the resync.)
// No StatefulSet events: health takes two facts from the StatefulSet, its replica count and the
// revision being rolled out, and each change of them is followed by pod events (a pod made, deleted or
// replaced), which show it; the end of a rollout is judged from the pods (report.ts), so the last
// instance's own event ends it. Their triage cost one cluster read each, about 18 per image change.
import type { GpssCluster, InstanceStatus, Phase } from '../../lib/api/types';
import type { ApiServerEvent } from '../../lib/runtime/events/apiserver';
import { failureRecorded } from '../../lib/runtime/failures';
import {
  formatProblem,
  type HealthPod,
  podProblem,
  podReady,
  restartCount,
  startingNote,
} from './instance-health';
import { OVERRIDE_RULES, overrideRule } from './phase';
import { clusterFacts } from './report';

const OVERRIDE_PHASES: ReadonlySet<Phase> = new Set(OVERRIDE_RULES.map((r) => r.phase));

/**
 * Health's status already answers this cluster object: the same generation, and the phase the
 * override rules give for the facts the report takes from it (clusterFacts), or none of them.
 */
export function judged(cr: GpssCluster): boolean {
  const gen = cr.metadata.generation;
  const ready = cr.status?.conditions?.find((c) => c.type === 'Ready');
  if (gen === undefined || !ready || ready.observedGeneration !== gen) return false;
  if (failureRecorded(cr, 'health')) return false;
  const phase = cr.status?.phase;
  const { facts, failing } = clusterFacts(cr);
  const want = overrideRule(facts)?.phase;
  if (want ? phase !== want : phase === undefined || OVERRIDE_PHASES.has(phase)) return false;
  if (phase === 'Updating' && rolloutOverFor(cr)) return false;
  // The Ready reason names the failing condition (it may change while the phase stays Failed).
  return !failing || facts.deleting || ready.reason === failing.type;
}

/**
 * Health says Updating and reconcile says its rollout is over (Progressing=False): the end of a
 * re-addressing is the removal of reconcile's restart marks from the instance config, which health
 * does not receive, and of a rollout the pods' own events; reconcile's status write is the event that
 * says so, even when nothing about a pod changes after it.
 */
function rolloutOverFor(cr: GpssCluster): boolean {
  return cr.status?.conditions?.some((c) => c.type === 'Progressing' && c.status === 'False') ?? false;
}

/** From the event's own object: a GpssCluster event health has already answered. */
export function nothingToDo(ev: ApiServerEvent): string | undefined {
  if (ev.kind === 'Pod' && ev.object) {
    const pod = ev.object as unknown as HealthPod;
    if (ev.verb === 'delete') return undefined;
    if (pod.metadata.deletionTimestamp && pod.metadata.deletionGracePeriodSeconds === 0) return 'released';
    return unreportedByItsNode(pod) ? (ev.verb === 'add' ? 'created' : 'scheduled') : undefined;
  }
  if (ev.kind !== 'GpssCluster' || ev.verb === 'delete' || !ev.object) return undefined;
  const cr = ev.object as unknown as GpssCluster;
  if (unreported(cr)) return 'awaiting-reconcile';
  if (judged(cr)) return 'unchanged';
  return specUnanswered(cr) ? 'awaiting-reconcile' : undefined;
}

/**
 * A spec change reconcile has not answered yet (status.observedGeneration, reconcile's, is older),
 * where health's status answers the cluster as of the generation reconcile last answered: reconcile's
 * status write for the new spec follows (its verdict, or the failure that stopped it), and is judged;
 * reporting before it would be reporting twice, and compete with reconcile's reads of the same
 * change. Maintenance switched on or a deletion is not waited for (the facts differ at once).
 */
function specUnanswered(cr: GpssCluster): boolean {
  const answered = cr.status?.observedGeneration;
  const gen = cr.metadata.generation;
  if (answered === undefined || gen === undefined || answered >= gen) return false;
  return judged({ ...cr, metadata: { ...cr.metadata, generation: answered } });
}

/**
 * A new cluster nobody has reported on: its add event, and the update finalize's finalizer makes, are
 * answered without a read. Reconcile's first pass ends with a status write (its verdict on the spec, or the failure that
 * stopped it), and that write is the event health reports from: by then the StatefulSet and often the
 * pods exist, so one pass says what a pass now would say twice, and it does not compete with
 * reconcile's first reads for the API server. If that write never comes (no reconcile at all), the
 * pods' events, or the resync, bring health.
 */
function unreported(cr: GpssCluster): boolean {
  return !cr.metadata.deletionTimestamp && !cr.status?.phase && !cr.status?.conditions?.length;
}

/** No node has said anything of it yet: no container status, no condition but being scheduled. */
function unreportedByItsNode(pod: HealthPod): boolean {
  const st = pod.status;
  if (pod.metadata.deletionTimestamp || (st?.phase && st.phase !== 'Pending')) return false;
  if (st?.containerStatuses?.length || st?.initContainerStatuses?.length) return false;
  return (st?.conditions ?? []).every((c) => c.type === 'PodScheduled' && c.status === 'True');
}

/** With the cluster read: a pod the cluster's status already shows as it is. */
export function nothingToDoGiven(ev: ApiServerEvent, cr: GpssCluster): string | undefined {
  if (ev.kind !== 'Pod' || !ev.object || !judged(cr)) return undefined;
  const pod = ev.object as unknown as HealthPod;
  const listed = cr.status?.instances?.find((i) => i.name === pod.metadata.name);
  if (replaced(pod, listed, ev.verb === 'delete')) return 'replaced';
  if (ev.verb === 'delete') return undefined;
  if (shownReadySince(pod, listed)) return 'superseded';
  return podShown(pod, listed, cr) ? 'unchanged' : undefined;
}

/**
 * The status reports this very pod (its uid) Ready, and the event shows it before any of its
 * containers started: a late event (its add, its binding), since a pod never returns to that state.
 * Settled without getting the pod as it is now.
 */
function shownReadySince(pod: HealthPod, listed: InstanceStatus | undefined): boolean {
  if (!listed?.ready || !listed.uid || listed.uid !== pod.metadata.uid) return false;
  if (pod.metadata.deletionTimestamp || podReady(pod)) return false;
  const containers = [...(pod.status?.initContainerStatuses ?? []), ...(pod.status?.containerStatuses ?? [])];
  return containers.every(
    (c) =>
      !c.restartCount &&
      !c.state?.running &&
      !c.state?.terminated &&
      !c.lastState?.running &&
      !c.lastState?.terminated,
  );
}

/**
 * A late event of a pod on its way out (being deleted, or gone) whose successor the status already
 * reports under the same name: what it says is already superseded.
 */
function replaced(pod: HealthPod, listed: InstanceStatus | undefined, gone: boolean): boolean {
  const leaving = gone || !!pod.metadata.deletionTimestamp;
  return leaving && !!listed?.uid && !!pod.metadata.uid && listed.uid !== pod.metadata.uid;
}

/** `listed`: the cluster's status entry of that name. */
function podShown(pod: HealthPod, listed: InstanceStatus | undefined, cr: GpssCluster): boolean {
  const name = pod.metadata.name;
  if (!listed || (listed.uid && listed.uid !== pod.metadata.uid)) return false;
  if (listed.node !== pod.spec?.nodeName || listed.restarts !== restartCount(pod)) return false;
  if (podReady(pod)) return listed.ready && !listed.lastProblem;
  if (listed.ready) return false;
  // What the pod alone says about itself is what its part of the Ready message begins with: a problem
  // of its own as reported, or the note (then maybe the carried problem or expected restart after it).
  const message = cr.status?.conditions?.find((c) => c.type === 'Ready')?.message ?? '';
  const part = message.split('; ').find((x) => x.startsWith(`${name}: `));
  if (part === undefined) return false;
  const problem = podProblem(pod, undefined);
  if (problem) return part === `${name}: ${formatProblem(problem)}`;
  const said = `${name}: ${startingNote(pod)}`;
  return part === said || part.startsWith(`${said} (`) || part.startsWith(`${said}, recovering from `);
}
