// What health sees in one instance: ready or not, and if not, whether it has a problem (with the
// reason Kubernetes gave), is restarting on purpose, or is simply new. Pure: it reads the pod, its
// node and the instance's previous status entry.
//
// lastProblem is the instance's memory: it is set when a problem is seen (or when a ready instance
// stops being ready), kept while the instance is not ready again, and cleared once it is. That lets
// a replacement pod that is merely starting after a failover still read "recovering from
// NodeNotReady" instead of looking like a new instance of a scale-up.
import type {
  V1ContainerStateTerminated,
  V1ContainerStateWaiting,
  V1ContainerStatus,
  V1NodeSpec,
  V1NodeStatus,
  V1ObjectMeta,
  V1PodSpec,
  V1PodStatus,
} from '@kubernetes/client-node';
import type { InstanceStatus } from '../../lib/api/types';
import { rfc3339, toMillis } from '../../lib/k8s/time';

// What health reads of pods and nodes: the client library's models (type-only imports, so this
// stays pure), narrowed to the fields used here. A live V1Pod / V1Node is one; a test can build a
// small one. Timestamps are Dates, as the library reads them.

export interface ContainerState {
  waiting?: V1ContainerStateWaiting;
  /** Only its presence is read. startedAt: a Date as the library reads it, a string in a status patch we write (tests). */
  running?: { startedAt?: Date | string };
  terminated?: Partial<Pick<V1ContainerStateTerminated, 'reason' | 'message' | 'exitCode'>>;
}

export type ContainerStatus = Pick<V1ContainerStatus, 'name' | 'ready' | 'restartCount' | 'started'> & {
  state?: ContainerState;
  lastState?: ContainerState;
};

export interface HealthPod {
  metadata: Pick<V1ObjectMeta, 'uid' | 'deletionTimestamp' | 'deletionGracePeriodSeconds'> & { name: string };
  spec?: Pick<V1PodSpec, 'nodeName'>;
  status?: Pick<V1PodStatus, 'phase' | 'reason' | 'message' | 'conditions'> & {
    containerStatuses?: ContainerStatus[];
    initContainerStatuses?: ContainerStatus[];
  };
}

export interface HealthNode {
  metadata: Pick<V1ObjectMeta, 'creationTimestamp'> & { name: string };
  spec?: Pick<V1NodeSpec, 'taints'>;
  status?: Pick<V1NodeStatus, 'conditions'>;
}

export interface NodeView {
  name: string;
  ready: 'True' | 'False' | 'Unknown';
  /** When the Ready condition last changed (or when the node appeared, without one), as the API writes it. */
  since?: string;
  /** Confirmed gone: deleted, or tainted out-of-service by an administrator. */
  gone: boolean;
}

/** The taint of non-graceful node shutdown: an administrator confirms the node is off. */
export const OUT_OF_SERVICE_TAINT = 'node.kubernetes.io/out-of-service';

export function nodeView(node: HealthNode): NodeView {
  const c = node.status?.conditions?.find((x) => x.type === 'Ready');
  const ready = c?.status === 'True' || c?.status === 'False' ? c.status : 'Unknown';
  const since = toMillis(c?.lastTransitionTime ?? node.metadata.creationTimestamp);
  return {
    name: node.metadata.name,
    ready,
    ...(since !== undefined ? { since: rfc3339(since) } : {}),
    gone: (node.spec?.taints ?? []).some((t) => t.key === OUT_OF_SERVICE_TAINT),
  };
}

/** The node a pod is bound to; a bound node that no longer exists is gone. */
export function podNode(pod: HealthPod, nodes: ReadonlyMap<string, NodeView>): NodeView | undefined {
  const name = pod.spec?.nodeName;
  if (!name) return undefined;
  return nodes.get(name) ?? { name, ready: 'Unknown', gone: true };
}

/**
 * Whether a check must read the nodes: some pod is bound to one and not Ready (being deleted counts).
 * A Ready pod's node is usable as far as anyone knows: when a node stops reporting, the node
 * lifecycle controller marks its pods not ready, and that change is an event of its own.
 */
export function nodesNeeded(pods: readonly HealthPod[]): boolean {
  return pods.some((p) => p.spec?.nodeName && !podReady(p));
}

