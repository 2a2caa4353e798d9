// The end of a rollout, answered without a full pass. Reconcile's StatefulSet events are skipped while
// a rollout runs (nothing-to-do.ts); the one that shows it settled would otherwise re-read every child
// (seven reads) only to write Progressing=False/Converged. What that full pass could still find at
// that moment, and so when this one steps aside:
// - a spec someone else touched (kubectl scale, rollout restart): the StatefulSet is not reconcile's
//   alone;
// - an address to move: a NodePort instance advertises a node's IP, which moves only when that node
//   is not Ready (lib/desired/instance-address.ts); with every node Ready none moves, and the address
//   gpsscli reaches (status.gpssAddress) is computed again from the nodes and the Services;
// - restarts still to make (Readdressing): not a RollingOut cluster;
// - a Service to remove: an instance Service beyond size (a scale-in's end);
// - drift in a child: a Service's own events bring a full pass, the rest is the resync's.
// The StatefulSet is got as it is now (an event's copy may be from before a later apply) and the
// status written from it, every other condition and field as reconcile last wrote them.
import { FIELD_MANAGERS, type GpssCluster } from '../../lib/api/types';
import { effectiveSize, nodeInfo, serviceOrdinal } from '../../lib/desired';
import type { LiveNode, LiveService, LiveStatefulSet } from '../../lib/desired/k8s-types';
import { type Named, statefulSetName } from '../../lib/desired/names';
import type { KubeClient } from '../../lib/k8s/client';
import { lastWritten } from '../../lib/k8s/managed-fields';
import { childSelector } from '../../lib/k8s/observe';
import { momentsAgo, type ReadAhead } from '../../lib/k8s/read-ahead';
import type { FunctionContext } from '../../lib/runtime/context';
import type { ApiServerEvent } from '../../lib/runtime/events/apiserver';
import { writeStatus } from '../../lib/status/write-status';
import { judged, reconcilesAlone } from './nothing-to-do';
import { needsNodes } from './plan-config';
import { currentGpssAddress, progressing, rolloutSettled, statusFields } from './plan-status';
import { CONDITIONS } from './steps';

const MANAGER = FIELD_MANAGERS.reconcile;

/** An instance Service at or beyond size: after a scale-in, the full pass removes it once its pod is gone. */
function beyond(cr: GpssCluster, svc: LiveService): boolean {
  const ordinal = serviceOrdinal(svc);
  return ordinal !== undefined && Number(ordinal) >= effectiveSize(cr);
}

/** True when the rollout's end was written (or already shown); false when a full pass must decide. */
export async function rolloutEnded(ctx: FunctionContext, cr: GpssCluster): Promise<boolean> {
  const evs = ctx.events;
  if (!evs?.length || !evs.every((e) => e.kind === 'StatefulSet' && e.verb !== 'delete')) return false;
  if (!judged(cr) || cr.spec.maintenance) return false;
  const gen = cr.metadata.generation;
  const current = (type: string) =>
    cr.status?.conditions?.find((c) => c.type === type && c.observedGeneration === gen);
  const [valid, rolling, address] = [CONDITIONS.configValid, CONDITIONS.progressing, CONDITIONS.address].map(
    current,
  );
  if (valid?.status !== 'True' || rolling?.reason !== 'RollingOut' || !address) return false;

  const [sts, services, nodes] = await rolloutEndReads(ctx.kube, cr, needsNodes(cr));
  if (!sts || !reconcilesAlone(sts)) return false;
  const ended = progressing(cr, { statefulSet: sts }, false);
  if (ended.reason !== 'Converged') return false;
  if (services.items.some((svc) => beyond(cr, svc))) return false;
  let gpssAddress = cr.status?.gpssAddress;
  if (nodes) {
    if (!nodes.items.every((n) => nodeInfo(n).ready)) return false;
    gpssAddress = currentGpssAddress(cr, { services: services.items, nodes: nodes.items });
  }
  ctx.log.info({ decision: 'rollout-ended', statefulSet: sts.metadata.name }, 'the rollout is over');
  await writeStatus(ctx, cr, {
    manager: MANAGER,
    conditions: [valid, ended, address],
    fields: statusFields(cr, gpssAddress),
  });
  return true;
}

/**
 * What the rollout's end reads, all at once: it is on the critical path of every change, and a full
 * pass (when this steps aside) reads the same kinds again anyway. Its Services by their label, as
 * every pass reads them (reconcile may list Services, not get one).
 */
function rolloutEndReads(kube: KubeClient, cr: Named, nodes: boolean) {
  const ns = cr.metadata.namespace!;
  return Promise.all([
    kube.get<LiveStatefulSet>('statefulsets', ns, statefulSetName(cr)),
    kube.list<LiveService>('services', ns, { labelSelector: childSelector(cr) }),
    nodes ? kube.list<LiveNode>('nodes', undefined) : undefined,
  ]);
}

/**
 * The rollout's end, read beside the triage's read of the cluster when the events' StatefulSet says
 * its rollout has settled and its controller wrote that status moments ago: the event that ends a
 * rollout. The same object delivered again later (a replay, the adapter listing on its start) is
 * settled by the triage and must not cost these reads, and the copy does not say whether the cluster
 * still shows RollingOut; its managedFields stamp says how old the status is (`momentsAgo`). The
 * nodes are read too, though only a NodePort cluster needs them: the StatefulSet does not say which
 * Service type its cluster asks for.
 */
export function rolloutEndReadAhead(
  evs: readonly ApiServerEvent[],
  cluster: Named,
  now: Date,
): ReadAhead | undefined {
  const last = evs.at(-1);
  if (!evs.every((e) => e.kind === 'StatefulSet' && e.verb !== 'delete') || !last?.object) return undefined;
  const sts = last.object as unknown as LiveStatefulSet;
  if (!reconcilesAlone(sts)) return undefined;
  if (!rolloutSettled(sts, sts.spec?.replicas ?? 1)) return undefined;
  if (!momentsAgo(lastWritten(sts, 'status'), now)) return undefined;
  return (kube) => void rolloutEndReads(kube, cluster, true).catch(() => undefined);
}
