// The API resources the operator touches: which typed API of @kubernetes/client-node serves each,
// and the REST paths the request counters name them by.

import { GROUP, KIND, PLURAL, VERSION } from '../api/types';

/**
 * The typed API classes of @kubernetes/client-node the functions use (`custom` = CustomObjectsApi).
 * Only these: every API class is bundled into every function, and each costs cold start.
 */
export type ApiName = 'core' | 'apps' | 'policy' | 'custom';

export interface ResourceDescriptor {
  /** '' for the core group. */
  group: string;
  version: string;
  plural: string;
  kind: string;
  namespaced: boolean;
  /** Which typed API serves it; method names follow the kind (`readNamespacedStatefulSet`). */
  api: ApiName;
}

export type Subresource = 'status' | 'scale';

const api = (
  api: ApiName,
  group: string,
  version: string,
  plural: string,
  kind: string,
  namespaced = true,
): ResourceDescriptor => ({ group, version, plural, kind, namespaced, api });
const core = (plural: string, kind: string, namespaced = true) =>
  api('core', '', 'v1', plural, kind, namespaced);

export const RESOURCES = {
  pods: core('pods', 'Pod'),
  services: core('services', 'Service'),
  configmaps: core('configmaps', 'ConfigMap'),
  secrets: core('secrets', 'Secret'),
  events: core('events', 'Event'),
  serviceaccounts: core('serviceaccounts', 'ServiceAccount'),
  nodes: core('nodes', 'Node', false),
  namespaces: core('namespaces', 'Namespace', false),
  statefulsets: api('apps', 'apps', 'v1', 'statefulsets', 'StatefulSet'),
  poddisruptionbudgets: api('policy', 'policy', 'v1', 'poddisruptionbudgets', 'PodDisruptionBudget'),
  gpssclusters: api('custom', GROUP, VERSION, PLURAL, KIND),
} as const satisfies Record<string, ResourceDescriptor>;

export type ResourceName = keyof typeof RESOURCES;
/** A resource by its RESOURCES key ('pods') or by a descriptor (custom resources not in the table). */
export type ResourceRef = ResourceName | ResourceDescriptor;

export function resolveResource(res: ResourceRef): ResourceDescriptor {
  if (typeof res !== 'string') return res;
  const found: ResourceDescriptor | undefined = RESOURCES[res];
  if (!found) throw new Error(`unknown resource "${res}"; known: ${Object.keys(RESOURCES).join(', ')}`);
  return found;
}

export function apiVersionOf(res: ResourceDescriptor): string {
  return res.group ? `${res.group}/${res.version}` : res.version;
}

const byApiVersionKind = new Map<string, ResourceDescriptor>(
  Object.values(RESOURCES).map((r) => [`${apiVersionOf(r)}|${r.kind}`, r]),
);

/** The descriptor for an object's apiVersion and kind, or undefined when the table lacks it. */
export function resourceFor(apiVersion: string, kind: string): ResourceDescriptor | undefined {
  return byApiVersionKind.get(`${apiVersion}|${kind}`);
}

export interface ParsedPath {
  group: string;
  version: string;
  namespace?: string;
  plural?: string;
  name?: string;
  subresource?: string;
}

/** Reads a REST path back into its parts, so a request can be counted by verb and resource. */
export function parseResourcePath(path: string): ParsedPath | undefined {
  const segs = path.split('?')[0]!.split('/').filter(Boolean).map(decodeURIComponent);
  let rest: string[];
  let group: string;
  let version: string;
  if (segs[0] === 'api' && segs.length >= 2) {
    group = '';
    version = segs[1]!;
    rest = segs.slice(2);
  } else if (segs[0] === 'apis' && segs.length >= 3) {
    group = segs[1]!;
    version = segs[2]!;
    rest = segs.slice(3);
  } else {
    return undefined;
  }
  const parsed: ParsedPath = { group, version };
  if (rest[0] === 'namespaces' && rest.length >= 3) {
    parsed.namespace = rest[1]!;
    rest = rest.slice(2);
  }
  if (rest[0] !== undefined) parsed.plural = rest[0];
  if (rest[1] !== undefined) parsed.name = rest[1];
  if (rest[2] !== undefined) parsed.subresource = rest[2];
  return parsed;
}

export interface PathParts {
  namespace?: string | undefined;
  name?: string | undefined;
  subresource?: Subresource | undefined;
}

/**
 * The REST path of a collection or object (core => /api/v1/..., others => /apis/{group}/{version}/...),
 * as informers and the audit log name it. A namespaced resource without a namespace addresses all
 * namespaces; a cluster-scoped one ignores the namespace.
 */
export function resourcePath(res: ResourceRef, parts: PathParts = {}): string {
  const r = resolveResource(res);
  let path = r.group ? `/apis/${r.group}/${r.version}` : `/api/${r.version}`;
  if (r.namespaced && parts.namespace) path += `/namespaces/${segment(parts.namespace)}`;
  path += `/${r.plural}`;
  if (parts.name !== undefined) {
    path += `/${segment(parts.name)}`;
    if (parts.subresource) path += `/${parts.subresource}`;
  } else if (parts.subresource) {
    throw new Error(`subresource ${parts.subresource} of ${r.plural} needs an object name`);
  }
  return path;
}

function segment(s: string): string {
  if (s === '' || s === '.' || s === '..') throw new Error(`invalid path segment "${s}"`);
  return encodeURIComponent(s);
}
