// The API server's audit log, read one way by every consumer: the audit test (who asked for what,
// with the authorizer's verdict) and the bench (API economy). The embedded cluster writes it at
// Metadata level and rotates it at 200 MB keeping one backup (cluster.ts), so a long run spans two
// files.
import { createReadStream, existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { REPO_ROOT } from './config';

/** The shared dev/test cluster's log directory (a bench cluster has its own). */
export const AUDIT_DIR = join(REPO_ROOT, '.local', 'cluster', 'logs');

export interface AuditRequest {
  auditID: string;
  verb: string;
  /** The effective user: the impersonated one when there is one. */
  user: string;
  /** True when an authenticated user (the admin) made the request as `user`. */
  impersonated: boolean;
  userAgent: string;
  /** '' for the core group. */
  apiGroup: string;
  /** plural, with the subresource when there is one: 'gpssclusters/status'. */
  resource: string;
  namespace?: string;
  name?: string;
  /** requestReceivedTimestamp, ms since the epoch. */
  at: number;
  code?: number;
  /** `authorization.k8s.io/decision`: allow or forbid (absent when not authorized at all, e.g. 401). */
  decision?: string;
  /** The API server's message, kept for 403s only (an authorized request can still be refused). */
  message?: string;
  /** The audit stage this record comes from: ResponseComplete, or ResponseStarted for a watch. */
  stage: string;
  /** Received → response complete at the API server, ms (ResponseComplete only). */
  ms?: number;
}

interface RawAudit {
  auditID: string;
  stage: string;
  verb: string;
  user?: { username?: string };
  impersonatedUser?: { username?: string };
  userAgent?: string;
  objectRef?: {
    apiGroup?: string;
    resource?: string;
    subresource?: string;
    namespace?: string;
    name?: string;
  };
  requestReceivedTimestamp: string;
  stageTimestamp?: string;
  responseStatus?: { code?: number; message?: string };
  annotations?: Record<string, string>;
}

/** A request at the stage that carries its answer; undefined for other stages and partial lines. */
export function parseAuditLine(line: string): AuditRequest | undefined {
  let e: RawAudit;
  try {
    e = JSON.parse(line) as RawAudit;
  } catch {
    return undefined; // a line being written right now
  }
  // A watch has ResponseStarted and ResponseComplete (minutes later), everything else only
  // ResponseComplete: callers keep the first of each auditID.
  if (e.stage !== 'ResponseComplete' && e.stage !== 'ResponseStarted' && e.stage !== 'Panic')
    return undefined;
  const o = e.objectRef ?? {};
  const r: AuditRequest = {
    auditID: e.auditID,
    verb: e.verb,
    // A request refused at authentication (401) has no user at all.
    user: e.impersonatedUser?.username ?? e.user?.username ?? '(unauthenticated)',
    impersonated: e.impersonatedUser !== undefined,
    userAgent: e.userAgent ?? '',
    apiGroup: o.apiGroup ?? '',
    resource: o.resource ? (o.subresource ? `${o.resource}/${o.subresource}` : o.resource) : '(non-resource)',
    at: Date.parse(e.requestReceivedTimestamp),
    stage: e.stage,
  };
  if (e.stage === 'ResponseComplete' && e.stageTimestamp) r.ms = Date.parse(e.stageTimestamp) - r.at;
  if (o.namespace) r.namespace = o.namespace;
  if (o.name) r.name = o.name;
  if (e.responseStatus?.code) r.code = e.responseStatus.code;
  if (r.code === 403 && e.responseStatus?.message) r.message = e.responseStatus.message;
  const decision = e.annotations?.['authorization.k8s.io/decision'];
  if (decision) r.decision = decision;
  return r;
}

/** The current log and its rotated backup (audit-<time>.log), oldest first. */
export function auditFiles(dir: string = AUDIT_DIR): string[] {
  if (!existsSync(dir)) return [];
  const backups = readdirSync(dir)
    .filter((f) => /^audit-.+\.log$/.test(f))
    .sort();
  return [...backups, ...(existsSync(join(dir, 'audit.log')) ? ['audit.log'] : [])].map((f) => join(dir, f));
}

/**
 * When the oldest of the files begins (its first request), or undefined without a log. A cluster
 * restarted by `up` starts a new, empty log directory: a run that straddles the restart has lost
 * the requests before it.
 */
export async function auditBegins(files: string[] = auditFiles()): Promise<number | undefined> {
  for (const file of files) {
    const lines = createInterface({ input: createReadStream(file), crlfDelay: Number.POSITIVE_INFINITY });
    for await (const line of lines) {
      const at = /"requestReceivedTimestamp":"([^"]+)"/.exec(line)?.[1];
      if (!at) continue;
      lines.close();
      return Date.parse(at);
    }
  }
  return undefined;
}

/**
 * Every request received at or after `since` that `keep` accepts, from both files, once each.
 * Streamed: a full run writes hundreds of MB, and only the few accounts asked for are kept.
 */
export async function readAudit(
  since: number,
  keep: (r: AuditRequest) => boolean,
  files: string[] = auditFiles(),
): Promise<AuditRequest[]> {
  const seen = new Set<string>();
  const out: AuditRequest[] = [];
  for (const file of files) {
    const lines = createInterface({ input: createReadStream(file), crlfDelay: Number.POSITIVE_INFINITY });
    for await (const line of lines) {
      const r = parseAuditLine(line);
      if (!r || r.at < since || !keep(r) || seen.has(r.auditID)) continue;
      seen.add(r.auditID);
      out.push(r);
    }
  }
  return out;
}
