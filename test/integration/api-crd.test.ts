// The GpssCluster API as the API server serves it: the CRD's schema, defaults, CEL rules, scale
// subresource, printer columns and explain text, and server-side validation of every manifest we ship.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { parseAllDocuments } from 'yaml';
import { API_VERSION, DEFAULTS, type GpssCluster, KIND, SPEC_LIMITS } from '../../lib/api/types';
import { validateSpec } from '../../lib/api/validate-config';
import {
  deleteNamespace,
  freshNamespace,
  type SharedCluster,
  sharedCluster,
  waitFor,
} from '../support/cluster';

const ROOT = new URL('../..', import.meta.url).pathname;
const CRD_FILE = join(ROOT, 'manifests/crd/gpssclusters.gpss.gpdb.io.yaml');
const CRD_NAME = 'gpssclusters.gpss.gpdb.io';
const SEED_NS = 'gpss-workspace-test';

// The seed manifest exactly as users of the original operator have it (issue 3).
const SEED = `apiVersion: gpss.gpdb.io/v1
kind: GpssCluster
metadata: {name: gpfdist, namespace: gpss-workspace-test}
spec:
  size: 3
  image: us-west1-docker.pkg.dev/data-gpdb-dev2/gpss-test-images/gpss:test
  service: {gpss: NodePort, gpfdist: NodePort}
  resources: {limits: {cpu: "8", memory: 32Gi}, requests: {cpu: "1", memory: 1Gi}}
  pull_policy: Always
  pull_secret: gpss-docker-key
  gpss_config: |
    {"ListenAddress": {"Host": "", "Port": 5000}, "Gpfdist": {"Host": "", "Port": 8090},
     "Cluster": {"Id": "gpfdist", "Port": 5001, "Etcd": {"Endpoints": ["etcd:2379"]}}}
`;

const CONFIG = JSON.stringify({
  ListenAddress: { Host: '', Port: 5000 },
  Gpfdist: { Host: '', Port: 8090 },
  Cluster: { Id: 'c1', Port: 5001, Etcd: { Endpoints: ['etcd:2379'] } },
});

// biome-ignore lint/suspicious/noExplicitAny: fixtures are broken on purpose, one field at a time.
type Obj = Record<string, any>;

function gpss(name: string, ns: string, spec: Obj = {}): Obj {
  return {
    apiVersion: API_VERSION,
    kind: KIND,
    metadata: { name, namespace: ns },
    spec: { image: 'registry.example.com/gpss:test', gpss_config: CONFIG, ...spec },
  };
}

async function ok(c: SharedCluster, args: string[], input?: string): Promise<string> {
  const r = await c.kubectl(args, input === undefined ? {} : { input });
  if (r.code !== 0) throw new Error(`kubectl ${args.join(' ')} failed (${r.code}): ${r.stderr}`);
  return r.stdout;
}

async function getCr(c: SharedCluster, ns: string, name: string): Promise<GpssCluster> {
  return JSON.parse(await ok(c, ['get', 'gpsscluster', name, '-n', ns, '-o', 'json'])) as GpssCluster;
}

/** Applies the CRD (idempotent for other suites doing the same) and waits until it serves. */
async function installCrd(c: SharedCluster): Promise<void> {
  await ok(c, [
    'apply',
    '--server-side',
    '--force-conflicts',
    '--field-manager=gpss-api-test',
    '-f',
    CRD_FILE,
  ]);
  await ok(c, ['wait', '--for=condition=Established', '--timeout=30s', `crd/${CRD_NAME}`]);
}

async function ensureNamespace(c: SharedCluster, ns: string): Promise<boolean> {
  const r = await c.kubectl(['create', 'namespace', ns]);
  if (r.code === 0) return true;
  if (/AlreadyExists/.test(r.stderr)) return false;
  throw new Error(`creating namespace ${ns}: ${r.stderr}`);
}

function yamlFiles(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) yamlFiles(p, out);
    else if (/\.ya?ml$/.test(name)) out.push(p);
  }
  return out;
}

interface Ctx {
  c: SharedCluster;
  ns: string;
  createdSeedNs: boolean;
}

