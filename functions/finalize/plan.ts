// What finalize does for one cluster, decided from what was read and the clock alone (no I/O), so
// every decision can be tested without a cluster and a replayed event decides the same thing again.
// A plan is a list of steps in the order they must happen, plus this function's status conditions.
import { FINALIZERS, type GpssCluster } from '../../lib/api/types';
import { hasFinalizer } from './finalizers';
import { planDeletion } from './plan-deletion';
import { planInstances } from './plan-instances';
import type { InstancePod } from './pod-state';
import { byName, type Plan } from './steps';

export interface PlanInput {
  /** Undefined when the GpssCluster no longer exists. */
  cr: GpssCluster | undefined;
  /** Every pod of the cluster (label-selected), being deleted or not. */
  pods: InstancePod[];
  /** The StatefulSet's spec.replicas; read only while a deletion is being carried out. */
  replicas?: number | undefined;
  now: Date;
}

/** The StatefulSet is read only when a deletion may have to scale it. */
export function needsStatefulSet(cr: GpssCluster): boolean {
  return !!cr.metadata.deletionTimestamp && hasFinalizer(cr, FINALIZERS.cluster) && !cr.spec.maintenance;
}

export function planCluster(input: PlanInput): Plan {
  const { cr, pods } = input;
  if (!cr || (cr.metadata.deletionTimestamp && !hasFinalizer(cr, FINALIZERS.cluster))) {
    // Nothing is left to guard (the cluster is gone, or its finalizer was removed by hand): holding
    // its pods would only leave them stuck, and the garbage collector takes their Services anyway.
    const why = cr ? 'the cluster is being deleted without its finalizer' : 'the cluster is gone';
    return {
      outcome: cr ? 'unguarded' : 'gone',
      steps: byName(pods)
        .filter((p) => hasFinalizer(p, FINALIZERS.instance))
        .map((p) => ({ do: 'release-instance', pod: p.metadata.name, why })),
      conditions: [],
    };
  }
  return cr.metadata.deletionTimestamp
    ? planDeletion({ ...input, cr })
    : planInstances({ cr, pods: input.pods, now: input.now });
}
