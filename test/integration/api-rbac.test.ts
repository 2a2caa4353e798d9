// Least privilege, proven by the API server's own authorizer: each function's ServiceAccount can do
// what its concern needs and is denied what it does not; each event source can only read what it
// watches; nobody can read Secrets.
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

interface Account {
  sa: string;
  allowed: Check[];
  denied: Check[];
}

const READ = (r: string): Check[] => ['get', 'list'].map((v) => `${v} ${r}`);
const WRITE = (r: string): Check[] => ['create', 'patch', 'update', 'delete'].map((v) => `${v} ${r}`);
const WATCH = (r: string): Check[] => ['get', 'list', 'watch'].map((v) => `${v} ${r}`);
const EVENTS: Check[] = [
  'create events',
  'patch events',
  'create events.events.k8s.io',
  'patch events.events.k8s.io',
];

const FUNCTIONS: Account[] = [
  {
    sa: 'gpss-reconcile',
    allowed: [
      ...READ(GPSS),
      `patch ${GPSS}`,
      `get ${STATUS}`,
      `patch ${STATUS}`,
      `update ${STATUS}`,
      ...READ('statefulsets.apps'),
      ...WRITE('statefulsets.apps'),
      ...READ('services'),
      ...WRITE('services'),
      ...READ('configmaps'),
      ...WRITE('configmaps'),
      ...READ('poddisruptionbudgets.policy'),
      ...WRITE('poddisruptionbudgets.policy'),
      ...READ('pods'),
      'delete pods', // restart of an instance whose advertised address changed
      'update gpssclusters.gpss.gpdb.io/finalizers', // blockOwnerDeletion on owner references
      ...READ('nodes'),
      ...EVENTS,
    ],
    denied: [
      `update ${GPSS}`, // the spec is the user's; finalizers are finalize's
      `delete ${GPSS}`,
      `create ${GPSS}`,
      'create pods',
      'patch pods', // instance finalizers are finalize's
      'patch nodes',
      'watch pods', // no informer in a function
      'create serviceaccounts',
      'create roles.rbac.authorization.k8s.io',
    ],
  },
  {
    sa: 'gpss-finalize',
    allowed: [
      ...READ(GPSS),
      `patch ${GPSS}`,
      `patch ${STATUS}`,
      'get statefulsets.apps',
      'patch statefulsets.apps',
      'list pods',
      'patch pods',
      'delete pods', // force-delete at an expired deletion time box (a lost node)
      'list services',
      'delete services',
      ...EVENTS,
    ],
    denied: [
      `delete ${GPSS}`,
      `update ${GPSS}`, // finalizers change through guarded JSON patches
      `create ${GPSS}`,
      'create statefulsets.apps',
      'update statefulsets.apps',
      'delete statefulsets.apps',
      'create services',
      'patch services',
      'create pods',
      'update pods',
      'watch pods',
      'get configmaps',
      'list nodes',
    ],
  },
  {
    sa: 'gpss-health',
    allowed: [
      ...READ(GPSS),
      `get ${STATUS}`,
      `patch ${STATUS}`,
      `update ${STATUS}`,
      ...READ('pods'),
      'delete pods', // failover of an instance stuck on a lost node
      ...READ('services'),
      ...READ('statefulsets.apps'),
      ...READ('nodes'),
      'get configmaps', // the address each instance advertises, reconcile's restart marks
      ...EVENTS,
    ],
    denied: [
      'patch statefulsets.apps', // rolling and sizing are reconcile's
      'update statefulsets.apps',
      'delete statefulsets.apps',
      `patch ${GPSS}`,
      `update ${GPSS}`,
      'delete services',
      'create pods',
      'patch pods',
      'patch nodes',
      'patch configmaps', // the instance config is reconcile's
      'list configmaps',
      'get poddisruptionbudgets.policy',
      'watch pods', // no informer in a function
    ],
  },
];

const SOURCES: Account[] = [
  {
    sa: 'gpss-reconcile-source',
    allowed: [...WATCH(GPSS), ...WATCH('services'), ...WATCH('statefulsets.apps')],
    denied: ['watch pods', `patch ${GPSS}`, 'create services', 'delete statefulsets.apps', 'create events'],
  },
  {
    sa: 'gpss-finalize-source',
    allowed: [...WATCH(GPSS), ...WATCH('pods')],
    denied: ['watch services', 'watch statefulsets.apps', 'patch pods', `update ${GPSS}`],
  },
  {
    sa: 'gpss-health-source',
    allowed: [...WATCH(GPSS), ...WATCH('pods'), ...WATCH('statefulsets.apps')],
    denied: [`patch ${STATUS}`, 'watch services', 'delete pods', 'patch statefulsets.apps'],
  },
];

const SECRETS: Check[] = ['get secrets', 'list secrets', 'watch secrets'];

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

/** Every check whose answer differs from the expectation, as readable lines. */
async function mismatches(
  c: SharedCluster,
  sa: string,
  allowed: Check[],
  denied: Check[],
): Promise<string[]> {
  const checks = [...allowed.map((x) => [x, true] as const), ...denied.map((x) => [x, false] as const)];
  const answers = await Promise.all(checks.map(([x]) => canI(c, sa, x)));
  return checks
    .filter(([, want], i) => answers[i] !== want)
    .map(([x, want]) => `${sa} should ${want ? '' : 'NOT '}be able to ${x}`);
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

for (const fn of FUNCTIONS) {
  rbac(`${fn.sa} can do what its concern needs and nothing it does not`, async ({ c }) => {
    assert.equal(await mismatches(c, fn.sa, fn.allowed, fn.denied), []);
  });
}

for (const src of SOURCES) {
  rbac(`${src.sa} can only read and watch what its ApiServerSource watches`, async ({ c }) => {
    assert.equal(await mismatches(c, src.sa, src.allowed, src.denied), []);
  });
}

rbac('no function or source can read Secrets', async ({ c }) => {
  const all = [...FUNCTIONS, ...SOURCES];
  const found = await Promise.all(all.map((a) => mismatches(c, a.sa, [], SECRETS)));
  assert.equal(found.flat(), []);
});

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