// ---------------------------------------------------------------------------------------------

const schema = suite('GpssCluster CRD file');

schema('every field of the schema has a description', () => {
  const crd = parseAllDocuments(readFileSync(CRD_FILE, 'utf8'))[0].toJS() as Obj;
  const missing: string[] = [];
  const walk = (node: Obj, path: string) => {
    if (!node.description) missing.push(path);
    for (const [k, v] of Object.entries((node.properties ?? {}) as Obj)) {
      // The API server refuses anything but `type` on the root metadata.
      if (path === 'GpssCluster' && k === 'metadata') continue;
      walk(v as Obj, `${path}.${k}`);
    }
    if (node.items) walk(node.items, `${path}[]`);
    if (node.additionalProperties && typeof node.additionalProperties === 'object')
      walk(node.additionalProperties, `${path}{}`);
  };
  walk(crd.spec.versions[0].schema.openAPIV3Schema, 'GpssCluster');
  assert.equal(missing, []);
});

schema('defaults and bounds agree with lib/api/types.ts', () => {
  const crd = parseAllDocuments(readFileSync(CRD_FILE, 'utf8'))[0].toJS() as Obj;
  const root = crd.spec.versions[0].schema.openAPIV3Schema;
  const p = root.properties.spec.properties;
  assert.is(p.size.default, DEFAULTS.size);
  assert.is(p.size.maximum, SPEC_LIMITS.maxSize);
  assert.is(p.service.properties.gpss.default, DEFAULTS.serviceType);
  assert.is(p.service.properties.gpfdist.default, DEFAULTS.serviceType);
  assert.equal(p.resources.default, DEFAULTS.resources);
  assert.is(p.pull_policy.default, DEFAULTS.pullPolicy);
  assert.is(p.anti_affinity.default, DEFAULTS.antiAffinity);
  assert.is(p.termination_grace_seconds.default, DEFAULTS.terminationGraceSeconds);
  assert.is(p.failover_after_seconds.default, DEFAULTS.failoverAfterSeconds);
  assert.is(p.gpss_config.maxLength, SPEC_LIMITS.maxGpssConfigLength);
  for (const [field, key] of [
    ['termination_grace_seconds', 'terminationGraceSeconds'],
    ['finalize_timeout_seconds', 'finalizeTimeoutSeconds'],
    ['failover_after_seconds', 'failoverAfterSeconds'],
  ] as const) {
    assert.equal({ min: p[field].minimum, max: p[field].maximum }, SPEC_LIMITS[key], field);
  }
  assert.match(root['x-kubernetes-validations'][0].rule, `size() <= ${SPEC_LIMITS.maxNameLength}`);
});

