// Least privilege seen from outside, by the API server's own authorizer: the limits that hold whatever
// the code does (nobody reads Secrets, an event source writes nothing, a function never watches, the
// spec is the user's, nobody can widen its own rights). That each grant is used, and nothing more is
// granted, is proven from the audit log of the whole test run (test/audit/rbac.test.ts), so this file
// does not copy the manifests' allow-lists.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { parseAllDocuments } from 'yaml';
import { type SharedCluster, sharedCluster } from '../support/cluster';

const ROOT = new URL('../..', import.meta.url).pathname;
const RBAC_DIR = join(ROOT, 'manifests/rbac');
const SYSTEM_NS = 'gpss-operator-system';
// Any tenant namespace: the grants are cluster-wide because GpssClusters live anywhere.
const TENANT_NS = 'gpss-tenant-rbac-check';

const GPSS = 'gpssclusters.gpss.gpdb.io';
const STATUS = 'gpssclusters.gpss.gpdb.io/status';

/** `verb resource[/subresource]`, resource as kubectl auth can-i takes it (plural.group). */
type Check = string;

const FUNCTIONS = ['gpss-reconcile', 'gpss-finalize', 'gpss-health'];
const SOURCES = ['gpss-reconcile-source', 'gpss-finalize-source', 'gpss-health-source'];
const ACCOUNTS = [...FUNCTIONS, ...SOURCES];

const WRITES = ['create', 'update', 'patch', 'delete', 'deletecollection'];
/** What the operator's accounts touch at all: the CR, its children, and what is read around them. */
const TOUCHED = [
  GPSS,
  STATUS,
  'pods',
  'services',
  'configmaps',
  'statefulsets.apps',
  'poddisruptionbudgets.policy',
  'events',
  'events.events.k8s.io',
];
const SECRETS: Check[] = ['get secrets', 'list secrets', 'watch secrets'];
const each = (verbs: string[], resources: string[]): Check[] =>
  verbs.flatMap((v) => resources.map((r) => `${v} ${r}`));

async function canI(c: SharedCluster, sa: string, check: Check): Promise<boolean> {
  const [verb, resource] = check.split(' ');
  const [res, sub] = resource.split('/');
  const args = ['auth', 'can-i', verb, res, `--as=system:serviceaccount:${SYSTEM_NS}:${sa}`];
  // Nodes are cluster-scoped: asking in a namespace would not prove the cluster-wide grant.
  if (res !== 'nodes') args.push('-n', TENANT_NS);
  if (sub) args.push(`--subresource=${sub}`);
  const r = await c.kubectl(args);
  const answer = r.stdout.trim();
  if (!/^(yes|no)\b/.test(answer)) throw new Error(`kubectl ${args.join(' ')}: (${r.code}) ${r.stderr}`);
  return answer.startsWith('yes');
}

async function serially<T>(items: string[], f: (x: string) => Promise<T[]>): Promise<T[]> {
  const out: T[] = [];
  for (const x of items) out.push(...(await f(x)));
  return out;
}

/** Every check the account is allowed although it should not be, as readable lines. */
async function allowedOf(c: SharedCluster, sa: string, denied: Check[]): Promise<string[]> {
  // A few kubectl processes at a time: hundreds at once would starve a small machine.
  const answers: boolean[] = [];
  for (let i = 0; i < denied.length; i += 8)
    answers.push(...(await Promise.all(denied.slice(i, i + 8).map((x) => canI(c, sa, x)))));
  return denied.filter((_, i) => answers[i]).map((x) => `${sa} should NOT be able to ${x}`);
}

const files = suite('RBAC manifests');

files('no rule grants wildcards or anything on Secrets', () => {
  const bad: string[] = [];
  for (const name of readdirSync(RBAC_DIR)) {
    for (const doc of parseAllDocuments(readFileSync(join(RBAC_DIR, name), 'utf8'))) {
      const o = doc.toJS() as {
        kind: string;
        metadata: { name: string };
        rules?: Record<string, string[]>[];
      };
      for (const rule of o.rules ?? []) {
        const words = [...(rule.apiGroups ?? []), ...(rule.resources ?? []), ...(rule.verbs ?? [])];
        if (words.includes('*') || (rule.resources ?? []).some((r) => r.startsWith('secrets')))
          bad.push(`${name}: ${o.kind} ${o.metadata.name} ${JSON.stringify(rule)}`);
      }
    }
  }
  assert.equal(bad, []);
});

