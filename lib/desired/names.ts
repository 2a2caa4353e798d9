// Names, labels and owner references of a GpssCluster's children. The Service names are the
// original GPSS operator's, so scripts and gpsscli settings written for it keep working.
// Each name is defined once here, from the CR's metadata: the helpers take a CR or the effective
// spec alike (both have `metadata.name`), and childNames derives the fixed ones for the effective spec.

import {
  API_VERSION,
  APP_NAME,
  type GpssCluster,
  KIND,
  LABELS,
  MANAGED_BY,
  type OwnerReference,
} from '../api/types';
import type { EffectiveCluster } from './cluster';
import { effectiveSize } from './effective';
import type { ChildMeta } from './k8s-types';

export type Named = Pick<GpssCluster, 'metadata'>;

/** A child is namespaced like its owner; a CR without a namespace was not read from the API server. */
export function namespaceOf(cr: Named): string {
  const ns = cr.metadata.namespace;
  if (!ns) throw new Error(`GpssCluster ${cr.metadata.name} has no metadata.namespace`);
  return ns;
}

export function statefulSetName(cr: Named): string {
  return cr.metadata.name;
}

export function headlessServiceName(cr: Named): string {
  return `${cr.metadata.name}-headless`;
}

export function gpssServiceName(cr: Named): string {
  return `${namespaceOf(cr)}-${cr.metadata.name}-gpss-service`;
}

export function gpfdistServiceName(cr: Named, ordinal: number): string {
  return `${cr.metadata.name}-gpfdist-${ordinal}`;
}

export function instancePodName(cr: Named, ordinal: number): string {
  return `${statefulSetName(cr)}-${ordinal}`;
}

export function instanceConfigMapName(cr: Named): string {
  return `${cr.metadata.name}-instance-config`;
}

export function podDisruptionBudgetName(cr: Named): string {
  return cr.metadata.name;
}

/**
 * The ordinal of an instance pod of this cluster: the inverse of instancePodName. Undefined for any
 * other name, including "g-01": the StatefulSet controller never writes a leading zero, so such a
 * pod is not one of its instances (reading it as 1 would confuse it with "g-1").
 */
export function ordinalOf(cr: Named, podName: string): number | undefined {
  const prefix = `${statefulSetName(cr)}-`;
  if (!podName.startsWith(prefix)) return undefined;
  const rest = podName.slice(prefix.length);
  return /^(0|[1-9]\d*)$/.test(rest) ? Number(rest) : undefined;
}

/** The file (and ConfigMap key) holding one instance's rendered config. */
export function instanceConfigKey(cr: Named, ordinal: number): string {
  return `${instancePodName(cr, ordinal)}.json`;
}

/** Immutable once the StatefulSet exists (spec.selector), so it never carries anything that can change. */
export function selectorLabels(cr: Named): Record<string, string> {
  return {
    [LABELS.name]: APP_NAME,
    [LABELS.instance]: cr.metadata.name,
    [LABELS.managedBy]: MANAGED_BY,
  };
}

/** Same text as the API server's own rendering of a label selector (keys sorted), for status.selector. */
export function selectorString(cr: Named): string {
  const labels = selectorLabels(cr);
  return Object.keys(labels)
    .sort()
    .map((k) => `${k}=${labels[k]}`)
    .join(',');
}

export function componentLabels(cr: Named, component: string): Record<string, string> {
  return { ...selectorLabels(cr), [LABELS.component]: component };
}

export function ownerRef(cr: Named): OwnerReference {
  const uid = cr.metadata.uid;
  // An owner reference with an empty uid is rejected by the API server; fail loudly instead.
  if (!uid) throw new Error(`GpssCluster ${cr.metadata.name} has no metadata.uid`);
  return {
    apiVersion: API_VERSION,
    kind: KIND,
    name: cr.metadata.name,
    uid,
    controller: true,
    blockOwnerDeletion: true,
  };
}

/** The names of a cluster's children that do not depend on an ordinal. */
export interface ChildNames {
  statefulSet: string;
  headlessService: string;
  gpssService: string;
  instanceConfigMap: string;
  podDisruptionBudget: string;
  /** selectorString: the label selector of every instance, as status.selector carries it. */
  selector: string;
}

export function childNames(cr: Named): ChildNames {
  return {
    statefulSet: statefulSetName(cr),
    headlessService: headlessServiceName(cr),
    gpssService: gpssServiceName(cr),
    instanceConfigMap: instanceConfigMapName(cr),
    podDisruptionBudget: podDisruptionBudgetName(cr),
    selector: selectorString(cr),
  };
}

/** Fresh objects on every call: no two desired objects share one. */
export function childMeta(
  cluster: EffectiveCluster,
  name: string,
  labels: Record<string, string>,
  annotations?: Record<string, string>,
): ChildMeta {
  return {
    name,
    namespace: cluster.metadata.namespace,
    labels,
    ...(annotations ? { annotations } : {}),
    ownerReferences: [{ ...cluster.owner }],
  };
}

const DNS1035_LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
/** The StatefulSet controller labels each pod with `${name}-${10-char hash}` (controller-revision-hash), a 63-char label value. */
const MAX_STATEFULSET_NAME = 52;

/**
 * Names the API server would reject for this CR, as messages. A CR name may be a 253-char DNS
 * subdomain, but Service names are 63-char DNS-1035 labels: without this check a long name gives
 * a reconcile that fails on every event instead of one clear Invalid condition.
 */
export function nameProblems(cr: Pick<GpssCluster, 'metadata' | 'spec'>): string[] {
  const problems: string[] = [];
  const name = cr.metadata.name;
  if (name.length > MAX_STATEFULSET_NAME) {
    problems.push(
      `metadata.name must be at most ${MAX_STATEFULSET_NAME} characters (it names the StatefulSet)`,
    );
  }
  const size = effectiveSize(cr);
  const podName = instancePodName(cr, Math.max(size - 1, 0));
  if (!DNS1123_LABEL.test(podName) || podName.length > 63) {
    problems.push(`pod name ${podName} is not a valid DNS label (at most 63 characters)`);
  }
  const services = [headlessServiceName(cr), gpssServiceName(cr)];
  if (size > 0) services.push(gpfdistServiceName(cr, size - 1));
  for (const svc of services) {
    if (svc.length > 63) problems.push(`Service name ${svc} is longer than 63 characters`);
    else if (!DNS1035_LABEL.test(svc)) {
      problems.push(`Service name ${svc} must start with a letter and contain only a-z, 0-9 and '-'`);
    }
  }
  return problems;
}