/** The nodes of Ready pods, unread, as usable (nodesNeeded said none other is bound). */
export function presumedUsable(pods: readonly HealthPod[]): Map<string, NodeView> {
  const names = pods.flatMap((p) => (p.spec?.nodeName ? [p.spec.nodeName] : []));
  return new Map(names.map((name) => [name, { name, ready: 'True' as const, gone: false }]));
}

export function nodeUsable(n: NodeView | undefined): boolean {
  return n !== undefined && n.ready === 'True' && !n.gone;
}

export interface Problem {
  reason: string;
  message: string;
}

/** Waiting reasons that do not resolve by themselves; anything else (ContainerCreating, ...) is starting. */
const STUCK_WAITING = new Set([
  'ImagePullBackOff',
  'ErrImagePull',
  'ErrImageNeverPull',
  'InvalidImageName',
  'CrashLoopBackOff',
  'CreateContainerConfigError',
  'CreateContainerError',
  'RunContainerError',
  'PreStartHookError',
  'PostStartHookError',
]);

function lastTermination(c: ContainerStatus): string | undefined {
  const t = c.lastState?.terminated;
  if (!t) return undefined;
  const code = t.exitCode === undefined ? '' : ` (exit code ${t.exitCode})`;
  return `last terminated: ${t.reason ?? 'Unknown'}${code}${t.message ? `: ${t.message}` : ''}`;
}

function restarts(c: ContainerStatus): string {
  return `${c.restartCount} restart${c.restartCount === 1 ? '' : 's'}`;
}

function stuckContainer(c: ContainerStatus): Problem | undefined {
  const w = c.state?.waiting;
  if (!w?.reason || !STUCK_WAITING.has(w.reason)) return undefined;
  const parts = [`container ${c.name}: ${w.message || w.reason}`];
  if (w.reason === 'CrashLoopBackOff') {
    const last = lastTermination(c);
    if (last) parts.push(last);
    parts.push(restarts(c));
  }
  return { reason: w.reason, message: parts.join('; ') };
}

function condition(pod: HealthPod, type: string) {
  return pod.status?.conditions?.find((c) => c.type === type);
}

/** The problem a pod has now, if any; `node` is the node it is bound to. */
export function podProblem(pod: HealthPod, node: NodeView | undefined): Problem | undefined {
  if (node && !nodeUsable(node)) {
    const state = node.gone
      ? 'is gone'
      : node.ready === 'Unknown'
        ? 'is unreachable (Ready=Unknown)'
        : 'is NotReady';
    const since = node.since && !node.gone ? ` since ${node.since}` : '';
    return { reason: node.gone ? 'NodeLost' : 'NodeNotReady', message: `node ${node.name} ${state}${since}` };
  }
  if (pod.status?.phase === 'Failed') {
    return {
      reason: 'PodFailed',
      message: [pod.status.reason, pod.status.message].filter(Boolean).join(': ') || 'the pod failed',
    };
  }
  const scheduled = condition(pod, 'PodScheduled');
  if (scheduled?.status === 'False' && scheduled.reason === 'Unschedulable') {
    return { reason: 'Unschedulable', message: scheduled.message || 'no node fits the pod' };
  }
  for (const c of [...(pod.status?.initContainerStatuses ?? []), ...(pod.status?.containerStatuses ?? [])]) {
    const p = stuckContainer(c);
    if (p) return p;
  }
  // Running after its startup probe passed but failing readiness: broken, not starting.
  for (const c of pod.status?.containerStatuses ?? []) {
    if (c.state?.running && c.started === true && !c.ready) {
      const why = condition(pod, 'Ready')?.message;
      const last = c.restartCount > 0 ? lastTermination(c) : undefined;
      return {
        reason: 'InstanceNotReady',
        message: [`container ${c.name} is running but not ready`, why, last].filter(Boolean).join('; '),
      };
    }
  }
  return undefined;
}

