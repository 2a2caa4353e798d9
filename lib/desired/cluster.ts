// The effective cluster spec: a GpssCluster read once, at the boundary, into what every builder
// needs: defaults applied, gpss_config parsed and checked, names derived. Builders take this and
// never the raw CR, so gpss_config is parsed once per build, and a default or a name is decided in
// one place for every object that carries it.

import {
  type AntiAffinity,
  DEFAULTS,
  finalizeTimeoutSeconds,
  type GpssCluster,
  type OwnerReference,
  type PullPolicy,
  type ResourceRequirements,
  type ServiceType,
  type Toleration,
} from '../api/types';
import {
  effectiveAntiAffinity,
  effectivePullPolicy,
  effectiveResources,
  effectiveSize,
  effectiveTerminationGraceSeconds,
  gpfdistServiceType,
  gpssServiceType,
  normalizedToleration,
  sortedCopy,
} from './effective';
import {
  type GpssConfig,
  GpssConfigError,
  type GpssPorts,
  gpssPorts,
  parsedConfigChecksum,
  parseGpssConfig,
} from './gpss-config';
import { type ChildNames, childNames, namespaceOf, ownerRef } from './names';

export interface EffectiveCluster {
  /** The CR's identity; every child is namespaced like it. */
  metadata: { name: string; namespace: string; uid: string; generation?: number };
  /** The controller reference every child carries. */
  owner: OwnerReference;
  names: ChildNames;
  size: number;
  image: string;
  service: { gpss: ServiceType; gpfdist: ServiceType };
  pullPolicy: PullPolicy;
  /** Absent when the spec has none (or an empty one). */
  pullSecret?: string;
  /** As effectiveResources resolves it: DEFAULTS only when absent, keys sorted. */
  resources: ResourceRequirements;
  antiAffinity: AntiAffinity;
  terminationGraceSeconds: number;
  /** Keys sorted; empty when the spec has none. */
  nodeSelector: Record<string, string>;
  /** Each in a fixed key order; empty when the spec has none. */
  tolerations: Toleration[];
  maintenance: boolean;
  finalizeTimeoutSeconds: number;
  failoverAfterSeconds: number;
  /** gpss_config, parsed and checked once. Shared by every builder: read it, never change it. */
  gpss: {
    config: GpssConfig;
    /** configChecksum of the text, as the pod template carries it. */
    checksum: string;
    ports: GpssPorts;
  };
}

export type EffectiveClusterResult =
  | { ok: true; cluster: EffectiveCluster }
  | { ok: false; problems: string[] };

/**
 * The one reading of a CR. An unusable gpss_config is the user's problem and comes back as
 * problems; a CR without a namespace or uid was not read from the API server, a bug, and throws.
 */
export function effectiveCluster(cr: GpssCluster): EffectiveClusterResult {
  const parsed = parseGpssConfig(cr.spec.gpss_config);
  if (!parsed.ok) return { ok: false, problems: parsed.problems };
  const { spec } = cr;
  const namespace = namespaceOf(cr);
  const owner = ownerRef(cr);
  const { generation } = cr.metadata;
  const cluster: EffectiveCluster = {
    metadata: {
      name: cr.metadata.name,
      namespace,
      uid: owner.uid,
      ...(generation !== undefined ? { generation } : {}),
    },
    owner,
    names: childNames(cr),
    size: effectiveSize(cr),
    image: spec.image,
    service: { gpss: gpssServiceType(cr), gpfdist: gpfdistServiceType(cr) },
    pullPolicy: effectivePullPolicy(cr),
    ...(spec.pull_secret ? { pullSecret: spec.pull_secret } : {}),
    resources: effectiveResources(cr),
    antiAffinity: effectiveAntiAffinity(cr),
    terminationGraceSeconds: effectiveTerminationGraceSeconds(cr),
    nodeSelector: sortedCopy(spec.node_selector ?? {}),
    tolerations: (spec.tolerations ?? []).map(normalizedToleration),
    maintenance: spec.maintenance ?? false,
    finalizeTimeoutSeconds: finalizeTimeoutSeconds(spec),
    failoverAfterSeconds: spec.failover_after_seconds ?? DEFAULTS.failoverAfterSeconds,
    gpss: {
      config: parsed.config,
      checksum: parsedConfigChecksum(parsed.config),
      ports: gpssPorts(parsed.config),
    },
  };
  return { ok: true, cluster };
}

/** effectiveCluster for callers that validated first: an unusable gpss_config throws GpssConfigError. */
export function requireEffectiveCluster(cr: GpssCluster): EffectiveCluster {
  const result = effectiveCluster(cr);
  if (!result.ok) throw new GpssConfigError(result.problems);
  return result.cluster;
}

/** For the entry points that accept either: a CR is read now, an effective spec is used as is. */
export function asEffectiveCluster(source: GpssCluster | EffectiveCluster): EffectiveCluster {
  return isEffectiveCluster(source) ? source : requireEffectiveCluster(source);
}

export function isEffectiveCluster(source: GpssCluster | EffectiveCluster): source is EffectiveCluster {
  // A GpssCluster always has a spec; the effective spec has none (it is the spec, resolved).
  return !('spec' in source);
}
