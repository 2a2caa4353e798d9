// Names, labels and owner references of a GpssCluster's children. The Service names are the
// original GPSS operator's, so scripts and gpsscli settings written for it keep working.

import {
  API_VERSION,
  APP_NAME,
  type GpssCluster,
  KIND,
  LABELS,
  MANAGED_BY,
  type OwnerReference,
} from '../api/types';
import { effectiveSize } from './effective';
import type { ChildMeta } from './k8s-types';

type Named = Pick<GpssCluster, 'metadata'>;

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

export function childMeta(
  cr: Named,
  name: string,
  labels: Record<string, string>,
  annotations?: Record<string, string>,
): ChildMeta {
  return {
    name,
    namespace: namespaceOf(cr),
    labels,
    ...(annotations ? { annotations } : {}),
    ownerReferences: [ownerRef(cr)],
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
