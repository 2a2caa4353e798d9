// A GpssCluster being deleted while it still carries finalize's finalizer: stop every instance
// gracefully (scale the StatefulSet to 0, so each GPSS process releases its jobs to etcd), wait until
// every pod object is gone, then remove the finalizer and let the garbage collector take the owned
// objects. The user's etcd data is never touched.
//
// The wait is bounded by finalize_timeout_seconds from the deletion request (metadata.
// deletionTimestamp, recorded by the API server). When it expires the deletion proceeds: every
// instance finalizer is released, pods whose node never confirmed termination are force-deleted
// (grace period 0: the cluster is going away, so no replacement can start beside a lost one), and the
// cluster finalizer is removed. A Warning Event and the InstanceTerminationForced condition say what
// was forced and why; pods held by someone else's finalizer are named there and left alone.
//
// maintenance: true suspends all of it (no scaling, no releases) until the time box expires; the
// escape is then the same as above, without the scale-down (the garbage collector stops the pods).
import { FINALIZERS, finalizeTimeoutSeconds, type GpssCluster } from '../../lib/api/types';
import { statefulSetName } from '../../lib/desired/names';
import { endOfSecond } from '../../lib/k8s/time';
import type { ConditionInput } from '../../lib/status/conditions';
import { hasFinalizer } from './finalizers';
import { type InstancePod, otherFinalizers, stoppedBecause } from './pod-state';
import { byName, CONDITIONS, type Plan, type Step } from './steps';

interface Input {
  cr: GpssCluster;
  pods: InstancePod[];
  replicas?: number | undefined;
  now: Date;
}

export function planDeletion({ cr, pods, replicas, now }: Input): Plan {
  const timeout = finalizeTimeoutSeconds(cr.spec);
  const deadline = new Date(endOfSecond(cr.metadata.deletionTimestamp!) + timeout * 1000);
  const expired = now >= deadline;
  const until = `${deadline.toISOString()} (finalize_timeout_seconds=${timeout})`;
  const cond = (type: string, reason: string, message: string): ConditionInput => ({
    type,
    status: 'True',
    reason,
    message,
    observedGeneration: cr.metadata.generation,
  });
  const maintenance = !!cr.spec.maintenance;
  if (maintenance && !expired) {
    return {
      outcome: 'suspended',
      steps: [],
      conditions: [
        cond(
          CONDITIONS.finalizing,
          'Suspended',
          `spec.maintenance is true: the instances are not stopped; deletion goes on when maintenance is false, or is forced at ${until}`,
        ),
      ],
    };
  }

  const steps: Step[] = [];
  const released = new Set<string>();
  const sorted = byName(pods);
  if (!maintenance) {
    if (replicas !== undefined && replicas !== 0) {
      steps.push(event('Normal', 'StoppingInstances', 'deletion', stoppingMessage(cr, replicas)));
      steps.push({ do: 'scale-to-zero', from: replicas });
    }
    for (const p of sorted) {
      const stopped = stoppedBecause(p);
      if (!stopped || !hasFinalizer(p, FINALIZERS.instance)) continue;
      steps.push(
        event(
          'Normal',
          'InstanceStopped',
          p.metadata.uid ?? p.metadata.name,
          `${p.metadata.name} stopped (${stopped})`,
        ),
      );
      steps.push({ do: 'release-instance', pod: p.metadata.name, why: stopped });
      released.add(p.metadata.name);
    }
  }

  if (pods.length === 0) {
    const message =
      'every instance has stopped: removing the finalizer; the garbage collector deletes the StatefulSet, Services and instance config (etcd data is untouched)';
    steps.push(event('Normal', 'Finalized', 'deletion', message));
    steps.push({ do: 'remove-cluster-finalizer', why: 'every instance pod is gone' });
    return { outcome: 'finalized', steps, conditions: [] };
  }

  if (!expired) {
    const message = `waiting for ${pods.length} instance pod(s) to be gone: ${sorted.map(holders).join(', ')}; the finalizer is removed then, or forced at ${until}`;
    return {
      outcome: steps.length ? 'applied' : 'waiting',
      steps,
      conditions: [cond(CONDITIONS.finalizing, 'StoppingInstances', message)],
    };
  }

  const forceDeleted: string[] = [];
  const releasing: Step[] = [];
  for (const p of sorted) {
    if (hasFinalizer(p, FINALIZERS.instance) && !released.has(p.metadata.name))
      releasing.push({ do: 'release-instance', pod: p.metadata.name, why: 'time box expired' });
    if (p.metadata.deletionTimestamp && !stoppedBecause(p) && p.metadata.uid) {
      releasing.push({ do: 'force-delete-pod', pod: p.metadata.name, uid: p.metadata.uid });
      forceDeleted.push(p.metadata.name);
    }
  }
  const actions = [
    maintenance ? 'maintenance held the deletion' : undefined,
    forceDeleted.length ? `force-deleted ${forceDeleted.join(', ')} (grace period 0)` : undefined,
    'released the instance finalizers and removed the cluster finalizer',
  ].filter(Boolean);
  const message = `finalize_timeout_seconds=${timeout} expired at ${deadline.toISOString()} with ${pods.length} instance pod(s) still present: ${sorted.map(state).join(', ')}; ${actions.join('; ')}`;
  return {
    outcome: 'forced',
    steps: [
      event('Warning', 'FinalizeTimeBoxExpired', 'deletion', message),
      ...steps,
      ...releasing,
      { do: 'remove-cluster-finalizer', why: 'time box expired' },
    ],
    conditions: [
      cond(CONDITIONS.finalizing, 'TimeBoxExpired', message),
      cond(CONDITIONS.forced, 'TimeBoxExpired', message),
    ],
  };
}

function event(type: 'Normal' | 'Warning', reason: string, occurrence: string, message: string): Step {
  return { do: 'event', event: { type, reason, message, occurrence } };
}

function stoppingMessage(cr: GpssCluster, replicas: number): string {
  return `deletion requested: scaling StatefulSet ${statefulSetName(cr)} from ${replicas} to 0 so every instance stops gracefully before the finalizer is removed`;
}

/** The pod's name, and who else holds it (the only part of its state a user may have to act on). */
function holders(p: InstancePod): string {
  const others = otherFinalizers(p, FINALIZERS.instance);
  return others.length ? `${p.metadata.name} (held by ${others.join(', ')})` : p.metadata.name;
}

function state(p: InstancePod): string {
  const what = !p.metadata.deletionTimestamp
    ? 'not deleted'
    : stoppedBecause(p)
      ? 'stopped'
      : 'still stopping';
  const others = otherFinalizers(p, FINALIZERS.instance);
  return `${p.metadata.name} (${what}${others.length ? `, held by ${others.join(', ')}` : ''})`;
}
