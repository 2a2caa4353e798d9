// The API server's audit log as the test run's record of who asked for what: one entry per request,
// with the authorizer's verdict. The embedded cluster writes it at Metadata level and rotates it at
// 200 MB keeping one backup (localcluster/cluster.ts), so a long run spans two files.
import { appendFileSync, createReadStream, existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { REPO_ROOT } from '../../localcluster/config';

export const AUDIT_DIR = join(REPO_ROOT, '.local', 'cluster', 'logs');
/** One JSON line per forbid and per restore (test/support/rbac.ts). */
export const EXPECTED_DENIALS = join(REPO_ROOT, '.local', 'expected-denials.jsonl');

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
  };
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

/**
 * When each kube-apiserver process began serving (its "Serving securely on" log line), ms since the
 * epoch. klog lines carry no year: `year` is the test run's.
 */
export function apiServerStarts(year: number, dir: string = AUDIT_DIR): number[] {
  const path = join(dir, 'kube-apiserver.log');
  if (!existsSync(path)) return [];
  const out: number[] = [];
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    const m = /^I(\d\d)(\d\d) (\d\d:\d\d:\d\d\.\d+) .*Serving securely on/.exec(line);
    if (m) out.push(Date.parse(`${year}-${m[1]}-${m[2]}T${m[3]}Z`));
  }
  return out;
}

/** A permission a test took away on purpose (test/support/rbac.ts forbid), and when. */
export interface ExpectedDenial {
  /** Pairs a forbid with its restore. */
  id: string;
  /** GPSS_TEST_RUN of the run that forbade it. */
  run?: string;
  /** system:serviceaccount:<ns>:<name> */
  account: string;
  verb: string;
  /** Plural, as the ClusterRole names it ('statefulsets'). */
  resource: string;
  namespace: string;
  /** ISO time before the role was changed. */
  from: string;
  /** ISO time the authorizer allowed again; absent while (or if never) restored. */
  to?: string;
}

export function recordExpectedDenial(d: ExpectedDenial, path: string = EXPECTED_DENIALS): void {
  mkdirSync(dirname(path), { recursive: true });
  appendFileSync(path, `${JSON.stringify(d)}\n`);
}

/** Forbids with their restores merged in (by id); a forbid never restored has no `to`. */
export function readExpectedDenials(path: string = EXPECTED_DENIALS): ExpectedDenial[] {
  if (!existsSync(path)) return [];
  const byId = new Map<string, ExpectedDenial>();
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    if (!line.trim()) continue;
    const d = JSON.parse(line) as ExpectedDenial;
    byId.set(d.id, { ...byId.get(d.id), ...d });
  }
  return [...byId.values()];
}
