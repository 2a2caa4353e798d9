// RBAC against use: what each account's rules grant, what the audit log says it asked for, and the
// difference both ways (a grant nothing used; a request the authorizer refused). Pure: the log is
// read by test/support/audit.ts and the rules by the test.
import type { AuditRequest, ExpectedDenial } from '../support/audit';

export interface Rule {
  apiGroups?: string[];
  resources?: string[];
  verbs: string[];
}

/** `verb resource[.group][/subresource]`, as `kubectl auth can-i` spells it: `patch statefulsets.apps`. */
export type Permission = string;

export function permission(verb: string, apiGroup: string, resource: string): Permission {
  const [plural, sub] = resource.split('/');
  return `${verb} ${plural}${apiGroup ? `.${apiGroup}` : ''}${sub ? `/${sub}` : ''}`;
}

/** Every permission the rules grant, one per verb, group and resource. */
export function grantsOf(rules: Rule[]): Set<Permission> {
  const out = new Set<Permission>();
  for (const r of rules)
    for (const g of r.apiGroups ?? [])
      for (const res of r.resources ?? []) for (const v of r.verbs) out.add(permission(v, g, res));
  return out;
}

/**
 * Whether a request was made by the account's own code: authenticated as the ServiceAccount (the
 * functions and adapters of the e2e and chaos suites run with its token), or impersonated by the
 * integration suites' functionClient (test/support/operator.ts), which runs a function's code
 * in-process under its RBAC and says so in its user agent (`test/<fn>`). Any other impersonation
 * (`kubectl auth can-i --as`, `kubectl get --as`) is a test asking about the account, not the
 * account's code asking for something: it is not counted.
 */
export function isOwnRequest(r: AuditRequest): boolean {
  if (!r.impersonated) return true;
  const fn = /^test\/([a-z]+)$/.exec(r.userAgent)?.[1];
  return fn !== undefined && r.user.endsWith(`:gpss-${fn}`);
}

/**
 * Permissions requested and allowed, per account. A server-side apply (patch) or an update that
 * creates its object (201) was also authorized as `create`, inside the same request: the log shows
 * only the patch, so the 201 is what proves the create grant is used. Non-resource requests
 * (discovery) are not RBAC rules of ours.
 */
export function useTable(requests: AuditRequest[]): Map<string, Set<Permission>> {
  const used = new Map<string, Set<Permission>>();
  for (const r of requests) {
    if (r.decision !== 'allow' || r.resource === '(non-resource)') continue;
    const set = used.get(r.user) ?? new Set<Permission>();
    set.add(permission(r.verb, r.apiGroup, r.resource));
    if ((r.verb === 'patch' || r.verb === 'update') && r.code === 201)
      set.add(permission('create', r.apiGroup, r.resource));
    used.set(r.user, set);
  }
  return used;
}

/**
 * The verb the authorizer refused, if it refused: the request's own (decision `forbid`), or the
 * `create` an apply that would create its object also needs, checked inside an allowed patch and
 * only visible in the 403's message. A 403 for another reason (a namespace being deleted refuses
 * new content) is not RBAC.
 */
export function deniedVerb(r: AuditRequest): string | undefined {
  if (r.decision === 'forbid') return r.verb;
  if (r.code !== 403 || !r.message) return undefined;
  const m = /cannot (\w+) resource "([^"]+)"/.exec(r.message);
  return m && m[2] === r.resource.split('/')[0] ? m[1] : undefined;
}

/** A grant no request needs but that is kept on purpose, with the reason. */
export interface Allowance {
  account: string;
  permission: Permission;
  why: string;
}

/** `<account> is granted <permission> but never used it`, for each grant neither used nor allowed. */
export function unusedGrants(
  granted: Map<string, Set<Permission>>,
  used: Map<string, Set<Permission>>,
  allowances: Allowance[],
  where: string,
): string[] {
  const out: string[] = [];
  for (const [account, perms] of granted) {
    for (const p of [...perms].sort()) {
      if (used.get(account)?.has(p)) continue;
      if (allowances.some((a) => a.account === account && a.permission === p)) continue;
      out.push(`${account} is granted "${p}" (${where}) but made no such request`);
    }
  }
  return out;
}

/** `<account> needs <permission> but <where> does not grant it`, for each use the rules miss. */
export function missingGrants(
  granted: Map<string, Set<Permission>>,
  used: Map<string, Set<Permission>>,
  where: string,
): string[] {
  const out: string[] = [];
  for (const [account, perms] of used) {
    const has = granted.get(account);
    if (!has) continue;
    for (const p of [...perms].sort())
      if (!has.has(p)) out.push(`${account} made "${p}" requests that ${where} does not grant`);
  }
  return out;
}

/** Whether a refused request falls inside a window where a test had taken that permission away. */
export function isExpectedDenial(
  r: AuditRequest,
  verb: string,
  expected: ExpectedDenial[],
  runEnd: number,
): boolean {
  const plural = r.resource.split('/')[0];
  return expected.some(
    (d) =>
      d.account === r.user &&
      d.verb === verb &&
      d.resource === plural &&
      d.namespace === r.namespace &&
      Date.parse(d.from) <= r.at &&
      r.at <= (d.to ? Date.parse(d.to) : runEnd),
  );
}

/**
 * How long after a kube-apiserver starts serving its RBAC authorizer may still lack the roles: it
 * serves before its informers have synced, and refuses everyone's reconnecting lists and watches
 * for a fraction of a second (seen: 0.2 s after the chaos suite's restart).
 */
export const API_SERVER_STARTUP_MS = 5_000;

/** A read refused right after an API server (re)start (`starts`: when each began serving). */
export function isStartupDenial(r: AuditRequest, verb: string, starts: number[]): boolean {
  return (
    ['get', 'list', 'watch'].includes(verb) &&
    starts.some((s) => s <= r.at && r.at <= s + API_SERVER_STARTUP_MS)
  );
}

/** Refused requests nobody took the permission away for, grouped: account, verb, resource, namespace, count. */
export function unexpectedDenials(
  requests: AuditRequest[],
  expected: ExpectedDenial[],
  runEnd: number,
  apiServerStarts: number[] = [],
): string[] {
  const groups = new Map<string, { n: number; first: number }>();
  for (const r of requests) {
    const verb = deniedVerb(r);
    if (!verb || isExpectedDenial(r, verb, expected, runEnd) || isStartupDenial(r, verb, apiServerStarts))
      continue;
    const k = `${r.user} was denied "${permission(verb, r.apiGroup, r.resource)}" in ${r.namespace ?? '(cluster scope)'}`;
    const g = groups.get(k) ?? { n: 0, first: r.at };
    g.n++;
    groups.set(k, g);
  }
  return [...groups].map(([k, g]) => `${k}: ${g.n} time(s), first at ${new Date(g.first).toISOString()}`);
}