files.run();

const rbac = suite<{ c: SharedCluster }>('RBAC on the API server');

rbac.before(async (ctx) => {
  ctx.c = await sharedCluster();
  const apply = async (path: string) => {
    const r = await ctx.c.kubectl([
      'apply',
      '--server-side',
      '--force-conflicts',
      '--field-manager=gpss-api-test',
      '-f',
      path,
    ]);
    if (r.code !== 0) throw new Error(`applying ${path}: ${r.stderr}`);
  };
  await apply(join(ROOT, 'manifests/namespace.yaml'));
  // The CRD makes gpssclusters resolvable for can-i; RBAC itself does not need it.
  await apply(join(ROOT, 'manifests/crd/gpssclusters.gpss.gpdb.io.yaml'));
  await apply(RBAC_DIR);
});

// What each account may do is proven equal to what its code does by the audit of the whole test run
// (test/audit/rbac.test.ts); these are the limits that hold whatever the code does.

rbac('no function or source can read Secrets', async ({ c }) => {
  const found = await serially(ACCOUNTS, (sa) => allowedOf(c, sa, SECRETS));
  assert.equal(found, []);
});

rbac('an event source can only read: it writes nothing the operator touches', async ({ c }) => {
  const found = await serially(SOURCES, (sa) => allowedOf(c, sa, each(WRITES, TOUCHED)));
  assert.equal(found, []);
});

rbac('no function watches: a function has no informer and re-reads on each event', async ({ c }) => {
  const found = await serially(FUNCTIONS, (sa) => allowedOf(c, sa, each(['watch'], TOUCHED)));
  assert.equal(found, []);
});

rbac("the spec is the user's: no account creates, updates or deletes a GpssCluster", async ({ c }) => {
  const checks = each(['create', 'update', 'delete', 'deletecollection'], [GPSS]);
  const found = await serially(ACCOUNTS, (sa) => allowedOf(c, sa, checks));
  assert.equal(found, []);
});

rbac('no account can grant itself more: RBAC, tokens, impersonation, exec', async ({ c }) => {
  const checks = [
    ...each(['create', 'update', 'patch', 'bind', 'escalate'], ['roles.rbac.authorization.k8s.io']),
    ...each(['create', 'update', 'patch'], ['clusterroles.rbac.authorization.k8s.io']),
    ...each(['create', 'update', 'patch'], ['rolebindings.rbac.authorization.k8s.io']),
    ...each(['create', 'update', 'patch'], ['clusterrolebindings.rbac.authorization.k8s.io']),
    'create serviceaccounts',
    'create serviceaccounts/token',
    'impersonate users',
    'impersonate serviceaccounts',
    'create pods', // the StatefulSet controller makes instance pods, under its own account
    'create pods/exec',
    'patch nodes',
  ];
  const found = await serially(ACCOUNTS, (sa) => allowedOf(c, sa, checks));
  assert.equal(found, []);
});

rbac(
  'health never changes what reconcile owns: StatefulSets, Services, the instance config',
  async ({ c }) => {
    const checks = each(WRITES, [
      'statefulsets.apps',
      'services',
      'configmaps',
      'poddisruptionbudgets.policy',
    ]);
    assert.equal(await allowedOf(c, 'gpss-health', checks), []);
  },
);

rbac('the grants reach every namespace, the system one included', async ({ c }) => {
  for (const ns of ['default', SYSTEM_NS, 'kube-system']) {
    const r = await c.kubectl([
      'auth',
      'can-i',
      'list',
      'pods',
      '-n',
      ns,
      `--as=system:serviceaccount:${SYSTEM_NS}:gpss-health`,
    ]);
    assert.is(r.stdout.trim(), 'yes', `gpss-health list pods in ${ns}`);
  }
});

rbac.run();
