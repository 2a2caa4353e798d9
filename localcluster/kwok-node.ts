// Losing a simulated node the way a node whose kubelet stops reporting is lost, and getting it back.
//
// KWOK (v0.8) runs a node's "kubelet" for as long as it holds the node's Lease (kube-node-lease/<node>):
// a node whose Lease another holder has (and has not let expire) is read-only to it: no Lease
// renewals, no node status, no pod stages (a deleted pod there is never confirmed gone). Removing the
// kwok.x-k8s.io/node annotation does not do that: KWOK filters its node events on the annotation, so
// it never sees the update that removes it and goes on renewing the Lease and completing pod deletions.
//
// So a node is lost by handing its Lease to another holder for a long time, its renewTime unchanged:
// the node lifecycle controller then sees no heartbeat after the last one KWOK sent, and after its
// --node-monitor-grace-period (50 s by default; not set in localcluster/cluster.ts) does everything
// it does for a real dead kubelet: Ready Unknown, the pods marked not ready, the unreachable taints
// (NoSchedule, and NoExecute, whose eviction follows the pods' tolerationSeconds).
import type { RunResult } from './kubectl';

export type Kubectl = (args: string[]) => Promise<RunResult>;

/** The holder a lost node's Lease is handed to. */
export const LOST_HOLDER = 'gpss-lost-kubelet';
const LEASE_NS = 'kube-node-lease';

async function run(kubectl: Kubectl, args: string[]): Promise<RunResult> {
  const r = await kubectl(args);
  if (r.code !== 0) throw new Error(`kubectl ${args.join(' ')}: ${r.stderr.trim()}`);
  return r;
}

/** The node's kubelet (KWOK) stops: from its last heartbeat on, nothing reports for the node. */
export async function stopKubelet(kubectl: Kubectl, node: string): Promise<void> {
  const patch = { spec: { holderIdentity: LOST_HOLDER, leaseDurationSeconds: 86_400 } };
  await run(kubectl, ['patch', 'lease', node, '-n', LEASE_NS, '--type=merge', '-p', JSON.stringify(patch)]);
}

/**
 * The node's kubelet comes back: the Lease is deleted, KWOK creates it again on its next try (within
 * its renew interval, 10 s with --node-lease-duration-seconds=40) and reports the node Ready; the node
 * lifecycle controller then removes its taints.
 */
export async function startKubelet(kubectl: Kubectl, node: string): Promise<void> {
  await run(kubectl, ['delete', 'lease', node, '-n', LEASE_NS, '--ignore-not-found']);
}

/**
 * A node KWOK runs (its annotation), with a loopback address of its own, so an instance that moves
 * to another node gets a new advertised address, as on a real cluster (nothing is ever sent to it).
 * `reserved`: a label and NoSchedule taint of that key, so only pods that tolerate it land there.
 */
export function kwokNodeManifest(o: {
  name: string;
  ip: string;
  labels?: Record<string, string>;
  reserved?: { key: string; value: string };
  unschedulable?: boolean;
}) {
  const spec: { unschedulable?: boolean; taints?: Array<{ key: string; value: string; effect: string }> } =
    {};
  if (o.unschedulable !== undefined) spec.unschedulable = o.unschedulable;
  if (o.reserved) spec.taints = [{ key: o.reserved.key, value: o.reserved.value, effect: 'NoSchedule' }];
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name: o.name,
      annotations: { 'kwok.x-k8s.io/node': 'fake', 'node.alpha.kubernetes.io/ttl': '0' },
      labels: {
        'kubernetes.io/hostname': o.name,
        type: 'kwok',
        ...o.labels,
        ...(o.reserved ? { [o.reserved.key]: o.reserved.value } : {}),
      },
    },
    ...(Object.keys(spec).length ? { spec } : {}),
    status: {
      addresses: [
        { type: 'InternalIP', address: o.ip },
        { type: 'Hostname', address: o.name },
      ],
      allocatable: { cpu: '32', memory: '256Gi', pods: '110' },
      capacity: { cpu: '32', memory: '256Gi', pods: '110' },
    },
  };
}
