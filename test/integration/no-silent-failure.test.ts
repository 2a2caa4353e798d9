// No silent failure, against the embedded cluster with each function acting as its ServiceAccount:
// a spec Kubernetes would refuse downstream is reported on the cluster naming the field (and nothing
// is half-written), and a write a function is not allowed to make shows as that function's
// <Fn>Failed condition with a Warning Event, both cleared once the permission is back.
import { Writable } from 'node:stream';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { createApp as finalizeApp } from '../../functions/finalize/app';
import { createApp as healthApp } from '../../functions/health/app';
import { createApp as reconcileApp } from '../../functions/reconcile/app';
import type { Condition, GpssCluster } from '../../lib/api/types';
import type { KubeClient } from '../../lib/k8s/client';
import { createLogger } from '../../lib/runtime/log';
import { parseLines, render, stories } from '../../scripts/logs';
import {
  convergeBy,
  deleteNamespace,
  freshNamespace,
  type SharedCluster,
  sharedCluster,
} from '../support/cluster';
import { adapterEvent, adminClient, deliver, functionClient, installOperator } from '../support/operator';
import { type FunctionName, forbid, restoreRbac, waitForAuth } from '../support/rbac';

type Fn = FunctionName;
interface Ctx {
  c: SharedCluster;
  admin: KubeClient;
  apps: Record<Fn, { request(path: string, init: RequestInit): Response | Promise<Response> }>;
  clients: KubeClient[];
  ns: string;
}
const test = suite<Ctx>('no silent failure');

const quiet = () => createLogger({ name: 'test', level: 'silent' });
/** reconcile's log lines, as `npm run logs` reads them. */
const reconcileLines: string[] = [];
const reconcileLog = new Writable({
  write(chunk, _enc, cb) {
    reconcileLines.push(...chunk.toString().split('\n').filter(Boolean));
    cb();
  },
});

function seed(ns: string, name: string, extra: Record<string, unknown> = {}) {
  return {
    apiVersion: 'gpss.gpdb.io/v1',
    kind: 'GpssCluster',
    metadata: { name, namespace: ns },
    spec: {
      size: 2,
      image: 'example.invalid/gpss:1',
      service: { gpss: 'ClusterIP', gpfdist: 'ClusterIP' },
      gpss_config: `{"ListenAddress": {"Host": "", "Port": 5000}, "Gpfdist": {"Host": "", "Port": 8090}, "Cluster": {"Id": "${ns}-${name}", "Port": 5001, "Etcd": {"Endpoints": ["etcd-${ns}:2379"]}}}`,
      ...extra,
    },
  };
}

test.before(async (ctx) => {
  ctx.c = await sharedCluster();
  await installOperator(ctx.c);
  ctx.admin = await adminClient(ctx.c);
  ctx.clients = [];
  const app = async (fn: Fn, create: typeof reconcileApp) => {
    const kube = await functionClient(ctx.c, fn);
    ctx.clients.push(kube);
    return create({ kube, logger: quiet() });
  };
  ctx.apps = {
    reconcile: reconcileApp({
      kube: await functionClient(ctx.c, 'reconcile'),
      logger: createLogger({ name: 'reconcile', level: 'info', destination: reconcileLog }),
    }),
    finalize: await app('finalize', finalizeApp),
    health: await app('health', healthApp),
  };
  ctx.ns = await freshNamespace('no-silent');
});

test.after(async (ctx) => {
  if (ctx.c) await restoreRbac(ctx.c);
  if (ctx.ns) {
    // Finalize releases its finalizers while the namespace goes: the pods go first (the namespace
    // controller deletes them before anything else), so their events are delivered too, as the
    // sources do (a cluster event that shows nothing new is answered without a read).
    const cleanup = setInterval(
      () => void round(ctx, undefined, undefined, { pods: true }).catch(() => undefined),
      300,
    );
    try {
      await deleteNamespace(ctx.ns, { wait: true });
    } finally {
      clearInterval(cleanup);
    }
  }
  for (const k of ctx.clients ?? []) k.close();
  ctx.admin?.close();
});

async function cluster(ctx: Ctx, name: string): Promise<GpssCluster> {
  const cr = await ctx.admin.get<GpssCluster>('gpssclusters', ctx.ns, name);
  assert.ok(cr, `GpssCluster ${name}`);
  return cr!;
}

