// Chaos: events are lost, duplicated, delayed and reordered between the real adapters and the
// functions; an adapter restarts mid-scenario; a function dies mid-reconcile; the API server restarts.
// Every scenario must still converge to the right state, through redelivery and resync, with no
// duplicate or orphaned object. Resync fires every few seconds here (a test-only override of the
// PingSource's one-minute granularity); functions scale to zero between events (a short idle window)
// and every scenario must see each of them stop at least once; everything else is as deployed.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { KubeClient } from '../../lib/k8s/client';
import { restartComponent } from '../../localcluster/cluster';
import { defaultConfig } from '../../localcluster/config';
import { installOperatorManifests, type RunningOperator } from '../../localcluster/operator';
import { type ChaosProxy, type Faults, NO_FAULTS, startChaosProxy } from '../support/chaos-proxy';
import {
  deleteNamespace,
  freshNamespace,
  type SharedCluster,
  sharedCluster,
  waitFor,
} from '../support/cluster';
import { assertScaledToZero, scaleDowns, startE2eOperator, timedConvergence } from '../support/e2e';

const BOUND = 90_000;
const RESYNC_MS = 4000;
const LOSSY: Faults = { drop: 0.3, duplicate: 0.3, delay: 0.3, maxDelayMs: 400 };

interface Ctx {
  c: SharedCluster;
  op: RunningOperator;
  proxies: Map<string, ChaosProxy>;
  kube: KubeClient;
  namespaces: string[];
}
const test = suite<Ctx>('chaos');

test.before(async (ctx) => {
  ctx.c = await sharedCluster();
  await installOperatorManifests(ctx.c.binDir, ctx.c.kubeconfig);
  ctx.proxies = new Map();
  const targets = new Map<string, string>();
  for (const fn of ['reconcile', 'finalize', 'health']) {
    ctx.proxies.set(
      fn,
      await startChaosProxy(() => targets.get(fn) ?? '', { ...NO_FAULTS }, fn.length * 7919),
    );
  }
  ctx.op = (
    await startE2eOperator(ctx.c, 'chaos', {
      pingIntervalMs: RESYNC_MS,
      sinkFor: (fn, url) => {
        targets.set(fn, url);
        return ctx.proxies.get(fn)!.url;
      },
    })
  ).op;
  ctx.kube = await KubeClient.fromKubeconfig(ctx.c.kubeconfig);
  ctx.namespaces = [];
});
test.after(async (ctx) => {
  // Namespaces go first, while finalize still runs to release its finalizers.
  setFaults(ctx, NO_FAULTS);
  for (const ns of ctx.namespaces ?? []) await deleteNamespace(ns, { wait: true });
  await ctx.op?.stop();
  for (const p of ctx.proxies?.values() ?? []) await p.close();
  ctx.kube?.close();
});

function setFaults(ctx: Ctx, f: Faults) {
  for (const p of ctx.proxies.values()) Object.assign(p.faults, f);
}

async function createCluster(ctx: Ctx, label: string, size: number): Promise<{ ns: string; name: string }> {
  const ns = await freshNamespace(`chaos-${label}`);
  ctx.namespaces.push(ns);
  const name = 'gpss';
  const cr = {
    apiVersion: 'gpss.gpdb.io/v1',
    kind: 'GpssCluster',
    metadata: { name, namespace: ns },
    spec: {
      size,
      image: 'example.invalid/gpss:1',
      service: { gpss: 'NodePort', gpfdist: 'NodePort' },
      gpss_config: `{"ListenAddress":{"Port":5000},"Gpfdist":{"Port":8090},"Cluster":{"Id":"${label}","Port":5001,"Etcd":{"Endpoints":["etcd:2379"]}}}`,
      termination_grace_seconds: 5,
    },
  };
  const r = await ctx.c.kubectl(['apply', '-f', '-'], { input: JSON.stringify(cr) });
  assert.is(r.code, 0, r.stderr);
  return { ns, name };
}

async function patch(ctx: Ctx, ns: string, name: string, spec: Record<string, unknown>) {
  const r = await ctx.c.kubectl([
    'patch',
    'gpss',
    name,
    '-n',
    ns,
    '--type=merge',
    '-p',
    JSON.stringify({ spec }),
  ]);
  assert.is(r.code, 0, r.stderr);
}

