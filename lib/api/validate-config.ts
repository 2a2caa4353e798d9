// Checks on a GpssCluster spec that the CRD schema and its CEL rules cannot make: CEL has no JSON
// parser, so the GPSS config is only checked there for looking like an object. The functions report
// these problems in a status condition instead of acting on a config GPSS would refuse.
// Every check runs and every problem is returned, so one round trip fixes a manifest.
import { parseQuantity } from './quantity';
import type { GpssClusterSpec } from './types';

export interface Problem {
  /** Spec-relative path of the offending value, e.g. `gpss_config.Cluster.Etcd.Endpoints[0]`. */
  path: string;
  message: string;
}

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

const CONFIG = 'gpss_config';

// GPSS keeps the cluster id in etcd keys and the operator puts it in labels, so keep it DNS-ish.
const CLUSTER_ID = /^[A-Za-z0-9]([A-Za-z0-9._-]{0,61}[A-Za-z0-9])?$/;

function isObject(v: Json | undefined): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function describe(v: Json | undefined): string {
  if (v === undefined) return 'missing';
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'string') return `the string ${JSON.stringify(v)}`;
  return `${typeof v} ${JSON.stringify(v)}`;
}

/**
 * Returns the child object at `key`. A missing parent reads as `{}` so that each missing leaf is
 * reported on its own path (the user sees everything to add); a parent of the wrong type is
 * reported once and its leaves are skipped (they would only repeat the same mistake).
 */
function section(parent: JsonObject, key: string, path: string, problems: Problem[]): JsonObject | undefined {
  const v = parent[key];
  if (v === undefined) return {};
  if (isObject(v)) return v;
  problems.push({ path, message: `must be a JSON object, got ${describe(v)}` });
  return undefined;
}

function port(parent: JsonObject | undefined, path: string, problems: Problem[]): number | undefined {
  if (!parent) return undefined;
  const v = parent.Port;
  if (typeof v === 'number' && Number.isInteger(v) && v >= 1 && v <= 65535) return v;
  problems.push({
    path,
    message:
      v === undefined
        ? 'required: a port number from 1 to 65535'
        : `must be an integer from 1 to 65535, got ${describe(v)}`,
  });
  return undefined;
}

function optionalString(
  parent: JsonObject | undefined,
  key: string,
  path: string,
  problems: Problem[],
): void {
  const v = parent?.[key];
  if (v !== undefined && typeof v !== 'string')
    problems.push({ path, message: `must be a string, got ${describe(v)}` });
}

/** Checks the GPSS JSON config text; paths start with `gpss_config`. */
export function validateGpssConfig(text: string): Problem[] {
  let doc: Json;
  try {
    doc = JSON.parse(text) as Json;
  } catch (err) {
    return [{ path: CONFIG, message: `is not valid JSON: ${(err as Error).message}` }];
  }
  if (!isObject(doc)) return [{ path: CONFIG, message: `must be a JSON object, got ${describe(doc)}` }];

  const problems: Problem[] = [];
  const listen = section(doc, 'ListenAddress', `${CONFIG}.ListenAddress`, problems);
  const gpfdist = section(doc, 'Gpfdist', `${CONFIG}.Gpfdist`, problems);
  const cluster = section(doc, 'Cluster', `${CONFIG}.Cluster`, problems);

  optionalString(listen, 'Host', `${CONFIG}.ListenAddress.Host`, problems);
  optionalString(gpfdist, 'Host', `${CONFIG}.Gpfdist.Host`, problems);

  // All three listen on the same pod IP, so they must be distinct.
  const ports: [string, number | undefined][] = [
    [`${CONFIG}.ListenAddress.Port`, port(listen, `${CONFIG}.ListenAddress.Port`, problems)],
    [`${CONFIG}.Gpfdist.Port`, port(gpfdist, `${CONFIG}.Gpfdist.Port`, problems)],
    [`${CONFIG}.Cluster.Port`, port(cluster, `${CONFIG}.Cluster.Port`, problems)],
  ];
  for (let i = 1; i < ports.length; i++) {
    const [path, p] = ports[i];
    const clash = ports.slice(0, i).find(([, q]) => p !== undefined && q === p);
    if (clash) problems.push({ path, message: `must differ from ${clash[0]} (both are ${p})` });
  }

  if (cluster) {
    const id = cluster.Id;
    if (id === undefined) {
      problems.push({ path: `${CONFIG}.Cluster.Id`, message: 'required: the GPSS cluster id, e.g. "gpss1"' });
    } else if (typeof id !== 'string' || !CLUSTER_ID.test(id)) {
      problems.push({
        path: `${CONFIG}.Cluster.Id`,
        message: `must be 1 to 63 letters, digits, '.', '_' or '-', starting and ending with a letter or digit, got ${describe(id)}`,
      });
    }

    const etcd = section(cluster, 'Etcd', `${CONFIG}.Cluster.Etcd`, problems);
    if (etcd) {
      const eps = etcd.Endpoints;
      const path = `${CONFIG}.Cluster.Etcd.Endpoints`;
      if (!Array.isArray(eps) || eps.length === 0) {
        problems.push({
          path,
          message:
            eps === undefined
              ? 'required: a non-empty list of etcd endpoints, e.g. ["etcd:2379"]'
              : `must be a non-empty list of etcd endpoints, got ${describe(eps)}`,
        });
      } else {
        const seen = new Set<string>();
        eps.forEach((ep, i) => {
          if (typeof ep !== 'string' || ep.trim() === '' || /\s/.test(ep)) {
            problems.push({
              path: `${path}[${i}]`,
              message: `must be a non-empty endpoint without spaces such as "etcd:2379", got ${describe(ep)}`,
            });
          } else if (seen.has(ep)) {
            problems.push({ path: `${path}[${i}]`, message: `duplicates endpoint ${JSON.stringify(ep)}` });
          } else {
            seen.add(ep);
          }
        });
      }
    }
  }
  return problems;
}

