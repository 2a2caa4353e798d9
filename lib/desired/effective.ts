// Each optional spec field resolved to its default, one function per field: effectiveCluster
// (cluster.ts) reads a CR through these, and callers that need one field of a CR (health, reconcile's
// status) use them directly, so a default is decided in one place. The CRD schema defaults these too,
// but a CR can reach us un-defaulted (a test, an older CRD, a raw event payload), and the same CR must
// give the same objects either way.

import {
  type AntiAffinity,
  DEFAULTS,
  type GpssCluster,
  type PullPolicy,
  type ResourceRequirements,
  type ServiceType,
  type Toleration,
} from '../api/types';

type WithSpec = Pick<GpssCluster, 'spec'>;

export function effectiveSize(cr: WithSpec): number {
  return cr.spec.size ?? DEFAULTS.size;
}

export function gpssServiceType(cr: WithSpec): ServiceType {
  return cr.spec.service?.gpss ?? DEFAULTS.serviceType;
}

export function gpfdistServiceType(cr: WithSpec): ServiceType {
  return cr.spec.service?.gpfdist ?? DEFAULTS.serviceType;
}

export function effectivePullPolicy(cr: WithSpec): PullPolicy {
  return cr.spec.pull_policy ?? DEFAULTS.pullPolicy;
}

export function effectiveAntiAffinity(cr: WithSpec): AntiAffinity {
  return cr.spec.anti_affinity ?? DEFAULTS.antiAffinity;
}

export function effectiveTerminationGraceSeconds(cr: WithSpec): number {
  return cr.spec.termination_grace_seconds ?? DEFAULTS.terminationGraceSeconds;
}

/**
 * DEFAULTS only when `resources` is absent. A partial value is taken as written, never merged with
 * the defaults: merging can produce requests above limits (limits.cpu "1" + default requests.cpu "2"
 * is rejected), and Kubernetes already fills missing requests from limits. `{}` therefore means
 * "no requests or limits" on purpose.
 */
export function effectiveResources(cr: WithSpec): ResourceRequirements {
  return normalizedResources(cr.spec.resources ?? DEFAULTS.resources);
}

/** A fresh copy with keys in a fixed order; normalizing twice gives the same value. */
export function normalizedResources(r: ResourceRequirements): ResourceRequirements {
  const out: ResourceRequirements = {};
  if (r.limits) out.limits = sortedCopy(r.limits);
  if (r.requests) out.requests = sortedCopy(r.requests);
  return out;
}

/** A fresh map with keys in code-unit order: byte-identical output whatever order the input came in. */
export function sortedCopy(map: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const k of Object.keys(map).sort()) out[k] = map[k];
  return out;
}

/** A fresh copy with keys in a fixed order, so the output does not depend on how the input was built. */
export function normalizedToleration(t: Toleration): Toleration {
  const out: Toleration = {};
  if (t.key !== undefined) out.key = t.key;
  if (t.operator !== undefined) out.operator = t.operator;
  if (t.value !== undefined) out.value = t.value;
  if (t.effect !== undefined) out.effect = t.effect;
  if (t.tolerationSeconds !== undefined) out.tolerationSeconds = t.tolerationSeconds;
  return out;
}
