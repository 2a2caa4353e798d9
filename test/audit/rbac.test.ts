// RBAC equals use, proven from the API server's audit log of the whole test run (the last group of
// scripts/run-tests.ts). For every ServiceAccount of the operator (manifests/rbac: the three functions
// and the three ApiServerSource adapters) it fails on
//   - a denied request (audit decision `forbid`) that no test provoked on purpose, naming account,
//     verb, resource and namespace, and
//   - a grant no request of the run used (judged only after a full run: a filtered run exercises
//     too little to call a grant unused; the denial half still asserts).
// Only requests an account's own code made count: see isOwnRequest (test/audit/rbac-use.ts).
//
// Denials provoked on purpose, each handled narrowly:
//   - test/support/rbac.ts forbid (no-silent-failure, health): recorded with account, verb, resource,
//     namespace and time window in .local/expected-denials.jsonl; exactly those requests are excused.
//   - cluster-workloads ("a ServiceAccount with no Role is denied") asks as <test ns>:nobody, and
//     watch-scope as the user scope-test-user: neither is an operator account, so neither is read.
//   - api-rbac asks `kubectl auth can-i --as`: a SelfSubjectAccessReview about the account, made by
//     the admin through impersonation, never a request of the account's code.
//   - The chaos suite restarts kube-apiserver ("the API server restarts"): it serves before its RBAC
//     informers have synced and refuses the accounts' reconnecting lists and watches for a moment.
//     Reads refused within API_SERVER_STARTUP_MS of a "Serving securely" line of kube-apiserver.log
//     are excused (isStartupDenial); a write refused then is still reported.
//   - A 403 from a namespace being deleted (lib/k8s/record-event.ts) is admission, not RBAC: its
//     authorization decision is `allow`, so it is not a denial here.
//
// Run alone (`node --import tsx test/audit/rbac.test.ts`, outside run-tests) it judges the log from
// the start of the last full run to now, both halves: a manifest edit can be checked without a new
// full run.
import { execFileSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { parseAllDocuments } from 'yaml';
import { defaultConfig, REPO_ROOT } from '../../localcluster/config';
import {
  AUDIT_DIR,
  type AuditRequest,
  apiServerStarts,
  auditBegins,
  auditFiles,
  readAudit,
  readExpectedDenials,
} from '../support/audit';
import { OWNED_MARKER } from '../support/cluster';
import {
  type Allowance,
  deniedVerb,
  grantsOf,
  isExpectedDenial,
  isOwnRequest,
  isStartupDenial,
  missingGrants,
  type Permission,
  type Rule,
  unexpectedDenials,
  unusedGrants,
  useTable,
} from './rbac-use';

const SYSTEM_NS = 'gpss-operator-system';
const SA = (name: string) => `system:serviceaccount:${SYSTEM_NS}:${name}`;
const LAST_FULL_RUN = join(REPO_ROOT, '.local', 'audit', 'last-full-run.json');

/** Grants kept although no request uses them; each says why it can never appear as a request. */
const ALLOWANCES: Allowance[] = [
  {
    account: SA('gpss-reconcile'),
    permission: 'update gpssclusters.gpss.gpdb.io/finalizers',
    why:
      'owner references with blockOwnerDeletion on every child reconcile applies: the API server checks ' +
      'this as an authorization of the creator (OwnerReferencesPermissionEnforcement), not as a request',
  },
];

/**
 * Knative's ApiServerSource controller checks get, list and watch on each watched resource by
 * SubjectAccessReview before it deploys the adapter (runAccessCheck, knative.dev/eventing
 * pkg/reconciler/apiserversource), and marks the source not ready without them. The adapter itself
 * only watches (a streaming list; it falls back to list on an API server without one), so get and
 * list of what a source watches never show up as its requests.
 */
function sourceAllowances(granted: Map<string, Set<Permission>>): Allowance[] {
  const out: Allowance[] = [];
  for (const [account, perms] of granted) {
    if (!account.endsWith('-source')) continue;
    for (const p of perms) {
      if (!p.startsWith('watch ')) continue;
      const res = p.slice('watch '.length);
      for (const verb of ['get', 'list'])
        out.push({ account, permission: `${verb} ${res}`, why: 'the Knative controller checks it' });
    }
  }
  return out;
}

// biome-ignore lint/suspicious/noExplicitAny: RBAC objects read from YAML.
type Obj = Record<string, any>;

/** account -> permissions, from the bindings and roles among `objs` (RoleBindings of one namespace). */
function grantsByAccount(objs: Obj[], namespace?: string): Map<string, Set<Permission>> {
  const roles = new Map<string, Rule[]>();
  for (const o of objs)
    if (o.kind === 'ClusterRole' || (o.kind === 'Role' && o.metadata.namespace === namespace))
      roles.set(`${o.kind}/${o.metadata.name}`, o.rules ?? []);
  const out = new Map<string, Set<Permission>>();
  for (const b of objs) {
    if (b.kind !== 'ClusterRoleBinding' && !(b.kind === 'RoleBinding' && b.metadata.namespace === namespace))
      continue;
    const rules = roles.get(`${b.roleRef.kind}/${b.roleRef.name}`) ?? [];
    for (const s of b.subjects ?? []) {
      if (s.kind !== 'ServiceAccount') continue;
      const account = `system:serviceaccount:${s.namespace}:${s.name}`;
      const set = out.get(account) ?? new Set<Permission>();
      for (const p of grantsOf(rules)) set.add(p);
      out.set(account, set);
    }
  }
  return out;
}

const docs = (text: string): Obj[] =>
  parseAllDocuments(text)
    .map((d) => d.toJS() as Obj | null)
    .filter((o): o is Obj => o !== null);

function manifestObjects(): Obj[] {
  const dir = join(REPO_ROOT, 'manifests/rbac');
  return readdirSync(dir)
    .filter((f) => /\.ya?ml$/.test(f))
    .flatMap((f) => docs(readFileSync(join(dir, f), 'utf8')));
}

/** The chart rendered for a namespace-scoped install (watchNamespaces), as its RBAC objects. */
function chartObjects(namespaces: string[]): Obj[] {
  const helm = join(defaultConfig().binDir, 'helm');
  if (!existsSync(helm)) throw new Error(`no ${helm}: run \`bash localcluster/build.sh helm\``);
  const home = mkdtempSync(join(tmpdir(), 'gpss-audit-helm-'));
  try {
    const out = execFileSync(
      helm,
      [
        'template',
        'gpss',
        join(REPO_ROOT, 'charts/gpss-operator'),
        '--namespace',
        SYSTEM_NS,
        '--set',
        `watchNamespaces={${namespaces.join(',')}}`,
      ],
      {
        encoding: 'utf8',
        maxBuffer: 64 * 1024 * 1024,
        env: {
          PATH: process.env.PATH,
          HELM_CACHE_HOME: join(home, 'cache'),
          HELM_CONFIG_HOME: join(home, 'config'),
          HELM_DATA_HOME: join(home, 'data'),
        },
      },
    );
    return docs(out).filter((o) => /^(Cluster)?Role(Binding)?$/.test(o.kind));
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
}

interface Window {
  since: number;
  /** Whether every cluster suite ran, so an unused grant means no code uses it. */
  full: boolean;
  what: string;
}

function window(): Window {
  const run = process.env.GPSS_TEST_RUN;
  if (run) {
    const start = process.env.GPSS_TEST_RUN_START;
    if (!start) throw new Error('GPSS_TEST_RUN_START is not set: run through scripts/run-tests.ts');
    const full = process.env.GPSS_TEST_RUN_FULL === '1';
    if (full) {
      mkdirSync(dirname(LAST_FULL_RUN), { recursive: true });
      writeFileSync(LAST_FULL_RUN, `${JSON.stringify({ run, start })}\n`);
    }
    return { since: Date.parse(start), full, what: `run ${run} (since ${start})` };
  }
  if (!existsSync(LAST_FULL_RUN))
    throw new Error(`no ${LAST_FULL_RUN}: run the full suite once (scripts/run-tests.ts)`);
  const last = JSON.parse(readFileSync(LAST_FULL_RUN, 'utf8')) as { run: string; start: string };
  return {
    since: Date.parse(last.start),
    full: true,
    what: `the log since full run ${last.run} (${last.start})`,
  };
}

interface Ctx {
  w: Window;
  requests: AuditRequest[];
  used: Map<string, Set<Permission>>;
  manifests: Map<string, Set<Permission>>;
  failed?: unknown;
}

const test = suite<Ctx>('RBAC equals use (audit log)', {} as Ctx);

// uvu reports a failing before hook as 0 passed with no message: the error goes to the tests instead.
test.before(async (ctx) => {
  try {
    await load(ctx);
  } catch (err) {
    ctx.failed = err;
  }
});

async function load(ctx: Ctx): Promise<void> {
  ctx.w = window();
  ctx.manifests = grantsByAccount(manifestObjects());
  const files = auditFiles();
  const begins = await auditBegins(files);
  if (begins === undefined) throw new Error(`no audit log under ${AUDIT_DIR}`);
  // The log must reach back to the run's first request. A cluster this run started (CI) logs from its
  // own start, which the marker's time bounds; otherwise the log must begin before the run. Later
  // than that, the cluster was restarted (`up` empties the log directory): the run's first requests
  // are gone and an unused grant may only look unused.
  const startedHere =
    existsSync(OWNED_MARKER) && readFileSync(OWNED_MARKER, 'utf8').trim() === process.env.GPSS_TEST_RUN;
  const complete = startedHere ? begins <= statSync(OWNED_MARKER).mtimeMs : begins <= ctx.w.since;
  if (!complete && ctx.w.full) {
    ctx.w.full = false;
    console.log(
      `  audit: the log begins at ${new Date(begins).toISOString()}, after the run or its cluster started (the cluster was restarted): judging denials only`,
    );
  }
  try {
    ctx.requests = await readAudit(
      ctx.w.since,
      (r) => r.user.startsWith(`system:serviceaccount:${SYSTEM_NS}:`) && isOwnRequest(r),
      files,
    );
  } catch (err) {
    // `up` empties the log directory: a cluster restarted while the log is read takes it away.
    throw new Error(`reading the audit log failed (was the cluster restarted meanwhile?): ${err}`, {
      cause: err,
    });
  }
  ctx.used = useTable(ctx.requests);
  console.log(`  audit: ${ctx.requests.length} requests by operator accounts in ${ctx.w.what}`);
  console.log(`  audit: read ${files.map((f) => f.replace(`${REPO_ROOT}/`, '')).join(', ')}`);
  for (const [account, perms] of [...ctx.used].sort())
    console.log(
      `  used by ${account.replace(`system:serviceaccount:${SYSTEM_NS}:`, '')}: ${[...perms].sort().join(', ')}`,
    );
}

test.before.each((ctx) => {
  if (ctx.failed) throw ctx.failed;
});

test('no operator account was denied a request, except where a test forbade it on purpose', (ctx) => {
  const expected = readExpectedDenials();
  const open = expected.filter((d) => !d.to && Date.parse(d.from) >= ctx.w.since);
  for (const d of open)
    console.log(`  note: forbid of ${d.verb} ${d.resource} for ${d.account} at ${d.from} was never restored`);
  const starts = apiServerStarts(new Date(ctx.w.since).getUTCFullYear());
  const now = Date.now();
  const refused = ctx.requests.flatMap((r) => {
    const verb = deniedVerb(r);
    return verb ? [{ r, verb }] : [];
  });
  const forbade = refused.filter(({ r, verb }) => isExpectedDenial(r, verb, expected, now)).length;
  const startup = refused.filter(({ r, verb }) => isStartupDenial(r, verb, starts)).length;
  console.log(
    `  audit: ${refused.length} refused requests; ${forbade} provoked by forbid(), ${startup} reads during an API server start`,
  );
  assert.equal(unexpectedDenials(ctx.requests, expected, now, starts), []);
});

test('every account made requests in this run (the log is the right one)', (ctx) => {
  // Without this, a wrong window or log path would make the denial half pass on no data.
  // Only after a full run: a filtered one may not start the operator at all.
  if (!ctx.w.full) return;
  const silent = [...ctx.manifests.keys()].filter((a) => !ctx.used.has(a));
  assert.equal(silent, [], 'accounts with no request at all');
});

test('every grant of manifests/rbac is used (full run only)', (ctx) => {
  if (!ctx.w.full) {
    console.log(
      '  audit: the unused-grant check needs the full run (integration, e2e and chaos, unfiltered)',
    );
    return;
  }
  const allow = [...ALLOWANCES, ...sourceAllowances(ctx.manifests)];
  assert.equal(unusedGrants(ctx.manifests, ctx.used, allow, 'manifests/rbac'), []);
});

// The chart's namespace-scoped install (watchNamespaces) is rendered and dry-run in
// test/integration/ship-chart.test.ts but never runs the functions, so its accounts have no use of
// their own in the log. Its accounts are the same ServiceAccounts (same names, release namespace
// gpss-operator-system), so its rules are checked against the use table of the plain install: each
// Role (one watched namespace) plus the nodes-only ClusterRole must grant exactly what was used.
test("the chart's namespace-scoped RBAC grants what was used (and, after a full run, nothing more)", (ctx) => {
  const chart = grantsByAccount(chartObjects(['audit-ns-a', 'audit-ns-b']), 'audit-ns-a');
  assert.equal([...chart.keys()].sort(), [...ctx.manifests.keys()].sort(), 'the same accounts');
  const where = 'the chart with watchNamespaces';
  assert.equal(missingGrants(chart, ctx.used, where), []);
  const allow = [...ALLOWANCES, ...sourceAllowances(chart)];
  if (ctx.w.full) assert.equal(unusedGrants(chart, ctx.used, allow, where), []);
});

test.run();
