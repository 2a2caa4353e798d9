// The Helm chart (charts/gpss-operator), with the helm built from localcluster/tools/helm: lint, the
// values that matter reaching the rendered objects, no drift from the plain manifests (the chart with
// default values must describe exactly the objects of manifests/ and eventing/), and the rendered
// output accepted by the embedded API server (server-side dry-run, strict field validation) in both
// scopes.
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { parseAllDocuments } from 'yaml';
import { staleCopies } from '../../build/sync-chart';
import type { RunResult } from '../../localcluster/kubectl';
import { deleteNamespace, freshNamespace, type SharedCluster, sharedCluster } from '../support/cluster';
import { installOperator, OPERATOR_NAMESPACE } from '../support/operator';

const ROOT = new URL('../..', import.meta.url).pathname.replace(/\/$/, '');
const CHART = join(ROOT, 'charts/gpss-operator');
const FUNCTIONS = ['reconcile', 'finalize', 'health'];
// What the chart renders; manifests/namespace.yaml (the release namespace belongs to whoever runs
// `helm install --create-namespace` or creates it with its labels first) and samples/ are not.
const PLAIN_DIRS = ['manifests/crd', 'manifests/rbac', 'manifests/functions', 'eventing'];
// Labels and annotations only Helm adds; everything else must match the plain manifests.
const HELM_LABELS = [
  'helm.sh/chart',
  'app.kubernetes.io/managed-by',
  'app.kubernetes.io/instance',
  'app.kubernetes.io/version',
];
const HELM_ANNOTATIONS = ['helm.sh/resource-policy'];

// biome-ignore lint/suspicious/noExplicitAny: rendered Kubernetes objects of every kind.
type Obj = Record<string, any>;

interface Ctx {
  c: SharedCluster;
  home: string;
}

const test = suite<Ctx>('Helm chart', {} as Ctx);

test.before(async (ctx) => {
  ctx.c = await sharedCluster();
  // helm keeps caches and config under $HOME by default; a test must not touch the user's.
  ctx.home = mkdtempSync(join(tmpdir(), 'gpss-ship-helm-'));
  if (!existsSync(join(ctx.c.binDir, 'helm')))
    throw new Error(`no ${join(ctx.c.binDir, 'helm')}: run \`bash localcluster/build.sh helm\``);
});

test.after((ctx) => {
  if (ctx.home) rmSync(ctx.home, { recursive: true, force: true });
});

function helm(ctx: Ctx, args: string[]): Promise<RunResult> {
  return new Promise((resolve) => {
    execFile(
      join(ctx.c.binDir, 'helm'),
      args,
      {
        maxBuffer: 64 * 1024 * 1024,
        env: {
          PATH: process.env.PATH,
          HELM_CACHE_HOME: join(ctx.home, 'cache'),
          HELM_CONFIG_HOME: join(ctx.home, 'config'),
          HELM_DATA_HOME: join(ctx.home, 'data'),
        },
      },
      (err, stdout, stderr) =>
        resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr }),
    );
  });
}