const condition = (cr: GpssCluster, type: string): Condition | undefined =>
  cr.status?.conditions?.find((c) => c.type === type);

/** One update event of every cluster in the namespace to each function (the sources' stand-in). */
async function round(
  ctx: Ctx,
  name: string | undefined,
  fns: Fn[] = ['reconcile', 'finalize', 'health'],
  opts: { pods?: boolean } = {},
) {
  const list = await ctx.admin.list<GpssCluster>('gpssclusters', ctx.ns);
  for (const cr of list.items.filter((x) => !name || x.metadata.name === name)) {
    for (const fn of fns) await deliver(ctx.apps[fn], adapterEvent(cr as never, 'update'));
  }
  if (!opts.pods) return;
  const pods = await ctx.admin.list<{ apiVersion: string; kind: string; metadata: { name: string } }>(
    'pods',
    ctx.ns,
  );
  for (const p of pods.items)
    for (const fn of ['finalize', 'health'] as const)
      await deliver(ctx.apps[fn], adapterEvent(p as never, 'update'));
}

async function warnings(ctx: Ctx, name: string): Promise<Array<{ reason: string; message: string }>> {
  const ev = await ctx.admin.list<{
    type: string;
    reason: string;
    message: string;
    involvedObject: { name: string; kind: string };
  }>('events', ctx.ns);
  return ev.items.filter(
    (e) => e.type === 'Warning' && e.involvedObject.kind === 'GpssCluster' && e.involvedObject.name === name,
  );
}

async function apply(ctx: Ctx, obj: unknown) {
  const r = await ctx.c.kubectl(['apply', '--server-side', '-f', '-'], { input: JSON.stringify(obj) });
  assert.is(r.code, 0, r.stderr);
}

