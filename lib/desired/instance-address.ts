// Where Greenplum segments (and gpsscli) reach an instance from outside: the address an instance
// advertises in its rendered config, derived from its live Service.
//
// - LoadBalancer: the first ingress IP (or hostname) and the Service port (the user's Gpfdist.Port);
//   pending until the cloud provider fills status.loadBalancer.
// - NodePort: a node's InternalIP and the allocated node port. The instance also *listens* on that
//   node port (GPSS has a single Gpfdist.Port for listening and advertising), and its Service targets
//   it by number. The host is, in order: the host advertised before if that node is still Ready (an
//   address written into external tables must not move; externalTrafficPolicy Cluster makes any node
//   forward to the pod), else the node the pod runs on, else the first Ready node by name.
// - ClusterIP: the cluster IP and the Service port (segments inside the cluster only).

import type { V1NodeAddress } from '@kubernetes/client-node';
import type { GpssCluster, ServiceType } from '../api/types';
import { asEffectiveCluster, type EffectiveCluster } from './cluster';
import type { Address } from './gpss-config';
import type { LiveNode, LiveService } from './k8s-types';
import { gpfdistServiceName } from './names';
import { PORT_NAMES } from './services';

export interface NodeInfo {
  name: string;
  ready: boolean;
  addresses: V1NodeAddress[];
}

export interface Pending {
  pending: string;
}

export type AdvertisedAddress = Address | Pending;

export function isPending(a: AdvertisedAddress): a is Pending {
  return 'pending' in a;
}

export function nodeInfo(node: LiveNode): NodeInfo {
  const ready = (node.status?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True');
  return { name: node.metadata.name, ready, addresses: [...(node.status?.addresses ?? [])] };
}

/** host:port, with an IPv6 host in brackets as URLs (gpfdist://…) need it. */
export function formatAddress(a: Address): string {
  return a.host.includes(':') ? `[${a.host}]:${a.port}` : `${a.host}:${a.port}`;
}

function internalIP(node: NodeInfo): string | undefined {
  return node.addresses.find((a) => a.type === 'InternalIP' && a.address !== '')?.address;
}

function byName(a: NodeInfo, b: NodeInfo): number {
  // Code-unit order, not localeCompare: the choice must not depend on the runtime's locale.
  return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
}

function nodePortHost(nodes: NodeInfo[], podNodeName?: string, previousHost?: string): string | undefined {
  const usable = nodes.filter((n) => n.ready && internalIP(n) !== undefined);
  if (previousHost !== undefined) {
    const kept = usable.find((n) =>
      n.addresses.some((a) => a.type === 'InternalIP' && a.address === previousHost),
    );
    if (kept) return previousHost;
  }
  if (podNodeName !== undefined) {
    const own = usable.find((n) => n.name === podNodeName);
    if (own) return internalIP(own);
  }
  const first = [...usable].sort(byName)[0];
  return first ? internalIP(first) : undefined;
}

interface Want {
  type: ServiceType;
  serviceName: string;
  portName: string;
  port: number;
}

function serviceAddress(
  want: Want,
  svc: LiveService | undefined,
  nodes: NodeInfo[],
  podNodeName?: string,
  previous?: Address,
): AdvertisedAddress {
  const name = want.serviceName;
  if (!svc) return { pending: `Service ${name} does not exist yet` };
  // The API server always sets type; a missing one reads as its default.
  const type = svc.spec?.type ?? 'ClusterIP';
  if (type !== want.type)
    return { pending: `Service ${name} is ${type}, waiting for it to become ${want.type}` };

  switch (want.type) {
    case 'NodePort': {
      const nodePort = svc.spec?.ports?.find((p) => p.name === want.portName)?.nodePort;
      if (!nodePort) return { pending: `waiting for a node port on Service ${name}` };
      const host = nodePortHost(nodes, podNodeName, previous?.host);
      if (host === undefined)
        return { pending: `no Ready node with an InternalIP to advertise for Service ${name}` };
      return { host, port: nodePort };
    }
    // The port is the desired one, not the live one: the caller applies the Service in the same pass,
    // and a port change keeps the load-balancer or cluster IP.
    case 'LoadBalancer': {
      const ingress = svc.status?.loadBalancer?.ingress?.[0];
      const host = ingress?.ip || ingress?.hostname;
      if (!host) return { pending: `waiting for a load-balancer address on Service ${name}` };
      return { host, port: want.port };
    }
    case 'ClusterIP': {
      const ip = svc.spec?.clusterIP;
      if (!ip || ip === 'None') return { pending: `waiting for a cluster IP on Service ${name}` };
      return { host: ip, port: want.port };
    }
  }
}

/**
 * The gpfdist address instance `ordinal` advertises, or why it cannot be known yet.
 * `svc` is the live `{name}-gpfdist-{ordinal}` Service; `previous` is the address the instance's
 * current rendered config advertises, kept for NodePort while its node is Ready.
 */
export function advertisedAddress(
  c: EffectiveCluster,
  ordinal: number,
  svc: LiveService | undefined,
  nodes: NodeInfo[],
  podNodeName?: string,
  previous?: Address,
): AdvertisedAddress {
  const want: Want = {
    type: c.service.gpfdist,
    serviceName: gpfdistServiceName(c, ordinal),
    portName: PORT_NAMES.gpfdist,
    port: c.gpss.ports.gpfdist,
  };
  return serviceAddress(want, svc, nodes, podNodeName, previous);
}

/**
 * Where gpsscli reaches the cluster (status.gpssAddress); for NodePort, the first Ready node by name.
 * A CR is read first (GpssConfigError when its gpss_config is unusable): pass the effective spec
 * (DesiredState.cluster) when there is one.
 */
export function gpssAddress(
  source: GpssCluster | EffectiveCluster,
  svc: LiveService | undefined,
  nodes: NodeInfo[],
): AdvertisedAddress {
  const c = asEffectiveCluster(source);
  const want: Want = {
    type: c.service.gpss,
    serviceName: c.names.gpssService,
    portName: PORT_NAMES.gpss,
    port: c.gpss.ports.listen,
  };
  return serviceAddress(want, svc, nodes);
}
