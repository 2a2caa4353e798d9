// Chaos: events are lost, duplicated, delayed and reordered between the real adapters and the
// functions; an adapter restarts mid-scenario; a function dies mid-reconcile and mid-deletion; the API
// server restarts. Each fault scenario isolates the mechanism that must repair it:
// - resync off: duplicated and reordered events alone converge every kind of change (events work);
// - 30 % dropped: the cluster is seen stuck until a resync fires, and the resync repairs it;
// - scale-in and deletion under faults leave nothing behind, with no cleanup by the test (finalize);
// - finalize killed mid-deletion: the next start finishes the job (the cluster is the only state).
// CHAOS_SWITCH_OFF=events,resync,finalize,restart switches a mechanism off to show its scenario fail
// (events: every ApiServerSource delivery dropped; resync: pings never sent; finalize: it receives
// nothing once the deletion starts; restart: the killed finalize is not started again).
// No timer pings here: each scenario drives the PingSource's resync itself (op.ping, through the same
// proxy), so it controls whether and when resync happens. Functions scale to zero between events (a
// short idle window) and every scenario must see each of them stop at least once.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { KubeClient } from '../../lib/k8s/client';
import { restartComponent } from '../../localcluster/cluster';
import { defaultConfig } from '../../localcluster/config';
import { differences, warningsSince } from '../../localcluster/convergence';
import { installOperatorManifests, type RunningOperator } from '../../localcluster/operator';
import { type ChaosProxy, type Faults, NO_FAULTS, redeliver, startChaosProxy } from '../support/chaos-proxy';
import {
  deleteNamespace,
  finalizersIn,
  freshNamespace,
  type SharedCluster,
  sharedCluster,
  waitFor,
} from '../support/cluster';
import { assertScaledToZero, scaleDowns, startE2eOperator, timedConvergence } from '../support/e2e';

const BOUND = 90_000;
/** Resync period of the scenarios that are about something else (an adapter or API server restart). */
const RESYNC_MS = 4000;
/**
 * The period of the scenario that proves resync: long against event-driven convergence here (1-3 s),
 * so a cluster still not converged when it fires was stuck on a lost event, not merely slow.
 */
