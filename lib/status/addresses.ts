// The gpfdist address each instance advertises, as health reports it: what its rendered config says
// (the instance-config ConfigMap reconcile writes), and whether that still matches what its Service
// resolves to now. Pure.
import type { GpssCluster } from '../api/types';
import {
  type Address,
  advertisedAddress,
  formatAddress,
  gpfdistServiceName,
  instanceConfigKey,
  isPending,
  type LiveService,
  type NodeInfo,
  parseGpssConfig,
  renderedAddress,
} from '../desired';

/**
 * On the instance ConfigMap, `<prefix><ordinal>: <pod uid>` marks an instance reconcile restarts
 * because its address changed (the same value as reconcile's RESTART_PREFIX; a test keeps them equal).
 */
export const RESTART_MARK_PREFIX = 'gpss.gpdb.io/restart-';

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

export function instanceAddress(
  cr: GpssCluster,
  ordinal: number,
  configData: Record<string, string> | undefined,
  services: readonly LiveService[],
  nodes: NodeInfo[],
  podNodeName: string | undefined,
): InstanceAddress {
  const rendered = renderedAddress(configData?.[instanceConfigKey(cr, ordinal)]);
  const out: InstanceAddress = { changing: false };
  if (rendered) out.advertised = formatAddress(rendered);
  // With a rejected config reconcile renders nothing new, so there is nothing to compare against.
  if (!parseGpssConfig(cr.spec.gpss_config).ok) return out;
  const name = gpfdistServiceName(cr, ordinal);
  const svc = services.find((s) => s.metadata.name === name);
  const want = advertisedAddress(cr, ordinal, svc, nodes, podNodeName, rendered);
  if (isPending(want)) out.note = want.pending;
  else if (!rendered) out.note = `address ${formatAddress(want)} not rendered into its config yet`;
  else if (!same(rendered, want)) {
    out.changing = true;
    out.note = `advertises ${formatAddress(rendered)} but its Service now resolves to ${formatAddress(want)}`;
  }
  return out;
}

export function restartMarked(annotations: Record<string, string> | undefined, ordinal: number): boolean {
  return annotations?.[`${RESTART_MARK_PREFIX}${ordinal}`] !== undefined;
}
