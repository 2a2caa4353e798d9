// Per-client request accounting, so a function can log its reads and writes per event and a test can
// assert that replaying an event wrote nothing.

import { parseResourcePath } from './resources';

export interface Counters {
  /** get, list, watch (and access reviews, which persist nothing). */
  reads: number;
  /** create, update, patch, apply, delete that were not dry runs. */
  writes: number;
  /** Writes sent with dryRun=All: they change nothing, so they are kept out of `writes`. */
  dryRuns: number;
  byVerb: Record<string, number>;
  /** Keyed by plural, with the subresource when there is one: 'gpssclusters/status'. */
  byResource: Record<string, number>;
}

export function newCounters(): Counters {
  return { reads: 0, writes: 0, dryRuns: 0, byVerb: {}, byResource: {} };
}

const READ_VERBS = new Set(['get', 'list', 'watch']);

export interface Accounted {
  verb: string;
  resource: string;
  dryRun?: boolean;
}

export function count(counters: Counters, a: Accounted): void {
  counters.byVerb[a.verb] = (counters.byVerb[a.verb] ?? 0) + 1;
  counters.byResource[a.resource] = (counters.byResource[a.resource] ?? 0) + 1;
  // Access reviews are POSTs that persist nothing: a read in all but method.
  if (READ_VERBS.has(a.verb) || a.resource.endsWith('reviews')) counters.reads++;
  else if (a.dryRun) counters.dryRuns++;
  else counters.writes++;
}

/** The Kubernetes verb and resource of a raw request, as the API server's audit log would name them. */
export function describeRequest(method: string, path: string, contentType?: string): Accounted {
  const parsed = parseResourcePath(path);
  const resource = parsed?.plural
    ? parsed.subresource
      ? `${parsed.plural}/${parsed.subresource}`
      : parsed.plural
    : path.split('?')[0]!;
  const named = parsed?.name !== undefined;
  const query = path.includes('?') ? path.slice(path.indexOf('?')) : '';
  const m = method.toUpperCase();
  let verb: string;
  if (m === 'GET') verb = /[?&]watch=(true|1)/.test(query) ? 'watch' : named ? 'get' : 'list';
  else if (m === 'POST') verb = 'create';
  else if (m === 'PUT') verb = 'update';
  else if (m === 'PATCH') verb = contentType?.startsWith('application/apply-patch') ? 'apply' : 'patch';
  else if (m === 'DELETE') verb = named ? 'delete' : 'deletecollection';
  else verb = m.toLowerCase();
  return { verb, resource };
}