/** `helm template` with --set pairs; fails the test with helm's message on error. */
async function render(ctx: Ctx, set: string[] = [], namespace = OPERATOR_NAMESPACE): Promise<string> {
  const r = await helm(ctx, [
    'template',
    'gpss',
    CHART,
    '--namespace',
    namespace,
    ...set.flatMap((s) => ['--set', s]),
  ]);
  if (r.code !== 0) throw new Error(`helm template ${set.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

function docs(text: string): Obj[] {
  return parseAllDocuments(text)
    .map((d) => d.toJS() as Obj | null)
    .filter((o): o is Obj => o !== null);
}

const key = (o: Obj) => `${o.kind}/${o.metadata.namespace ?? '-'}/${o.metadata.name}`;

function byKey(objs: Obj[]): Map<string, Obj> {
  return new Map(objs.map((o) => [key(o), o]));
}

function withoutHelmMetadata(o: Obj): Obj {
  const copy = structuredClone(o);
  for (const field of ['labels', 'annotations'] as const) {
    const drop = field === 'labels' ? HELM_LABELS : HELM_ANNOTATIONS;
    const m = copy.metadata[field];
    if (!m) continue;
    for (const k of drop) delete m[k];
    if (Object.keys(m).length === 0) delete copy.metadata[field];
  }
  return copy;
}

function plainObjects(): Obj[] {
  return PLAIN_DIRS.flatMap((d) =>
    readdirSync(join(ROOT, d))
      .filter((f) => /\.ya?ml$/.test(f))
      .flatMap((f) => docs(readFileSync(join(ROOT, d, f), 'utf8'))),
  );
}

/** Server-side dry-run with strict field validation; returns the failure text or ''. */
async function dryRun(c: SharedCluster, yaml: string): Promise<string> {
  const r = await c.kubectl(['apply', '--dry-run=server', '--validate=strict', '-f', '-'], { input: yaml });
  if (r.code !== 0 || /unknown field|duplicate field/i.test(r.stderr)) return r.stderr.trim() || r.stdout;
  return '';
}

/** group/resource verb triples a list of RBAC rules grants. */
function grants(rules: Obj[]): string[] {
  const out = new Set<string>();
  for (const r of rules)
    for (const g of r.apiGroups)
      for (const res of r.resources) for (const v of r.verbs) out.add(`${g}/${res} ${v}`);
  return [...out].sort();
}

// ---------------------------------------------------------------------------------------------

test('helm lint --strict is clean, with default values and with namespace scope', async (ctx) => {
  for (const set of [
    [],
    ['watchNamespaces={team-a,team-b}', 'image.pullPolicy=Never', 'image.pullSecret=regcred'],
  ]) {
    const r = await helm(ctx, ['lint', '--strict', CHART, ...set.flatMap((s) => ['--set', s])]);
    assert.is(r.code, 0, `${set.join(' ')}: ${r.stdout}${r.stderr}`);
    // Lint renders in a lenient mode where a template's `fail` is only logged: look for it too.
    assert.not.match(`${r.stdout}${r.stderr}`, /\[(WARNING|ERROR)\]|Fail:/, `${r.stdout}${r.stderr}`);
  }
});

test('with default values the chart renders exactly the objects of manifests/ and eventing/', async (ctx) => {
  const chart = byKey(docs(await render(ctx)).map(withoutHelmMetadata));
  const plain = byKey(plainObjects());
  const onlyPlain = [...plain.keys()].filter((k) => !chart.has(k));
  const onlyChart = [...chart.keys()].filter((k) => !plain.has(k));
  assert.equal({ onlyPlain, onlyChart }, { onlyPlain: [], onlyChart: [] }, 'the same set of objects');
  const differ = [...plain.keys()].filter((k) => !isDeepStrictEqual(plain.get(k), chart.get(k)));
  for (const k of differ) {
    // uvu shows one diff per assertion: the first drifted object, in full.
    assert.equal(
      chart.get(k),
      plain.get(k),
      `${k} differs between the chart (actual) and the plain manifests`,
    );
  }
  assert.ok(plain.size >= 28, `expected the whole operator, found ${plain.size} objects`);
});

test('the files the chart renders from are current copies of manifests/ and eventing/', () => {
  const stale = staleCopies();
  assert.equal(stale, [], 'stale chart files: run `npx tsx build/sync-chart.ts`');
  assert.ok(existsSync(join(CHART, 'files/crds/gpssclusters.gpss.gpdb.io.yaml')));
});

test('the default render passes server-side dry-run with strict validation', async (ctx) => {
  // The release namespace must exist for a dry-run of its objects; installOperator also makes sure
  // the CRD is established (other suites apply the same manifests).
  await installOperator(ctx.c);
  assert.is(await dryRun(ctx.c, await render(ctx)), '');
});

test('namespace scope: Roles in each watched namespace plus a nodes-only ClusterRole grant what the ClusterRoles grant', async (ctx) => {
  await installOperator(ctx.c);
  const nsA = await freshNamespace('ship-scope-a');
  const nsB = await freshNamespace('ship-scope-b');
  try {
    const yaml = await render(ctx, [`watchNamespaces={${nsA},${nsB}}`]);
    assert.is(await dryRun(ctx.c, yaml), '');

    const scoped = docs(yaml);
    const wide = docs(await render(ctx));
    const kinds = (objs: Obj[], kind: string) => objs.filter((o) => o.kind === kind);
    // No cluster-wide grant but nodes (a Role cannot grant a cluster-scoped resource).
    for (const cr of kinds(scoped, 'ClusterRole'))
      assert.equal(
        grants(cr.rules).filter((g) => !g.startsWith('/nodes ')),
        [],
        cr.metadata.name,
      );
    for (const cr of kinds(wide, 'ClusterRole')) {
      const name = cr.metadata.name as string;
      for (const ns of [nsA, nsB]) {
        const role = kinds(scoped, 'Role').find(
          (r) => r.metadata.name === name && r.metadata.namespace === ns,
        );
        assert.ok(role, `Role ${ns}/${name}`);
        const nodes = kinds(scoped, 'ClusterRole').find((r) => r.metadata.name === `${name}-nodes`);
        assert.equal(grants([...role!.rules, ...(nodes?.rules ?? [])]), grants(cr.rules), `${ns}/${name}`);
        const binding = kinds(scoped, 'RoleBinding').find(
          (b) => b.metadata.name === name && b.metadata.namespace === ns,
        );
        assert.equal(binding?.subjects, [{ kind: 'ServiceAccount', name, namespace: OPERATOR_NAMESPACE }]);
      }
    }
    for (const src of kinds(scoped, 'ApiServerSource')) {
      assert.equal(src.spec.namespaceSelector, {
        matchExpressions: [{ key: 'kubernetes.io/metadata.name', operator: 'In', values: [nsA, nsB] }],
      });
    }
    for (const ksvc of kinds(scoped, 'Service')) {
      const env = ksvc.spec.template.spec.containers[0].env as Obj[];
      assert.equal(
        env.find((e) => e.name === 'WATCH_NAMESPACES'),
        { name: 'WATCH_NAMESPACES', value: `${nsA},${nsB}` },
      );
    }
  } finally {
    await deleteNamespace(nsA);
    await deleteNamespace(nsB);
  }
});

test('image, pull policy and pull secret reach every Knative Service', async (ctx) => {
  const objs = docs(
    await render(ctx, [
      'image.registry=registry.example.com:5000/',
      'image.repository=team/gpss-operator',
      'image.tag=1.2.3',
      'image.pullPolicy=Never',
      'image.pullSecret=gpss-registry',
      'functions.health.image=mirror.example.com/health@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef',
    ]),
  );
  const ksvcs = objs.filter((o) => o.kind === 'Service' && o.apiVersion === 'serving.knative.dev/v1');
  assert.equal(ksvcs.map((o) => o.metadata.name).sort(), FUNCTIONS.map((f) => `gpss-${f}`).sort());
  for (const ksvc of ksvcs) {
    const fn = ksvc.metadata.name.replace(/^gpss-/, '');
    const spec = ksvc.spec.template.spec;
    const image =
      fn === 'health'
        ? 'mirror.example.com/health@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef'
        : `registry.example.com:5000/team/gpss-operator/${fn}:1.2.3`;
    assert.is(spec.containers[0].image, image);
    assert.is(spec.containers[0].imagePullPolicy, 'Never');
    assert.equal(spec.imagePullSecrets, [{ name: 'gpss-registry' }]);
  }
});

test('scale, log level and resync schedule reach the services and the PingSources', async (ctx) => {
  const objs = docs(
    await render(ctx, [
      'logLevel=debug',
      'functions.finalize.logLevel=warn',
      'functions.reconcile.minScale=1',
      'functions.reconcile.maxScale=5',
      'functions.health.resync=*/2 * * * *',
    ]),
  );
  const ksvc = (fn: string) => objs.find((o) => o.kind === 'Service' && o.metadata.name === `gpss-${fn}`)!;
  const ann = ksvc('reconcile').spec.template.metadata.annotations;
  assert.is(ann['autoscaling.knative.dev/min-scale'], '1');
  assert.is(ann['autoscaling.knative.dev/max-scale'], '5');
  const level = (fn: string) =>
    (ksvc(fn).spec.template.spec.containers[0].env as Obj[]).find((e) => e.name === 'LOG_LEVEL')?.value;
  assert.equal(FUNCTIONS.map(level), ['debug', 'warn', 'debug']);
  const ping = objs.find((o) => o.kind === 'PingSource' && o.metadata.name === 'gpss-health-resync')!;
  assert.is(ping.spec.schedule, '*/2 * * * *');
});

test('the CRD upgrades with the release and outlives it; both can be turned off', async (ctx) => {
  const crd = (objs: Obj[]) => objs.find((o) => o.kind === 'CustomResourceDefinition');
  const annotations = crd(docs(await render(ctx)))?.metadata.annotations;
  assert.equal(annotations, { 'helm.sh/resource-policy': 'keep' });
  assert.is(crd(docs(await render(ctx, ['crds.install=false']))), undefined);
  assert.is(crd(docs(await render(ctx, ['crds.keep=false'])))?.metadata.annotations, undefined);
});

test('a disabled function leaves no objects behind; bad values are refused by the schema', async (ctx) => {
  const objs = docs(await render(ctx, ['functions.health.enabled=false']));
  assert.equal(objs.filter((o) => o.metadata.name.startsWith('gpss-health')).map(key), []);
  for (const bad of [
    'image.pullPolicy=Sometimes',
    'logLevel=verbose',
    'functions.reconcile.resync=hourly',
    'imagePullPolicy=Never',
  ]) {
    const r = await helm(ctx, ['template', 'gpss', CHART, '--set', bad]);
    assert.is.not(r.code, 0, `${bad} was accepted`);
    assert.match(r.stderr, /schema/, bad);
  }
});

test.run();