/** Why a pod without a problem is not ready yet, in a few words. */
export function startingNote(pod: HealthPod | undefined): string {
  if (!pod) return 'pod not created yet';
  if (pod.metadata.deletionTimestamp) return 'terminating';
  if (!pod.spec?.nodeName) return 'waiting to be scheduled';
  for (const c of pod.status?.initContainerStatuses ?? []) {
    if (c.state?.terminated?.exitCode === 0) continue;
    if (c.state?.waiting?.reason) return `init container ${c.name}: ${c.state.waiting.reason}`;
    return `init container ${c.name} running (waiting for its config)`;
  }
  for (const c of pod.status?.containerStatuses ?? []) {
    if (c.state?.waiting?.reason) return `container ${c.name}: ${c.state.waiting.reason}`;
    if (c.state?.running && !c.ready) return `container ${c.name} starting`;
  }
  return 'starting';
}

export function podReady(pod: HealthPod): boolean {
  return !pod.metadata.deletionTimestamp && condition(pod, 'Ready')?.status === 'True';
}

export function restartCount(pod: HealthPod | undefined): number {
  return (pod?.status?.containerStatuses ?? []).reduce((n, c) => n + (c.restartCount ?? 0), 0);
}

/**
 * How an instance counts in the phase table: `problem` now or still recovering from one, `restarting`
 * on purpose, `starting` as a new instance, or `ready`.
 */
export type InstanceState = 'ready' | 'problem' | 'restarting' | 'starting';

export interface InstanceInput {
  name: string;
  pod: HealthPod | undefined;
  /** The node the pod is bound to. */
  node: NodeView | undefined;
  previous: InstanceStatus | undefined;
  /** Why a restart of this instance is expected (rolling update, re-addressing), if it is. */
  expectedRestart: string | undefined;
  gpfdistAddress: string | undefined;
  /** Appended to the problem text of an instance on a lost node: when failover happens, or why not. */
  failoverNote?: string;
}

export interface InstanceAssessment {
  status: InstanceStatus;
  state: InstanceState;
  /** The reason in lastProblem, for the Degraded condition. */
  reason?: string;
  /** Why it is not ready, for the Ready condition's message. */
  detail?: string;
}

export const RESTARTING = 'Restarting';

export function formatProblem(p: Problem): string {
  return `${p.reason}: ${p.message}`.slice(0, 1024);
}

/** The reason of a lastProblem written by formatProblem. */
export function problemReason(lastProblem: string): string {
  const i = lastProblem.indexOf(': ');
  return i > 0 ? lastProblem.slice(0, i) : lastProblem;
}

export function assessInstance(i: InstanceInput): InstanceAssessment {
  const uid = i.pod?.metadata.uid;
  const base: InstanceStatus = {
    name: i.name,
    ...(uid ? { uid } : {}),
    ready: false,
    restarts: restartCount(i.pod),
  };
  if (i.pod?.spec?.nodeName) base.node = i.pod.spec.nodeName;
  if (i.gpfdistAddress) base.gpfdistAddress = i.gpfdistAddress;
  // A pod on a lost node may still say Ready: its kubelet is not there to say otherwise.
  if (i.pod && podReady(i.pod) && (i.node === undefined || nodeUsable(i.node))) {
    return { status: { ...base, ready: true }, state: 'ready' };
  }
  const problem = i.pod ? podProblem(i.pod, i.node) : undefined;
  if (problem) {
    const p =
      problem.reason.startsWith('Node') && i.failoverNote
        ? { ...problem, message: `${problem.message}; ${i.failoverNote}` }
        : problem;
    const text = formatProblem(p);
    return { status: { ...base, lastProblem: text }, state: 'problem', reason: p.reason, detail: text };
  }
  const note = startingNote(i.pod);
  const carried = i.previous?.lastProblem;
  if (carried && problemReason(carried) !== RESTARTING) {
    return {
      status: { ...base, lastProblem: carried },
      state: 'problem',
      reason: problemReason(carried),
      detail: `${note}, recovering from ${carried}`,
    };
  }
  if (i.previous?.ready || carried) {
    if (i.expectedRestart || carried) {
      const text = carried ?? formatProblem({ reason: RESTARTING, message: i.expectedRestart! });
      return { status: { ...base, lastProblem: text }, state: 'restarting', detail: `${note} (${text})` };
    }
    const text = formatProblem({ reason: 'NotReady', message: `stopped being ready (${note})` });
    return { status: { ...base, lastProblem: text }, state: 'problem', reason: 'NotReady', detail: text };
  }
  return { status: base, state: 'starting', detail: note };
}
