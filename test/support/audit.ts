// What the audit test needs beyond reading the log (localcluster/audit-log.ts): the permissions tests
// take away on purpose, and when the API server (re)started.
import { appendFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { AUDIT_DIR } from '../../localcluster/audit-log';
import { REPO_ROOT } from '../../localcluster/config';

export {
  AUDIT_DIR,
  type AuditRequest,
  auditBegins,
  auditFiles,
  parseAuditLine,
  readAudit,
} from '../../localcluster/audit-log';

/** One JSON line per forbid and per restore (test/support/rbac.ts). */
export const EXPECTED_DENIALS = join(REPO_ROOT, '.local', 'expected-denials.jsonl');

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
