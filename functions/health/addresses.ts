// The gpfdist address each instance advertises, as health reports it: what its rendered config says
// (the instance-config ConfigMap reconcile writes), and whether that still matches what its Service
// resolves to now. Pure.
import { GPSS_ANNOTATIONS, type GpssCluster } from '../../lib/api/types';
import {
  type Address,
  advertisedAddress,
  type EffectiveCluster,
  effectiveCluster,
  effectiveSize,
  formatAddress,
  gpfdistServiceName,
  instanceConfigKey,
  instancePodName,
  isEffectiveCluster,
  isPending,
  type LiveService,
  type NodeInfo,
  renderedAddress,
} from '../../lib/desired';

export interface InstanceAddress {
  /** host:port in the instance's rendered config. */
  advertised?: string;
  /** Why the address is not settled: pending, or changing to another one. */
  note?: string;
  /** The rendered address differs from what the Service resolves to now: reconcile will re-render. */
  changing: boolean;
}

function same(a: Address, b: Address): boolean {
  return a.host === b.host && a.port === b.port;
}

/**
 * `source`: the effective spec when the caller has one (read once for every instance), or the CR,
 * read here. A CR whose gpss_config is rejected gives only what the rendered config advertises.
 */
export function instanceAddress(
  source: GpssCluster | EffectiveCluster,
  ordinal: number,
  configData: Record<string, string> | undefined,
  services: readonly LiveService[],
  nodes: NodeInfo[],
  podNodeName: string | undefined,
): InstanceAddress {
  const rendered = renderedAddress(configData?.[instanceConfigKey(source, ordinal)]);
  const out: InstanceAddress = { changing: false };
  if (rendered) out.advertised = formatAddress(rendered);
  // With a rejected config reconcile renders nothing new, so there is nothing to compare against.
  const cluster = effectiveOrUndefined(source);
  if (!cluster) return out;
  const name = gpfdistServiceName(cluster, ordinal);
  const svc = services.find((s) => s.metadata.name === name);
  const want = advertisedAddress(cluster, ordinal, svc, nodes, podNodeName, rendered);
  if (isPending(want)) out.note = want.pending;
  else if (!rendered) out.note = `address ${formatAddress(want)} not rendered into its config yet`;
  else if (!same(rendered, want)) {
    out.changing = true;
    out.note = `advertises ${formatAddress(rendered)} but its Service now resolves to ${formatAddress(want)}`;
  }
  return out;
}

function effectiveOrUndefined(source: GpssCluster | EffectiveCluster): EffectiveCluster | undefined {
  if (isEffectiveCluster(source)) return source;
  const read = effectiveCluster(source);
  return read.ok ? read.cluster : undefined;
}

export function restartMarked(annotations: Record<string, string> | undefined, ordinal: number): boolean {
  return annotations?.[`${GPSS_ANNOTATIONS.restartPrefix}${ordinal}`] !== undefined;
}

/**
 * Whether the addresses health last reported still stand, so an event's check need not read the
 * instance config and the Services again (two of its reads). They change only when reconcile renders
 * them anew, and reconcile says so on the cluster first: a new generation (health has not reported on
 * it yet), addresses not all assigned (ExternalAddressReady), instances being restarted to advertise
 * new ones (Progressing=Readdressing). Also read while any instance within size has no reported
 * address. A resync always reads them (checkCluster): the repair for anything this misses.
 */
export function addressesAsReported(cr: GpssCluster): boolean {
  const gen = cr.metadata.generation;
  const conds = cr.status?.conditions ?? [];
  const at = (type: string) => conds.find((c) => c.type === type && c.observedGeneration === gen);
  if (gen === undefined || !at('Ready') || at('ExternalAddressReady')?.status !== 'True') return false;
  if (conds.some((c) => c.type === 'Progressing' && c.reason === 'Readdressing')) return false;
  const listed = cr.status?.instances ?? [];
  return Array.from({ length: effectiveSize(cr) }, (_, i) => instancePodName(cr, i)).every(
    (name) => listed.find((x) => x.name === name)?.gpfdistAddress !== undefined,
  );
}