/** Cluster.Id of a config, or undefined when the config has none that parses. */
export function clusterIdOf(text: string): string | undefined {
  try {
    const doc = JSON.parse(text) as Json;
    const id = isObject(doc) && isObject(doc.Cluster) ? doc.Cluster.Id : undefined;
    return typeof id === 'string' ? id : undefined;
  } catch {
    return undefined;
  }
}

/** Cluster.Etcd.Endpoints of a config, normalised (no scheme, lower case), or [] when absent. */
export function etcdEndpointsOf(text: string): string[] {
  try {
    const doc = JSON.parse(text) as Json;
    const etcd =
      isObject(doc) && isObject(doc.Cluster) && isObject(doc.Cluster.Etcd) ? doc.Cluster.Etcd : undefined;
    const list = etcd && Array.isArray(etcd.Endpoints) ? etcd.Endpoints : [];
    return list
      .filter((e): e is string => typeof e === 'string')
      .map((e) =>
        e
          .trim()
          .toLowerCase()
          .replace(/^[a-z]+:\/\//, '')
          .replace(/\/+$/, ''),
      );
  } catch {
    return [];
  }
}

/** Two GPSS clusters share an etcd (and so must not share a Cluster.Id) when any endpoint is common. */
export function shareEtcd(a: string, b: string): boolean {
  const mine = new Set(etcdEndpointsOf(a));
  return etcdEndpointsOf(b).some((e) => mine.has(e));
}

// Label syntax as the API server checks it on pods: a node selector it would refuse leaves the
// StatefulSet unable to create any pod, which is far from where the mistake was made.
const LABEL_NAME = /^([A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

function isLabelKey(key: string): boolean {
  const slash = key.lastIndexOf('/');
  const name = slash < 0 ? key : key.slice(slash + 1);
  if (!LABEL_NAME.test(name)) return false;
  if (slash < 0) return true;
  const prefix = key.slice(0, slash);
  return prefix.length <= 253 && DNS_SUBDOMAIN.test(prefix);
}

const STANDARD_RESOURCES = new Set(['cpu', 'memory', 'ephemeral-storage']);

/** A name Kubernetes accepts in a container's requests or limits. */
function isResourceName(name: string): boolean {
  if (STANDARD_RESOURCES.has(name)) return true;
  if (/^hugepages-[0-9]+[A-Za-z]*$/.test(name)) return true;
  return isExtendedResource(name);
}

/** Extended resources are qualified names outside the kubernetes.io domain (example.com/gpu). */
function isExtendedResource(name: string): boolean {
  const slash = name.indexOf('/');
  if (slash <= 0) return false;
  const domain = name.slice(0, slash);
  if (domain === 'kubernetes.io' || domain.endsWith('.kubernetes.io')) return false;
  return isLabelKey(name) && !name.startsWith('requests.');
}

/**
 * Everything about a spec the CRD cannot check: the GPSS config, node selector label syntax, and
 * requests ≤ limits for resources other than cpu and memory (CEL covers those two). Tolerates a
 * spec read without the CRD's defaults.
 */
export function validateSpec(spec: GpssClusterSpec): Problem[] {
  const problems: Problem[] = [];
  if (typeof spec.gpss_config !== 'string' || spec.gpss_config.trim() === '') {
    problems.push({ path: CONFIG, message: 'required: the GPSS JSON configuration' });
  } else {
    problems.push(...validateGpssConfig(spec.gpss_config));
  }

  for (const [key, value] of Object.entries(spec.node_selector ?? {})) {
    const path = `node_selector[${JSON.stringify(key)}]`;
    if (!isLabelKey(key)) {
      problems.push({ path, message: 'key must be a label key such as kubernetes.io/os or disktype' });
    }
    if (typeof value !== 'string' || value.length > 63 || !LABEL_VALUE.test(value)) {
      problems.push({
        path,
        message: `value must be a label value (at most 63 letters, digits, '-', '_' or '.'), got ${JSON.stringify(value)}`,
      });
    }
  }

  const { requests = {}, limits = {} } = spec.resources ?? {};
  for (const [kind, values] of [
    ['requests', requests],
    ['limits', limits],
  ] as const) {
    for (const [name, q] of Object.entries(values)) {
      const v = parseQuantity(q);
      if (v === undefined || v < 0) {
        problems.push({
          path: `resources.${kind}.${name}`,
          message: `must be a non-negative quantity such as 2, 500m or 16Gi, got ${JSON.stringify(q)}`,
        });
      }
    }
  }
  for (const [kind, values] of [
    ['requests', requests],
    ['limits', limits],
  ] as const) {
    for (const name of Object.keys(values)) {
      if (!isResourceName(name)) {
        problems.push({
          path: `resources.${kind}.${name}`,
          message:
            'is not a resource name: use cpu, memory, ephemeral-storage, hugepages-<size> or an extended resource such as example.com/gpu',
        });
      }
    }
  }
  // Extended resources cannot be overcommitted: Kubernetes wants a limit, and a request equal to it.
  for (const name of new Set([...Object.keys(requests), ...Object.keys(limits)])) {
    if (!isExtendedResource(name)) continue;
    if (!(name in limits)) {
      problems.push({
        path: `resources.limits.${name}`,
        message: 'is required: an extended resource must have a limit (it cannot be overcommitted)',
      });
    } else if (name in requests && parseQuantity(requests[name]) !== parseQuantity(limits[name])) {
      problems.push({
        path: `resources.requests.${name}`,
        message: `(${requests[name]}) must equal resources.limits.${name} (${limits[name]}): an extended resource cannot be overcommitted`,
      });
    }
  }
  for (const [name, q] of Object.entries(requests)) {
    const req = parseQuantity(q);
    const lim = name in limits ? parseQuantity(limits[name]) : undefined;
    if (req !== undefined && lim !== undefined && req > lim) {
      problems.push({
        path: `resources.requests.${name}`,
        message: `(${q}) must not exceed resources.limits.${name} (${limits[name]})`,
      });
    }
  }
  return problems;
}

/**
 * Changes an existing cluster cannot take. The CRD's CEL rule catches the common case of a changed
 * Cluster.Id with a regex; this is the exact check, for configs that regex cannot follow.
 */
export function validateSpecChange(previous: GpssClusterSpec, next: GpssClusterSpec): Problem[] {
  const before = clusterIdOf(previous.gpss_config);
  const after = clusterIdOf(next.gpss_config);
  if (before !== undefined && after !== undefined && before !== after) {
    return [
      {
        path: `${CONFIG}.Cluster.Id`,
        message: `is immutable (it names the GPSS cluster in etcd): was ${JSON.stringify(before)}, now ${JSON.stringify(after)}`,
      },
    ];
  }
  return [];
}
