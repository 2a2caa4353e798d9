// Most GpssCluster events reconcile receives are status writes: health's phase, finalize's and its own
// conditions, each echoed to all three functions. reconcile decides from the spec, the children and
// the nodes, never from status. When the event's own object shows reconcile has already handled this
// generation (its status carries it, with its ConfigValid verdict, and no failure is recorded), a
// status write cannot change that decision: a change to a child arrives as that child's own event
// (the StatefulSet's rollout, a Service's address), and a lost one is repaired by the resync. Such an
// event is answered without a single read.
import { type GpssCluster, KIND } from '../../lib/api/types';
import type { ApiServerEvent } from '../../lib/runtime/events/apiserver';
import { CONDITIONS } from './steps';

/** 'unchanged' when the event cannot change anything reconcile would do; undefined to handle it. */
export function nothingToDo(ev: ApiServerEvent): string | undefined {
  if (ev.kind !== KIND || ev.verb === 'delete' || !ev.object) return undefined;
  const cr = ev.object as unknown as GpssCluster;
  const gen = cr.metadata?.generation;
  if (gen === undefined || cr.metadata.deletionTimestamp || cr.status?.observedGeneration !== gen)
    return undefined;
  const conds = cr.status.conditions ?? [];
  // Its ConfigValid verdict at this generation, whichever it was: reconcile judged this spec.
  const handled = conds.some((c) => c.type === CONDITIONS.configValid && c.observedGeneration === gen);
  // After applying something, reconcile judges the result on its next pass (Progressing Applying →
  // RollingOut or Converged), and its own status write is often the only event that brings it.
  const applying = conds.some((c) => c.type === CONDITIONS.progressing && c.reason === 'Applying');
  // A recorded failure is cleared only by handling an event.
  const failing = conds.some((c) => c.type === 'ReconcileFailed' && c.status === 'True');
  return handled && !applying && !failing ? 'unchanged' : undefined;
}