test('a node_selector key Kubernetes refuses: ConfigValid=False naming it, Warning Event, StatefulSet untouched', async (ctx) => {
  const name = 'badkey';
  await apply(ctx, seed(ctx.ns, name));
  await convergeBy(
    () => round(ctx, name),
    `${name} Ready`,
    async () => (await cluster(ctx, name)).status?.phase === 'Ready',
  );
  const before = await ctx.admin.get<{ metadata: { resourceVersion: string; generation: number } }>(
    'statefulsets',
    ctx.ns,
    name,
  );
  const patched = await ctx.c.kubectl([
    'patch',
    'gpss',
    name,
    '-n',
    ctx.ns,
    '--type=merge',
    '-p',
    JSON.stringify({ spec: { node_selector: { 'bad key!': 'x' } } }),
  ]);
  assert.is(patched.code, 0, `the CRD accepts it (CEL cannot check map keys): ${patched.stderr}`);
  const t0 = Date.now();
  const cr = await convergeBy(
    () => round(ctx, name),
    'ConfigValid=False naming node_selector, and not Ready',
    async () => {
      const cr = await cluster(ctx, name);
      const valid = condition(cr, 'ConfigValid');
      return valid?.status === 'False' && cr.status?.phase !== 'Ready' && cr;
    },
  );
  assert.ok(Date.now() - t0 < 10_000, 'reported within 10 s');
  assert.match(condition(cr, 'ConfigValid')!.message, /node_selector/);
  assert.is(cr.status?.phase, 'Invalid');
  assert.ok(cr.status?.gpssAddress, 'the running cluster keeps its GPSS address in the status');
  assert.is(condition(cr, 'Progressing')?.reason, 'ConfigInvalid', 'Progressing does not claim convergence');
  const ready = condition(cr, 'Ready');
  assert.ok(
    ready?.status !== 'True' || ready.observedGeneration !== cr.metadata.generation,
    'Ready is not claimed for it',
  );
  const w = await warnings(ctx, name);
  assert.ok(
    w.some((e) => /node_selector/.test(e.message)),
    `a Warning Event naming node_selector: ${JSON.stringify(w)}`,
  );
  const after = await ctx.admin.get<{ metadata: { resourceVersion: string; generation: number } }>(
    'statefulsets',
    ctx.ns,
    name,
  );
  assert.is(after?.metadata.generation, before?.metadata.generation, 'the StatefulSet spec is untouched');
  // npm run logs shows why, in our words and in the API server's (its 422 on a dry run).
  const told = stories(parseLines(reconcileLines.join('\n')))
    .filter((st) => st.lines.some((l) => l.cluster === `${ctx.ns}/${name}`))
    .map(render)
    .join('\n');
  assert.match(told, /configuration rejected; .*node_selector\["bad key!"\]/);
  assert.match(told, /the API server refuses it too \(.*422 Invalid: spec\.node_selector/);
});

// Specs the CRD accepts but a StatefulSet would not: each is refused at apply time naming the field,
// or reported as ConfigValid=False naming it, with no child created.
const DOWNSTREAM: Array<[string, Record<string, unknown>, RegExp]> = [
  ['misspelled resource name', { resources: { limits: { cpus: '2' } } }, /resources\.limits\.cpus|cpus/],
  [
    'extended resource request without a limit',
    {
      resources: {
        requests: { cpu: '1', memory: '1Gi', 'example.com/gpu': '1' },
        limits: { cpu: '2', memory: '2Gi' },
      },
    },
    /example\.com\/gpu/,
  ],
  [
    'extended resource overcommitted',
    {
      resources: {
        requests: { cpu: '1', memory: '1Gi', 'example.com/gpu': '1' },
        limits: { cpu: '2', memory: '2Gi', 'example.com/gpu': '2' },
      },
    },
    /example\.com\/gpu/,
  ],
  ['node_selector value', { node_selector: { disktype: 'bad value!' } }, /node_selector/],
  ['node_selector key', { node_selector: { '-bad': 'x' } }, /node_selector/],
  [
    'toleration with operator Exists and a value',
    { tolerations: [{ key: 'dedicated', operator: 'Exists', value: 'gpss', effect: 'NoSchedule' }] },
    /tolerations/,
  ],
  [
    'hugepages without cpu or memory',
    { resources: { requests: { 'hugepages-2Mi': '2Mi' }, limits: { 'hugepages-2Mi': '2Mi' } } },
    /hugepages|resources/,
  ],
];

test('specs Kubernetes refuses downstream are refused at apply or reported naming the field', async (ctx) => {
  let i = 0;
  for (const [what, extra, field] of DOWNSTREAM) {
    const name = `down-${i++}`;
    const obj = seed(ctx.ns, name, extra);
    const r = await ctx.c.kubectl(['apply', '--server-side', '-f', '-'], { input: JSON.stringify(obj) });
    if (r.code !== 0) {
      assert.match(r.stderr, field, `${what}: refused at apply, naming the field`);
      continue;
    }
    const cr = await convergeBy(
      () => round(ctx, name, ['reconcile', 'health']),
      `${what}: ConfigValid=False`,
      async () => {
        const cr = await cluster(ctx, name);
        return condition(cr, 'ConfigValid')?.status === 'False' && cr.status?.phase && cr;
      },
      10_000,
    );
    assert.match(condition(cr, 'ConfigValid')!.message, field, what);
    assert.is.not(cr.status?.phase, 'Ready', what);
    const sts = await ctx.admin.get('statefulsets', ctx.ns, name);
    assert.is(sts, undefined, `${what}: no StatefulSet half-written`);
    const svcs = await ctx.admin.list('services', ctx.ns, {
      labelSelector: `app.kubernetes.io/instance=${name}`,
    });
    assert.is(svcs.items.length, 0, `${what}: no Service half-written`);
  }
});

test('reconcile: a forbidden StatefulSet write shows ReconcileFailed and a Warning Event, cleared when allowed again', async (ctx) => {
  const name = 'rbac-reconcile';
  await apply(ctx, seed(ctx.ns, name));
  await convergeBy(
    () => round(ctx, name),
    `${name} Ready`,
    async () => (await cluster(ctx, name)).status?.phase === 'Ready',
  );
  await forbid(ctx.c, 'reconcile', 'statefulsets', 'patch', ctx.ns);
  try {
    await apply(ctx, {
      ...seed(ctx.ns, name),
      spec: { ...seed(ctx.ns, name).spec, image: 'example.invalid/gpss:2' },
    });
    const failed = await convergeBy(
      () => round(ctx, name),
      'ReconcileFailed=True',
      async () => {
        const cr = await cluster(ctx, name);
        return condition(cr, 'ReconcileFailed')?.status === 'True' && cr.status?.phase === 'Failed' && cr;
      },
    );
    const c = condition(failed, 'ReconcileFailed')!;
    assert.is(c.reason, 'ApplyStatefulSet');
    assert.match(c.message, /apply .*statefulsets.*403 Forbidden.*cannot patch resource "statefulsets"/);
    assert.not.match(c.message, /Bearer|eyJ/, 'no credentials in the message');
    assert.ok(
      (await warnings(ctx, name)).some((e) => e.reason === 'ApplyStatefulSet'),
      'a Warning Event',
    );
  } finally {
    await restoreRbac(ctx.c);
  }
  await waitForAuth(ctx.c, 'reconcile', 'statefulsets', 'patch', ctx.ns, true);
  const cleared = await convergeBy(
    () => round(ctx, name),
    'ReconcileFailed cleared and the new image applied',
    async () => {
      const cr = await cluster(ctx, name);
      return condition(cr, 'ReconcileFailed')?.status === 'False' && cr.status?.phase !== 'Failed' && cr;
    },
  );
  assert.is(condition(cleared, 'ReconcileFailed')!.reason, 'Recovered');
  const sts = await ctx.admin.get<{ spec: { template: { spec: { containers: Array<{ image: string }> } } } }>(
    'statefulsets',
    ctx.ns,
    name,
  );
  assert.is(sts?.spec.template.spec.containers[0]?.image, 'example.invalid/gpss:2');
});

test('finalize: a forbidden finalizer patch shows FinalizeFailed and a Warning Event, cleared when allowed again', async (ctx) => {
  const name = 'rbac-finalize';
  await forbid(ctx.c, 'finalize', 'gpssclusters', 'patch', ctx.ns);
  try {
    await apply(ctx, seed(ctx.ns, name));
    const failed = await convergeBy(
      () => round(ctx, name, ['finalize', 'health']),
      'FinalizeFailed=True',
      async () => {
        const cr = await cluster(ctx, name);
        return condition(cr, 'FinalizeFailed')?.status === 'True' && cr;
      },
    );
    const c = condition(failed, 'FinalizeFailed')!;
    assert.match(c.reason, /^PatchGpssCluster/);
    assert.match(c.message, /403 Forbidden/);
    assert.ok(
      (await warnings(ctx, name)).some((e) => e.reason === c.reason),
      'a Warning Event',
    );
  } finally {
    await restoreRbac(ctx.c);
  }
  await waitForAuth(ctx.c, 'finalize', 'gpssclusters', 'patch', ctx.ns, true);
  const cleared = await convergeBy(
    () => round(ctx, name, ['finalize']),
    'FinalizeFailed cleared and the finalizer added',
    async () => {
      const cr = await cluster(ctx, name);
      return (
        condition(cr, 'FinalizeFailed')?.status === 'False' && (cr.metadata.finalizers?.length ?? 0) > 0 && cr
      );
    },
  );
  assert.is(condition(cleared, 'FinalizeFailed')!.reason, 'Recovered');
});

test('a deleted namespace: finalize releases its cluster although the namespace refuses Events', async (ctx) => {
  const ns = await freshNamespace('ns-gone');
  const name = 'gone';
  await apply(ctx, seed(ns, name));
  const roundIn = async () => {
    const cr = await ctx.admin.get<GpssCluster>('gpssclusters', ns, name);
    if (cr)
      for (const fn of ['reconcile', 'finalize', 'health'] as const)
        await deliver(ctx.apps[fn], adapterEvent(cr as never, 'update'));
    const pods = await ctx.admin.list<{
      apiVersion: string;
      kind: string;
      metadata: { name: string; namespace: string };
    }>('pods', ns);
    // As the sources do: pods to finalize and health (health answers a cluster event it has already
    // judged without a read; a pod turning Ready is its own event).
    for (const p of pods.items)
      for (const fn of ['finalize', 'health'] as const)
        await deliver(ctx.apps[fn], adapterEvent(p as never, 'update'));
  };
  await convergeBy(
    roundIn,
    `${name} Ready`,
    async () => (await ctx.admin.get<GpssCluster>('gpssclusters', ns, name))?.status?.phase === 'Ready',
  );
  assert.is((await ctx.c.kubectl(['delete', 'namespace', ns, '--wait=false'])).code, 0);
  // No escape hatch here: the operator alone must let the namespace go.
  await convergeBy(roundIn, `namespace ${ns} gone`, async () => {
    const r = await ctx.c.kubectl(['get', 'namespace', ns, '--ignore-not-found', '-o', 'name']);
    return r.stdout.trim() === '';
  });
});

test.run();