schema("the immutability rule's Cluster.Id regex finds the id where GPSS reads it", () => {
  const crd = parseAllDocuments(readFileSync(CRD_FILE, 'utf8'))[0].toJS() as Obj;
  const rules = crd.spec.versions[0].schema.openAPIV3Schema.properties.spec.properties.gpss_config[
    'x-kubernetes-validations'
  ] as Obj[];
  const rule = rules.find((r) => String(r.rule).startsWith('oldSelf.find'))!.rule as string;
  // RE2 and JavaScript agree on this pattern (no backreferences or lookaround).
  const [cluster, quoted] = [...new Set([...rule.matchAll(/r'([^']+)'/g)].map((m) => m[1]))].map(
    (p) => new RegExp(p),
  );
  const id = (text: string) => (text.match(cluster)?.[0] ?? '').match(quoted)?.[0] ?? '';
  assert.is(id(parseAllDocuments(SEED)[0].toJS().spec.gpss_config), '"gpfdist"');
  assert.is(id('{"Cluster" :{ "Etcd":{"TLS":{"Files":{"CA":"x"}}}, "Port":1,\n "Id" : "deep"}}'), '"deep"');
  assert.is(id('{"Other":{"Id":"no"},"Cluster":{"Port":1,"Id":"yes"}}'), '"yes"');
  // Not found means the rule passes: the reconcile function's exact check is the backstop.
  assert.is(id('{"Cluster":{"Port":1},"Other":{"Id":"no"}}'), '');
});

schema('the seed sample file is the seed manifest', () => {
  const sample = readFileSync(join(ROOT, 'manifests/samples/gpfdist-nodeport.yaml'), 'utf8');
  assert.equal(parseAllDocuments(sample)[0].toJS(), parseAllDocuments(SEED)[0].toJS());
});

schema.run();

// ---------------------------------------------------------------------------------------------

const api = suite<Ctx>('GpssCluster API on the API server');

api.before(async (ctx) => {
  ctx.c = await sharedCluster();
  await installCrd(ctx.c);
  ctx.ns = await freshNamespace('it-api-crd');
  ctx.createdSeedNs = await ensureNamespace(ctx.c, SEED_NS);
});

api.after(async (ctx) => {
  if (!ctx.c) return;
  // The seed names its own namespace, which other suites use too: clean it up only if this suite
  // made it, so a concurrent suite's seed cluster is never deleted under it.
  if (ctx.createdSeedNs) await deleteNamespace(SEED_NS);
  if (ctx.ns) await deleteNamespace(ctx.ns);
});

api('the seed manifest applies unchanged and reads back with defaults filled in', async ({ c }) => {
  await ok(c, ['apply', '--validate=strict', '-f', '-'], SEED);
  const cr = await getCr(c, SEED_NS, 'gpfdist');
  assert.equal(cr.spec.size, 3);
  assert.equal(cr.spec.service, { gpss: 'NodePort', gpfdist: 'NodePort' });
  // Given resources are kept as written: no default key is merged into them.
  assert.equal(cr.spec.resources, {
    limits: { cpu: '8', memory: '32Gi' },
    requests: { cpu: '1', memory: '1Gi' },
  });
  assert.is(cr.spec.pull_policy, 'Always');
  assert.is(cr.spec.pull_secret, 'gpss-docker-key');
  assert.is(cr.spec.maintenance, false);
  assert.is(cr.spec.anti_affinity, DEFAULTS.antiAffinity);
  assert.is(cr.spec.termination_grace_seconds, DEFAULTS.terminationGraceSeconds);
  assert.is(cr.spec.failover_after_seconds, DEFAULTS.failoverAfterSeconds);
  assert.is(cr.spec.finalize_timeout_seconds, undefined);
  assert.equal(validateSpec(cr.spec), [], 'the seed passes the config validator too');
});

api('a minimal manifest gets every default of lib/api/types.ts', async ({ c, ns }) => {
  await ok(c, ['create', '-f', '-'], JSON.stringify(gpss('minimal', ns)));
  const { spec } = await getCr(c, ns, 'minimal');
  assert.is(spec.size, DEFAULTS.size);
  assert.equal(spec.service, { gpss: DEFAULTS.serviceType, gpfdist: DEFAULTS.serviceType });
  assert.equal(spec.resources, DEFAULTS.resources);
  assert.is(spec.pull_policy, DEFAULTS.pullPolicy);
  assert.is(spec.maintenance, false);
  assert.is(spec.anti_affinity, DEFAULTS.antiAffinity);
  assert.is(spec.termination_grace_seconds, DEFAULTS.terminationGraceSeconds);
  assert.is(spec.failover_after_seconds, DEFAULTS.failoverAfterSeconds);
});

api('a partial service block keeps the other default', async ({ c, ns }) => {
  await ok(
    c,
    ['create', '-f', '-'],
    JSON.stringify(gpss('partial', ns, { service: { gpfdist: 'NodePort' } })),
  );
  const { spec } = await getCr(c, ns, 'partial');
  assert.equal(spec.service, { gpss: 'LoadBalancer', gpfdist: 'NodePort' });
});

// Each case breaks one thing; the API server must refuse it with a message that names the field.
const INVALID: Array<{ why: string; field: string; change: (o: Obj) => void; says?: RegExp }> = [
  { why: 'negative size', field: 'spec.size', change: (o) => (o.spec.size = -1) },
  { why: 'size above the bound', field: 'spec.size', change: (o) => (o.spec.size = 1000) },
  { why: 'size not a number', field: 'spec.size', change: (o) => (o.spec.size = 'three') },
  {
    why: 'unknown gpss service type',
    field: 'spec.service.gpss',
    change: (o) => (o.spec.service = { gpss: 'Ingress' }),
  },
  {
    why: 'unknown gpfdist service type',
    field: 'spec.service.gpfdist',
    change: (o) => (o.spec.service = { gpfdist: 'ExternalName' }),
  },
  { why: 'bad pull policy', field: 'spec.pull_policy', change: (o) => (o.spec.pull_policy = 'Sometimes') },
  { why: 'empty image', field: 'spec.image', change: (o) => (o.spec.image = '') },
  { why: 'image with spaces', field: 'spec.image', change: (o) => (o.spec.image = 'gpss latest') },
  { why: 'missing image', field: 'spec.image', change: (o) => delete o.spec.image },
  { why: 'missing gpss_config', field: 'spec.gpss_config', change: (o) => delete o.spec.gpss_config },
  { why: 'empty gpss_config', field: 'spec.gpss_config', change: (o) => (o.spec.gpss_config = '') },
  {
    why: 'gpss_config that is not a JSON object',
    field: 'spec.gpss_config',
    change: (o) => (o.spec.gpss_config = 'ListenAddress: {Port: 5000}'),
    says: /JSON object/,
  },
  {
    why: 'cpu request above the limit',
    field: 'spec.resources.requests.cpu',
    change: (o) => (o.spec.resources = { requests: { cpu: '4' }, limits: { cpu: '2000m' } }),
    says: /must not exceed spec\.resources\.limits\.cpu/,
  },
  {
    why: 'memory request above the limit',
    field: 'spec.resources.requests.memory',
    change: (o) => (o.spec.resources = { requests: { memory: '2Gi' }, limits: { memory: '1024Mi' } }),
    says: /must not exceed spec\.resources\.limits\.memory/,
  },
  {
    why: 'malformed quantity',
    field: 'spec.resources.limits[cpu]',
    change: (o) => (o.spec.resources = { limits: { cpu: 'lots' } }),
    says: /Kubernetes quantity/,
  },
  {
    why: 'negative quantity',
    field: 'spec.resources.requests[memory]',
    change: (o) => (o.spec.resources = { requests: { memory: '-1Gi' } }),
    says: /non-negative/,
  },
  {
    why: 'pull secret not a DNS name',
    field: 'spec.pull_secret',
    change: (o) => (o.spec.pull_secret = 'My_Key'),
    says: /name of a Secret/,
  },
  {
    why: 'unknown anti-affinity policy',
    field: 'spec.anti_affinity',
    change: (o) => (o.spec.anti_affinity = 'always'),
  },
  {
    why: 'grace period above an hour',
    field: 'spec.termination_grace_seconds',
    change: (o) => (o.spec.termination_grace_seconds = 7200),
  },
  {
    why: 'failover too eager',
    field: 'spec.failover_after_seconds',
    change: (o) => (o.spec.failover_after_seconds = 1),
  },
  {
    why: 'finalize timeout shorter than the grace period',
    field: 'spec.finalize_timeout_seconds',
    change: (o) => Object.assign(o.spec, { termination_grace_seconds: 120, finalize_timeout_seconds: 30 }),
    says: /at least spec\.termination_grace_seconds/,
  },
  {
    why: 'toleration with operator Exists and a value',
    field: 'spec.tolerations[0].value',
    change: (o) => (o.spec.tolerations = [{ key: 'dedicated', operator: 'Exists', value: 'gpss' }]),
  },
  {
    why: 'tolerationSeconds without NoExecute',
    field: 'spec.tolerations[0].tolerationSeconds',
    change: (o) =>
      (o.spec.tolerations = [{ key: 'k', value: 'v', effect: 'NoSchedule', tolerationSeconds: 30 }]),
  },
  {
    why: 'maintenance not a boolean',
    field: 'spec.maintenance',
    change: (o) => (o.spec.maintenance = 'yes'),
  },
  { why: 'unknown spec field', field: 'spec.replicas', change: (o) => (o.spec.replicas = 3) },
  { why: 'name with a dot', field: 'metadata.name', change: (o) => (o.metadata.name = 'gpss.prod') },
];

api(
  `${INVALID.length} invalid manifests are each refused with a message naming the field`,
  async ({ c, ns }) => {
    const results = await Promise.all(
      INVALID.map(async (tc, i) => {
        const o = gpss(`invalid-${i}`, ns);
        tc.change(o);
        const r = await c.kubectl(['create', '--dry-run=server', '--validate=strict', '-f', '-'], {
          input: JSON.stringify(o),
        });
        return { tc, r };
      }),
    );
    const wrong = results
      .filter(
        ({ tc, r }) => r.code === 0 || !r.stderr.includes(tc.field) || (tc.says && !tc.says.test(r.stderr)),
      )
      .map(
        ({ tc, r }) =>
          `${tc.why}: expected a refusal naming ${tc.field}, got (${r.code}) ${r.stderr || r.stdout}`,
      );
    assert.equal(wrong, []);
  },
);

api('Cluster.Id in gpss_config is immutable; other config changes are accepted', async ({ c, ns }) => {
  await ok(c, ['create', '-f', '-'], JSON.stringify(gpss('immutable', ns)));
  const withId = (id: string, port: number) =>
    JSON.stringify({
      ListenAddress: { Host: '', Port: 5000 },
      Gpfdist: { Host: '', Port: 8090 },
      Cluster: { Etcd: { Endpoints: ['etcd:2379'], TLS: {} }, Port: port, Id: id },
    });
  const patch = (config: string) =>
    c.kubectl([
      'patch',
      'gpsscluster',
      'immutable',
      '-n',
      ns,
      '--type=merge',
      '-p',
      JSON.stringify({ spec: { gpss_config: config } }),
    ]);

  const same = await patch(withId('c1', 5002));
  assert.is(same.code, 0, `reformatted config with the same id must be accepted: ${same.stderr}`);

  const changed = await patch(withId('c2', 5002));
  assert.is.not(changed.code, 0, 'a new Cluster.Id must be refused');
  assert.match(changed.stderr, /spec\.gpss_config/);
  assert.match(changed.stderr, /Cluster\.Id is immutable/);
  assert.match(changed.stderr, /"c1".*"c2"/);
});

api('kubectl scale gpss/NAME --replicas=5 changes .spec.size, within its bounds', async ({ c, ns }) => {
  await ok(c, ['create', '-f', '-'], JSON.stringify(gpss('scaled', ns, { size: 2 })));
  await ok(c, ['scale', 'gpss/scaled', '-n', ns, '--replicas=5']);
  assert.is((await getCr(c, ns, 'scaled')).spec.size, 5);

  const tooMany = await c.kubectl(['scale', 'gpss/scaled', '-n', ns, '--replicas=1000']);
  assert.is.not(tooMany.code, 0);
  assert.match(tooMany.stderr, /spec\.size/);
  assert.is((await getCr(c, ns, 'scaled')).spec.size, 5);
});

api('status and scale subresources are served', async ({ c, ns }) => {
  await ok(c, ['create', '-f', '-'], JSON.stringify(gpss('subresources', ns, { size: 2 })));
  const base = `/apis/${API_VERSION}/namespaces/${ns}/gpssclusters/subresources`;
  const status = {
    status: {
      phase: 'Ready',
      replicas: 2,
      readyReplicas: 2,
      selector: 'app.kubernetes.io/instance=subresources',
      gpssAddress: '10.0.0.1:5000',
      conditions: [
        {
          type: 'Ready',
          status: 'True',
          reason: 'AllReady',
          message: '',
          lastTransitionTime: '2025-01-01T00:00:00Z',
        },
      ],
      instances: [{ name: 'subresources-0', ready: true, restarts: 0, gpfdistAddress: '10.0.0.2:30001' }],
    },
  };
  await ok(c, [
    'patch',
    'gpsscluster',
    'subresources',
    '-n',
    ns,
    '--subresource=status',
    '--type=merge',
    '-p',
    JSON.stringify(status),
  ]);
  const scale = JSON.parse(await ok(c, ['get', '--raw', `${base}/scale`])) as Obj;
  assert.is(scale.spec.replicas, 2);
  assert.is(scale.status.replicas, 2);
  assert.is(scale.status.selector, 'app.kubernetes.io/instance=subresources');

  // Writing status through the main resource must not change it (status is a subresource).
  await ok(c, [
    'patch',
    'gpsscluster',
    'subresources',
    '-n',
    ns,
    '--type=merge',
    '-p',
    '{"status":{"phase":"Invalid"}}',
  ]);
  assert.is((await getCr(c, ns, 'subresources')).status?.phase, 'Ready');
});

api('kubectl get gpss shows size, ready, phase, GPSS address, image and age', async ({ c, ns }) => {
  await ok(c, ['create', '-f', '-'], JSON.stringify(gpss('columns', ns, { size: 3 })));
  const out = await ok(c, ['get', 'gpss', 'columns', '-n', ns]);
  const [header, row] = out.trim().split('\n');
  assert.equal(header.trim().split(/\s+/), ['NAME', 'SIZE', 'READY', 'PHASE', 'GPSS', 'IMAGE', 'AGE']);
  assert.match(row, /^columns\s+3\s+.*registry\.example\.com\/gpss:test/);
});

api('kubectl explain teaches the API', async ({ c }) => {
  // The OpenAPI document for a new CRD is published shortly after it is Established.
  const spec = await waitFor('explain gpsscluster.spec', async () => {
    const r = await c.kubectl(['explain', 'gpsscluster.spec']);
    return r.code === 0 && r.stdout.includes('gpss_config') ? r.stdout : undefined;
  });
  for (const field of [
    'size',
    'image',
    'service',
    'resources',
    'pull_policy',
    'pull_secret',
    'gpss_config',
    'maintenance',
    'node_selector',
    'tolerations',
    'anti_affinity',
    'termination_grace_seconds',
    'finalize_timeout_seconds',
    'failover_after_seconds',
  ]) {
    assert.match(spec, new RegExp(`^\\s+${field}\\b`, 'm'), `explain lists ${field}`);
  }
  assert.match(spec, /Number of GPSS instances/);
  const gpfdist = await ok(c, ['explain', 'gpsscluster.spec.service.gpfdist']);
  assert.match(gpfdist, /Greenplum/);
  const status = await ok(c, ['explain', 'gpsscluster.status.instances']);
  assert.match(status, /gpfdistAddress/);
});

api(
  'every YAML under manifests/ and eventing/ passes server-side dry-run with strict validation',
  async ({ c }) => {
    // Objects in these namespaces are only dry-run, but the namespaces themselves must exist.
    await ok(c, [
      'apply',
      '--server-side',
      '--force-conflicts',
      '--field-manager=gpss-api-test',
      '-f',
      join(ROOT, 'manifests/namespace.yaml'),
    ]);
    await ensureNamespace(c, 'default');
    const files = [...yamlFiles(join(ROOT, 'manifests')), ...yamlFiles(join(ROOT, 'eventing'))];
    assert.ok(files.length >= 15, `expected the whole manifest set, found ${files.length} files`);
    const failures: string[] = [];
    for (const file of files) {
      const r = await c.kubectl(['apply', '--dry-run=server', '--validate=strict', '-f', file]);
      if (r.code !== 0 || /unknown field|duplicate field/i.test(r.stderr))
        failures.push(`${relative(ROOT, file)}: ${r.stderr.trim()}`);
    }
    assert.equal(failures, []);
  },
);

api(
  'kubectl apply without flags refuses an unknown field, naming it (client-side and server-side apply)',
  async ({ c, ns }) => {
    const o = gpss('unknown-field', ns) as ReturnType<typeof gpss> & { spec: Record<string, unknown> };
    o.spec.sizee = 3; // a typo of size: dropping it silently would run the default size
    for (const args of [['apply'], ['apply', '--server-side']]) {
      const r = await c.kubectl([...args, '--dry-run=server', '-f', '-'], { input: JSON.stringify(o) });
      assert.is.not(r.code, 0, `${args.join(' ')} accepted an unknown field: ${r.stdout}`);
      assert.match(r.stderr, /spec\.sizee/, args.join(' '));
    }
  },
);

api.run();
