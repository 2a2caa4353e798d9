// When an instance's GPSS process is known to have stopped, and when its deletion began.
//
// "Stopped" is what the instance finalizer waits for before the instance's gpfdist Service may go:
// - deletionGracePeriodSeconds 0: the node agent released the pod. A kubelet sends this final delete
//   only once the pod's containers have exited; KWOK's pod-delete stage (the simulated nodes of the
//   embedded cluster, which have no kubelet) sends the same request, so in tests this is the signal.
//   A user's `kubectl delete --force --grace-period=0` also sets it: an explicit override.
// - phase Succeeded or Failed: every container has terminated for good.
// - never scheduled (no nodeName): no process ever ran.
// - the gpss container's status is `terminated` or `waiting`: it is not running now (waiting means
//   it never started, or is backing off after a crash).
// A pod with no status for its gpss container counts as possibly running: on a lost node the status
// is simply never updated, and only the time box ends that wait.
import type { V1ContainerStatus, V1ObjectMeta, V1PodSpec, V1PodStatus } from '@kubernetes/client-node';
import { CONTAINER_NAME } from '../../lib/desired/statefulset';
import { endOfSecond } from '../../lib/k8s/time';

/**
 * What finalize reads of an instance pod: the client library's V1Pod (type-only import) narrowed to
 * the fields used here. Read through the library, deletionTimestamp is a Date.
 */
export interface InstancePod {
  metadata: Pick<
    V1ObjectMeta,
    'namespace' | 'uid' | 'labels' | 'finalizers' | 'deletionTimestamp' | 'deletionGracePeriodSeconds'
  > & { name: string };
  spec?: Pick<V1PodSpec, 'nodeName'>;
  status?: Pick<V1PodStatus, 'phase'> & {
    containerStatuses?: Array<Pick<V1ContainerStatus, 'name' | 'state'>>;
  };
}

/** Why the pod's GPSS process is known to have stopped, or undefined while it may still be running. */
export function stoppedBecause(pod: InstancePod): string | undefined {
  if (!pod.metadata.deletionTimestamp) return undefined;
  if (pod.metadata.deletionGracePeriodSeconds === 0) return 'released by its node';
  const phase = pod.status?.phase;
  if (phase === 'Succeeded' || phase === 'Failed') return `phase ${phase}`;
  if (!pod.spec?.nodeName) return 'never scheduled';
  const state = pod.status?.containerStatuses?.find((c) => c.name === CONTAINER_NAME)?.state;
  if (state?.terminated) return 'gpss container terminated';
  if (state?.waiting) return 'gpss container not started';
  return undefined;
}

/**
 * When the pod's deletion was requested, in ms. The API server records it for us (deletionTimestamp is
 * the request time plus the grace period), so the clock needs no write of ours. A second delete with a
 * shorter grace period restarts the clock at that request; one with grace 0 means stopped anyway.
 */
export function deletionStartedAt(pod: InstancePod): number | undefined {
  const ts = pod.metadata.deletionTimestamp;
  if (!ts) return undefined;
  return endOfSecond(ts) - (pod.metadata.deletionGracePeriodSeconds ?? 0) * 1000;
}

/** Finalizers on the pod other than `ours`: whoever else still holds the pod object. */
export function otherFinalizers(pod: InstancePod, ours: string): string[] {
  return (pod.metadata.finalizers ?? []).filter((f) => f !== ours);
}