const REALISTIC_RESYNC_MS = 15_000;
const LOSSY: Faults = { drop: 0.3, duplicate: 0.3, delay: 0.3, maxDelayMs: 400 };
const NO_LOSS: Faults = { drop: 0, duplicate: 0.3, delay: 0.3, maxDelayMs: 400 };
const FUNCTIONS = ['reconcile', 'finalize', 'health'];
const OFF = new Set((process.env.CHAOS_SWITCH_OFF ?? '').split(',').filter(Boolean));
if (OFF.has('events')) NO_LOSS.drop = 1;

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
  for (const fn of FUNCTIONS) {
    ctx.proxies.set(
      fn,
      await startChaosProxy(() => targets.get(fn) ?? '', { ...NO_FAULTS }, fn.length * 7919),
    );
  }
  ctx.op = (
    await startE2eOperator(ctx.c, 'chaos', {
      pingIntervalMs: Number.POSITIVE_INFINITY,
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
  await ctx.op?.stop();
  for (const p of ctx.proxies?.values() ?? []) await p.close();
  ctx.kube?.close();
});

function setFaults(ctx: Ctx, f: Faults) {
  for (const p of ctx.proxies.values()) Object.assign(p.faults, { pings: false }, f);
}

/** Every function's PingSource fires now (through the proxies, as the dispatcher would). */
async function resyncNow(ctx: Ctx): Promise<void> {
  if (OFF.has('resync')) return;
  await Promise.all(FUNCTIONS.map((fn) => ctx.op.ping(fn)));
}

/** The PingSources at a fixed period, from now until stop(). */
function periodicResync(ctx: Ctx, periodMs: number): { stop(): void; fired(): number } {
  let fired = 0;
  let stopped = false;
  const tick = () => {
    timer = setTimeout(async () => {
      if (stopped) return;
      fired++;
      await resyncNow(ctx).catch(() => undefined);
      if (!stopped) tick();
    }, periodMs);
  };
  let timer: NodeJS.Timeout;
  tick();
  return {
    stop: () => {
      stopped = true;
      clearTimeout(timer);
    },
    fired: () => fired,
  };
}

function faultTotals(ctx: Ctx) {
  return [...ctx.proxies.values()].reduce(
    (a, p) => ({
      dropped: a.dropped + p.stats.dropped,
      duplicated: a.duplicated + p.stats.duplicated,
      delayed: a.delayed + p.stats.delayed,
      received: a.received + p.stats.received,
      pings: a.pings + p.stats.pings,
    }),
    { dropped: 0, duplicated: 0, delayed: 0, received: 0, pings: 0 },
  );
}

async function createCluster(
  ctx: Ctx,
  label: string,
  size: number,
  service: Record<string, string> = { gpss: 'NodePort', gpfdist: 'NodePort' },
): Promise<{ ns: string; name: string }> {
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
      service,
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

/** resourceVersion of the cluster and everything in its namespace that an operator write would touch. */
async function versions(ctx: Ctx, ns: string): Promise<Map<string, string>> {
  const kinds =
    'gpssclusters.gpss.gpdb.io,statefulsets.apps,services,configmaps,poddisruptionbudgets.policy,pods,events';
  const r = await ctx.c.kubectl(['get', kinds, '-n', ns, '-o', 'json']);
  assert.is(r.code, 0, r.stderr);
  const items = JSON.parse(r.stdout).items as Array<{
    kind: string;
    metadata: { name: string; resourceVersion: string };
  }>;
  return new Map(items.map((o) => [`${o.kind}/${o.metadata.name}`, o.metadata.resourceVersion]));
}

/**
 * On a converged cluster, every recorded delivery for its namespace is sent again (twice, the newest
 * first, so out of order) plus a resync of every function: nothing may be written.
 */
async function replayWritesNothing(ctx: Ctx, ns: string, name: string): Promise<void> {
  const converged = new Date();
  const before = await versions(ctx, ns);
  let sent = 0;
  for (const [fn, proxy] of ctx.proxies) {
    const url = ctx.op.functions.get(fn)!.url;
    const mine = proxy.stats.recent.filter((d) => d.namespace === ns).reverse();
    for (const d of [...mine, ...mine]) {
      assert.ok((await redeliver(url, d)) < 300, `replayed delivery to ${fn} answered 2xx`);
      sent++;
    }
  }
  await resyncNow(ctx);
  const after = await versions(ctx, ns);
  const changed = [...after].filter(([k, v]) => before.get(k) !== v).map(([k]) => k);
  console.log(`  replayed ${sent} deliveries and a resync: ${changed.length} objects written`);
  assert.equal(changed, [], `replay wrote ${changed.join(', ')}`);
  assert.equal(await warningsSince(ctx.kube, ns, name, converged), [], 'no Warning Event once converged');
}

/** Waits until the deleted cluster has left nothing behind, finalizers included; prints how long. */
async function timedRemoval(ctx: Ctx, ns: string, name: string, what: string): Promise<void> {
  const t0 = Date.now();
  let last: string[] = [];
  try {
    await waitFor(
      what,
      async () => {
        last = [...(await differences(ctx.kube, ns, name)), ...(await finalizersIn(ctx.c, ns))];
        return last.length === 0;
      },
      { timeoutMs: BOUND, intervalMs: 200 },
    );
  } catch (err) {
    throw new Error(`${what}: still there after ${BOUND} ms: ${last.join('; ')}`, { cause: err });
  }
  console.log(`  ${what}: gone in ${Date.now() - t0} ms`);
}

test('resync off: duplicated and reordered events alone converge every kind of change', async (ctx) => {
  const zero = scaleDowns(ctx.op);
  const before = faultTotals(ctx);
  setFaults(ctx, NO_LOSS);
  const { ns, name } = await createCluster(ctx, 'events', 3);
  await timedConvergence(ctx.kube, ns, name, 'events only: create', BOUND);
  await patch(ctx, ns, name, { size: 5 });
  await timedConvergence(ctx.kube, ns, name, 'events only: scale 3 → 5', BOUND);
  await patch(ctx, ns, name, { image: 'example.invalid/gpss:2' });
  await timedConvergence(ctx.kube, ns, name, 'events only: image change', BOUND);
  await patch(ctx, ns, name, { service: { gpss: 'NodePort', gpfdist: 'ClusterIP' } });
  await timedConvergence(ctx.kube, ns, name, 'events only: gpfdist NodePort → ClusterIP', BOUND);
  const t = faultTotals(ctx);
  console.log(
    `  events only: ${t.received - before.received} deliveries, ${t.duplicated - before.duplicated} duplicated, ${t.delayed - before.delayed} delayed, ${t.pings - before.pings} pings`,
  );
  assert.ok(t.duplicated > before.duplicated && t.delayed > before.delayed, 'faults were injected');
  assert.is(t.dropped, before.dropped, 'nothing dropped');
  assert.is(t.pings, before.pings, 'no resync fired');
  await replayWritesNothing(ctx, ns, name);
  setFaults(ctx, NO_FAULTS);
  await assertScaledToZero(ctx.op, zero);
});

test('30% dropped: a cluster stuck on a lost event is repaired by the next resync', async (ctx) => {
  const zero = scaleDowns(ctx.op);
  setFaults(ctx, LOSSY);
  const { ns, name } = await createCluster(ctx, 'dropped', 3);
  const outcome: string[] = [];
  const repaired = () => outcome.filter((o) => o.includes('repaired by resync')).length;
  const steps: Array<[string, () => Promise<void>]> = [
    ['create', async () => {}],
    ['scale 3 → 5', () => patch(ctx, ns, name, { size: 5 })],
    ['image change', () => patch(ctx, ns, name, { image: 'example.invalid/gpss:2' })],
  ];
  // A spec change reaches every function and their status writes echo it, so a single drop rarely
  // matters. A child deleted behind the operator's back, once all is quiet, is one event, to
  // reconcile only: with 30 % dropped, about one in three is lost and nothing but a resync brings the
  // Service back.
  for (let i = 1; i <= 20; i++)
    steps.push([
      `headless Service deleted by hand (#${i})`,
      async () => {
        // Only once the echoes of the last step have died down (no delivery to reconcile for a
        // while): a later event would re-read the cluster and mask a lost one.
        const proxy = ctx.proxies.get('reconcile')!;
        await waitFor(
          'reconcile to get no deliveries for 3 s',
          async () => Date.now() - proxy.stats.lastAt > 3000,
          {
            timeoutMs: 60_000,
            intervalMs: 100,
          },
        );
        const r = await ctx.c.kubectl(['delete', 'service', `${name}-headless`, '-n', ns]);
        assert.is(r.code, 0, r.stderr);
      },
    ]);
  for (const [what, act] of steps) {
    await act();
    // Events alone, for one resync period: no ping fires in that window.
    const byEvents = await waitFor(
      `${what} by events alone`,
      async () => (await differences(ctx.kube, ns, name)).length === 0,
      { timeoutMs: REALISTIC_RESYNC_MS, intervalMs: 200 },
    ).catch(() => false);
    if (byEvents) {
      outcome.push(`${what}: converged by events`);
    } else {
      const stuck = await differences(ctx.kube, ns, name);
      const resync = periodicResync(ctx, REALISTIC_RESYNC_MS);
      try {
        await resyncNow(ctx);
        await timedConvergence(ctx.kube, ns, name, `dropped: ${what}, after the resync`, BOUND);
      } finally {
        resync.stop();
      }
      outcome.push(
        `${what}: stuck for ${REALISTIC_RESYNC_MS} ms (${stuck.slice(0, 2).join('; ')}), repaired by resync`,
      );
    }
    if (repaired() > 0 && outcome.length >= 4) break;
  }
  for (const o of outcome) console.log(`  ${o}`);
  const t = faultTotals(ctx);
  console.log(`  dropped so far: ${t.dropped} of ${t.received} deliveries`);
  assert.ok(repaired() > 0, 'the drops mattered: a change was stuck until a resync fired');
  setFaults(ctx, NO_FAULTS);
  await replayWritesNothing(ctx, ns, name);
  await assertScaledToZero(ctx.op, zero);
});

test('scale-in and deletion under faults leave no child and no finalizer behind', async (ctx) => {
  const zero = scaleDowns(ctx.op);
  const resync = periodicResync(ctx, RESYNC_MS);
  try {
    setFaults(ctx, LOSSY);
    const { ns, name } = await createCluster(ctx, 'removal', 4);
    await timedConvergence(ctx.kube, ns, name, 'removal: create', BOUND);
    await patch(ctx, ns, name, { size: 1 });
    await timedConvergence(ctx.kube, ns, name, 'removal: scale-in 4 → 1', BOUND);
    await patch(ctx, ns, name, { size: 3 });
    await timedConvergence(ctx.kube, ns, name, 'removal: scale 1 → 3', BOUND);
    if (OFF.has('finalize')) Object.assign(ctx.proxies.get('finalize')!.faults, { drop: 1, pings: true });
    const r = await ctx.c.kubectl(['delete', 'gpss', name, '-n', ns, '--wait=false']);
    assert.is(r.code, 0, r.stderr);
    await timedRemoval(ctx, ns, name, 'removal: cluster deleted under faults');
  } finally {
    resync.stop();
    setFaults(ctx, NO_FAULTS);
  }
  await assertScaledToZero(ctx.op, zero);
});

test('finalize killed while a deletion is half done: the next start finishes it', async (ctx) => {
  const zero = scaleDowns(ctx.op);
  const resync = periodicResync(ctx, RESYNC_MS);
  try {
    const { ns, name } = await createCluster(ctx, 'halfdone', 3);
    await timedConvergence(ctx.kube, ns, name, 'halfdone: create', BOUND);
    const finalize = ctx.op.functions.get('finalize')!.activator;
    const failedBefore = finalize.stats.failedInFlight;
    const r = await ctx.c.kubectl(['delete', 'gpss', name, '-n', ns, '--wait=false']);
    assert.is(r.code, 0, r.stderr);
    // Killed as soon as it handles an event of the deletion, with the cluster's finalizer still on.
    await waitFor('finalize handling the deletion', async () => finalize.inFlight() > 0, {
      timeoutMs: 30_000,
      intervalMs: 1,
    });
    await ctx.op.killFunction('finalize');
    if (OFF.has('restart')) await finalize.close();
    const at = await ctx.kube.get<{ metadata: { finalizers?: string[] } }>('gpssclusters', ns, name);
    const pods = await ctx.kube.list('pods', ns);
    console.log(
      `  killed finalize mid-deletion: cluster finalizers [${at?.metadata.finalizers ?? 'gone'}], ${pods.items.length} pod(s) left`,
    );
    assert.ok(at?.metadata.finalizers?.length, 'the deletion was not finished when finalize died');
    assert.ok(finalize.stats.failedInFlight > failedBefore, 'a delivery died with the process');
    await timedRemoval(ctx, ns, name, 'halfdone: deletion finished after the kill');
  } finally {
    resync.stop();
  }
  await assertScaledToZero(ctx.op, zero);
});

test('the adapter restarts mid-scenario', async (ctx) => {
  const zero = scaleDowns(ctx.op);
  const resync = periodicResync(ctx, RESYNC_MS);
  try {
    const { ns, name } = await createCluster(ctx, 'adapter', 3);
    await timedConvergence(ctx.kube, ns, name, 'adapter: create', BOUND);
    await patch(ctx, ns, name, { size: 4 });
    await ctx.op.restartAdapter('gpss-reconcile');
    await patch(ctx, ns, name, { image: 'example.invalid/gpss:3' });
    await timedConvergence(ctx.kube, ns, name, 'adapter restarted during scale and image change', BOUND);
  } finally {
    resync.stop();
  }
  await assertScaledToZero(ctx.op, zero);
});

test('a function is killed while an event is in flight', async (ctx) => {
  const zero = scaleDowns(ctx.op);
  const resync = periodicResync(ctx, RESYNC_MS);
  try {
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
  } finally {
    resync.stop();
  }
  await assertScaledToZero(ctx.op, zero);
});

test('the API server restarts', async (ctx) => {
  const zero = scaleDowns(ctx.op);
  const resync = periodicResync(ctx, RESYNC_MS);
  try {
    const { ns, name } = await createCluster(ctx, 'apiserver', 2);
    await timedConvergence(ctx.kube, ns, name, 'apiserver: create', BOUND);
    await patch(ctx, ns, name, { size: 3 });
    const t0 = Date.now();
    await restartComponent(defaultConfig(), 'kube-apiserver');
    console.log(`  kube-apiserver restarted in ${Date.now() - t0} ms`);
    await patch(ctx, ns, name, { image: 'example.invalid/gpss:5' });
    await timedConvergence(ctx.kube, ns, name, 'API server restarted during scale and image change', BOUND);
  } finally {
    resync.stop();
  }
  await assertScaledToZero(ctx.op, zero);
});

// The last scenario: every namespace of the suite goes away while the operator still runs (and
// resyncs) to release its finalizers. Nothing edits a finalizer; one left behind fails here, named.
test('teardown: every scenario namespace is deleted and no finalizer is left', async (ctx) => {
  setFaults(ctx, NO_FAULTS);
  const resync = periodicResync(ctx, RESYNC_MS);
  const left: string[] = [];
  try {
    for (const ns of ctx.namespaces) await deleteNamespace(ns).catch((err: Error) => left.push(err.message));
  } finally {
    resync.stop();
  }
  assert.equal(left, [], left.join('\n'));
});

test.run();