test('30% of events dropped, 30% duplicated, others delayed and reordered', async (ctx) => {
  const zero = scaleDowns(ctx.op);
  setFaults(ctx, LOSSY);
  const { ns, name } = await createCluster(ctx, 'lossy', 3);
  await timedConvergence(ctx.kube, ns, name, 'lossy: create', BOUND);
  await patch(ctx, ns, name, { size: 5 });
  await timedConvergence(ctx.kube, ns, name, 'lossy: scale 3 → 5', BOUND);
  await patch(ctx, ns, name, { image: 'example.invalid/gpss:2', size: 2 });
  await timedConvergence(ctx.kube, ns, name, 'lossy: image change and scale 5 → 2', BOUND);
  const s = [...ctx.proxies.values()].reduce(
    (a, p) => ({
      dropped: a.dropped + p.stats.dropped,
      duplicated: a.duplicated + p.stats.duplicated,
      received: a.received + p.stats.received,
    }),
    { dropped: 0, duplicated: 0, received: 0 },
  );
  console.log(`  lossy: ${s.received} deliveries, ${s.dropped} dropped, ${s.duplicated} duplicated`);
  assert.ok(s.dropped > 0 && s.duplicated > 0, 'faults were actually injected');
  setFaults(ctx, NO_FAULTS);
  await assertScaledToZero(ctx.op, zero);
});

test('the adapter restarts mid-scenario', async (ctx) => {
  const zero = scaleDowns(ctx.op);
  const { ns, name } = await createCluster(ctx, 'adapter', 3);
  await timedConvergence(ctx.kube, ns, name, 'adapter: create', BOUND);
  await patch(ctx, ns, name, { size: 4 });
  await ctx.op.restartAdapter('gpss-reconcile');
  await patch(ctx, ns, name, { image: 'example.invalid/gpss:3' });
  await timedConvergence(ctx.kube, ns, name, 'adapter restarted during scale and image change', BOUND);
  await assertScaledToZero(ctx.op, zero);
});

test('a function is killed while an event is in flight', async (ctx) => {
  const zero = scaleDowns(ctx.op);
  const { ns, name } = await createCluster(ctx, 'kill', 2);
  await timedConvergence(ctx.kube, ns, name, 'kill: create', BOUND);
  const reconcile = ctx.op.functions.get('reconcile')!.activator;
  const failedBefore = reconcile.stats.failedInFlight;
  // Each spec change sends reconcile events; kill it as soon as one is being handled. The activator
  // answers that delivery 503, so the source retries it (and resync repairs what is dropped).
  let image = 0;
  await waitFor(
    'a delivery to fail because reconcile died under it',
    async () => {
      await patch(ctx, ns, name, { size: 2 + (image % 3), image: `example.invalid/gpss:kill-${image++}` });
      const caught = await waitFor('an event in flight', async () => reconcile.inFlight() > 0, {
        timeoutMs: 2000,
        intervalMs: 1,
      }).catch(() => false);
      if (caught) await ctx.op.killFunction('reconcile');
      return reconcile.stats.failedInFlight > failedBefore;
    },
    { timeoutMs: 60_000, intervalMs: 10 },
  );
  await timedConvergence(ctx.kube, ns, name, 'reconcile killed with an event in flight', BOUND);
  await assertScaledToZero(ctx.op, zero);
});

test('the API server restarts', async (ctx) => {
  const zero = scaleDowns(ctx.op);
  const { ns, name } = await createCluster(ctx, 'apiserver', 2);
  await timedConvergence(ctx.kube, ns, name, 'apiserver: create', BOUND);
  await patch(ctx, ns, name, { size: 3 });
  const t0 = Date.now();
  await restartComponent(defaultConfig(), 'kube-apiserver');
  console.log(`  kube-apiserver restarted in ${Date.now() - t0} ms`);
  await patch(ctx, ns, name, { image: 'example.invalid/gpss:5' });
  await timedConvergence(ctx.kube, ns, name, 'API server restarted during scale and image change', BOUND);
  await assertScaledToZero(ctx.op, zero);
});

test.run();
