// functions/finalize through its HTTP interface against the embedded cluster, acting as its own
// ServiceAccount, beside functions/reconcile (which creates and sizes the clusters). The test plays the
// event sources: each round sends both functions an event for the CR and for every object their
// ApiServerSources watch (finalize: the CR and its pods), and redelivers on 503 as eventing would.
// No PingSource event is sent: a resync reaches every namespace, and other suites share this cluster.
//
// Ordering is proven from the kube-apiserver audit log (server-side timestamps of each write and who
// made it). In this cluster KWOK plays the kubelet: its pod-delete stage sends the final delete with
// grace period 0 that a kubelet sends once the pod's containers have exited, which is what finalize
// reads as "the GPSS process has stopped".
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import type { CloudEvent } from 'cloudevents';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { createApp as createFinalize } from '../../functions/finalize/app';
import { removeFinalizer } from '../../functions/finalize/finalizers';
import { createApp as createReconcile } from '../../functions/reconcile/app';
import type { KubeClient } from '../../lib/k8s/client';
import { createLogger } from '../../lib/runtime/log';
import {
  convergeBy,
  deleteNamespace,
  freshNamespace,
  type SharedCluster,
  sharedCluster,
  waitFor,
} from '../support/cluster';
import {
  type AppLike,
  type AuditMark,
  adapterEvent,
  adminClient,
  auditEventsSince,
  auditMark,
  deliver,
  functionClient,
  installOperator,
  serviceAccountUser,
  writesSince,
} from '../support/operator';

const HOLD = 'test.example/hold';
const FIN_USER = serviceAccountUser('finalize');

interface Obj {
  apiVersion: string;
  kind: string;
  metadata: {
    name: string;
    namespace: string;
    uid: string;
    resourceVersion: string;
    deletionTimestamp?: string;
    deletionGracePeriodSeconds?: number;
    finalizers?: string[];
  };
  spec?: Record<string, unknown>;
  status?: {
    conditions?: Array<{ type: string; status: string; reason: string; message: string }>;
    readyReplicas?: number;
  };
}
interface Svc extends Obj {
  spec: { ports: Array<{ nodePort?: number }> };
}

interface Ctx {
  c: SharedCluster;
  ns: string;
  admin: KubeClient;
  recApp: AppLike;
  finApp: AppLike;
  /** Every event sent to finalize, for the replays. */
  finEvents: CloudEvent<unknown>[];
  lastSeen: Map<string, Obj>;
  /** Pods (by uid) whose add event was sent: the source sends one add per pod, then updates. */
  added: Set<string>;
  clients: KubeClient[];
  /** Nodes this suite added (tainted so only its own clusters land there); deleted at the end. */
  nodes: string[];
}

const finLog: Array<Record<string, unknown>> = [];
const sink = new Writable({
  write(chunk, _enc, cb) {
    for (const l of chunk.toString().split('\n').filter(Boolean)) finLog.push(JSON.parse(l));
    cb();
  },
});

const test = suite<Ctx>('functions/finalize');

test.before(async (ctx) => {
  ctx.c = await sharedCluster();
  await installOperator(ctx.c);
  ctx.ns = await freshNamespace('finalize');
  ctx.admin = await adminClient(ctx.c);
  const rec = await functionClient(ctx.c, 'reconcile');
  const fin = await functionClient(ctx.c, 'finalize');
  ctx.clients = [ctx.admin, rec, fin];
  ctx.recApp = createReconcile({ kube: rec, logger: createLogger({ name: 'reconcile', level: 'silent' }) });
  ctx.finApp = createFinalize({
    kube: fin,
    logger: createLogger({ name: 'finalize', level: 'info', destination: sink }),
  });
  ctx.finEvents = [];
  ctx.lastSeen = new Map();
  ctx.added = new Set();
  ctx.nodes = [];
});

test.after(async (ctx) => {
  // Whatever a failed test left behind is released by finalize itself: no PingSource runs here, so
  // teardown delivers each remaining object's event to the suite's finalize until the namespace is gone.
  if (ctx.admin && ctx.ns) {
    const drive = async () => {
      for (const res of ['gpssclusters', 'pods'] as const) {
        for (const o of (await ctx.admin.list<Obj>(res, ctx.ns)).items) {
          // A pod on a node this suite lost would otherwise wait for a kubelet that never comes.
          if (res === 'pods' && o.metadata.deletionTimestamp && o.metadata.deletionGracePeriodSeconds !== 0)
            await ctx.admin.delete('pods', ctx.ns, o.metadata.name, { gracePeriodSeconds: 0 });
          await deliver(ctx.finApp, adapterEvent(o));
        }
      }
    };
    await deleteNamespace(ctx.ns, { drive });
  }
  if (ctx.nodes?.length)
    await ctx.c.kubectl(['delete', 'node', ...ctx.nodes, '--ignore-not-found', '--wait=false']);
  for (const k of ctx.clients ?? []) k.close();
});

const CONFIG = (id: string) =>
  `{"ListenAddress":{"Host":"","Port":5000},"Gpfdist":{"Host":"","Port":8090},"Cluster":{"Id":"${id}","Port":5001,"Etcd":{"Endpoints":["etcd:2379"]}}}`;

async function createCluster(ctx: Ctx, name: string, spec: Record<string, unknown>) {
  const cr = {
    apiVersion: 'gpss.gpdb.io/v1',
    kind: 'GpssCluster',
    metadata: { name, namespace: ctx.ns },
    spec: { image: 'example.invalid/gpss:1', gpss_config: CONFIG(name), ...spec },
  };
  const r = await ctx.c.kubectl(['apply', '-f', '-'], { input: JSON.stringify(cr) });
  assert.is(r.code, 0, r.stderr);
}

const selector = (name: string) =>
  `app.kubernetes.io/instance=${name},app.kubernetes.io/managed-by=gpss-operator`;
const listOf = async <T = Obj>(ctx: Ctx, res: 'pods' | 'services' | 'statefulsets', name: string) =>
  (await ctx.admin.list<T>(res, ctx.ns, { labelSelector: selector(name) })).items;
const getCr = (ctx: Ctx, name: string) => ctx.admin.get<Obj>('gpssclusters', ctx.ns, name);
const gpfdist = (svcs: Svc[], name: string) =>
  svcs.filter((s) => new RegExp(`^${name}-gpfdist-\\d+$`).test(s.metadata.name));

/** Delivers like eventing: a 503 is redelivered; anything but 200 in the end fails the test. */
async function send(app: AppLike, ev: CloudEvent<unknown>) {
  for (let attempt = 1; ; attempt++) {
    const res = await deliver(app, ev);
    if (res.status === 200) return;
    const body = await res.text();
    if (res.status !== 503 || attempt === 5)
      assert.unreachable(`${ev.type} ${ev.subject}: ${res.status} ${body}`);
  }
}

/** One round of events for a cluster, as the two ApiServerSources would send them. */
async function round(ctx: Ctx, name: string) {
  const cr = await getCr(ctx, name);
  const crEvent = cr
    ? adapterEvent(cr)
    : ctx.lastSeen.has(name)
      ? adapterEvent(ctx.lastSeen.get(name)!, 'delete')
      : undefined;
  if (cr) ctx.lastSeen.set(name, cr);
  const [pods, svcs, stss] = await Promise.all([
    listOf(ctx, 'pods', name),
    listOf(ctx, 'services', name),
    listOf(ctx, 'statefulsets', name),
  ]);
  for (const ev of [
    ...(crEvent ? [crEvent] : []),
    ...stss.map((o) => adapterEvent(o)),
    ...svcs.map((o) => adapterEvent(o)),
  ])
    await send(ctx.recApp, ev);
  const podEvents = pods.map((o) => {
    const first = !ctx.added.has(o.metadata.uid);
    ctx.added.add(o.metadata.uid);
    return adapterEvent(o, first ? 'add' : 'update');
  });
  for (const ev of [...(crEvent ? [crEvent] : []), ...podEvents]) {
    ctx.finEvents.push(ev);
    await send(ctx.finApp, ev);
  }
}

function converge<T>(
  ctx: Ctx,
  name: string,
  what: string,
  check: () => Promise<T | undefined | false>,
  timeoutMs = 45_000,
): Promise<T> {
  return convergeBy(() => round(ctx, name), what, check, timeoutMs);
}

const isReady = (p: Obj) =>
  !p.metadata.deletionTimestamp &&
  (p.status?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True');

/** size Ready pods, each guarded; size gpfdist Services; the CR guarded. */
async function guardedAndSized(ctx: Ctx, name: string, size: number) {
  const [cr, pods, svcs] = await Promise.all([
    getCr(ctx, name),
    listOf(ctx, 'pods', name),
    listOf<Svc>(ctx, 'services', name),
  ]);
  const ok =
    cr?.metadata.finalizers?.includes('gpss.gpdb.io/finalizer') &&
    pods.length === size &&
    pods.every((p) => isReady(p) && p.metadata.finalizers?.includes('gpss.gpdb.io/instance')) &&
    gpfdist(svcs, name).length === size;
  return ok ? { pods, svcs: gpfdist(svcs, name) } : undefined;
}

async function leftovers(ctx: Ctx, name: string): Promise<string[]> {
  const [pods, svcs, stss, cm, pdb, cr] = await Promise.all([
    listOf(ctx, 'pods', name),
    listOf(ctx, 'services', name),
    listOf(ctx, 'statefulsets', name),
    ctx.admin.get<Obj>('configmaps', ctx.ns, `${name}-instance-config`),
    ctx.admin.get<Obj>('poddisruptionbudgets', ctx.ns, name),
    getCr(ctx, name),
  ]);
  return [...pods, ...svcs, ...stss, cm, pdb, cr]
    .filter((o): o is Obj => !!o)
    .map((o) => `${o.kind}/${o.metadata.name}`);
}

/**
 * Waits for the real garbage collector. On a freshly started controller-manager it may take up to
 * its 30 s discovery resync before it watches a just-installed CRD, hence the generous bound.
 */
async function nothingLeft(ctx: Ctx, name: string) {
  const t0 = Date.now();
  try {
    await waitFor(
      `garbage collection of every object of ${name}`,
      async () => (await leftovers(ctx, name)).length === 0,
      { timeoutMs: 90_000, intervalMs: 200 },
    );
  } catch (err) {
    throw new Error(`${(err as Error).message}; left: ${(await leftovers(ctx, name)).join(', ')}`);
  }
  console.log(`  garbage collected in ${Date.now() - t0} ms`);
}

async function hold(ctx: Ctx, pod: string) {
  await ctx.admin.patch(
    'pods',
    ctx.ns,
    pod,
    [{ op: 'add', path: '/metadata/finalizers/-', value: HOLD }],
    'json',
  );
}

async function unhold(ctx: Ctx, pod: string) {
  const p = await ctx.admin.get<Obj>('pods', ctx.ns, pod);
  if (!p) return;
  const t = { res: 'pods' as const, namespace: ctx.ns, name: pod, finalizers: p.metadata.finalizers };
  await removeFinalizer(ctx.admin, t, HOLD, 'test');
}

/** Deterministic shuffle of `times` copies: replayed, duplicated and out of order. */
function shuffled<T>(items: T[], times: number): T[] {
  const out = Array.from({ length: times }, () => items).flat();
  for (let i = out.length - 1; i > 0; i--) {
    const j = (i * 7919 + 13) % (i + 1);
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

/**
 * Replays events; returns the writes the API server accepted. A replayed copy of a pod's add event
 * makes finalize send its guard's patch pinned to that copy, which the API server refuses (422: the
 * pod carries the finalizer now) and which writes nothing; any other refusal is returned too.
 */
async function replay(ctx: Ctx, events: CloudEvent<unknown>[]) {
  const mark = auditMark();
  for (const ev of events) await send(ctx.finApp, ev);
  const written = writesSince(mark, FIN_USER).filter((w) => w.responseStatus?.code !== 422);
  return written.map(
    (w) =>
      `${w.verb} ${w.objectRef?.resource}${w.objectRef?.subresource ? `/${w.objectRef.subresource}` : ''} ${w.objectRef?.name}`,
  );
}

/** Completed writes in the namespace since the mark, with who made them and when (server clock). */
function auditWrites(mark: AuditMark, ns: string) {
  return auditEventsSince(mark)
    .filter(
      (e) =>
        e.objectRef?.namespace === ns &&
        ['create', 'patch', 'update', 'delete'].includes(e.verb) &&
        (e.responseStatus?.code ?? 0) < 300,
    )
    .map((e) => ({
      verb: e.verb,
      resource: e.objectRef?.subresource
        ? `${e.objectRef.resource}/${e.objectRef.subresource}`
        : e.objectRef?.resource,
      name: e.objectRef?.name ?? '',
      who: e.impersonatedUser?.username ?? e.user.username,
      agent: e.userAgent ?? '',
      t: Date.parse(e.stageTimestamp),
      us: e.stageTimestamp,
    }));
}
type Write = ReturnType<typeof auditWrites>[number];
const first = (ws: Write[], f: (w: Write) => boolean) => ws.find(f);
const last = (ws: Write[], f: (w: Write) => boolean) => [...ws].reverse().find(f);

/** A kubectl watch on one CR, keeping every version's conditions (a status can be short-lived). */
function watchConditions(ctx: Ctx, name: string): { lines: string[]; proc: ChildProcess } {
  const lines: string[] = [];
  const proc = spawn(
    join(ctx.c.binDir, 'kubectl'),
    [
      '--kubeconfig',
      ctx.c.kubeconfig,
      'get',
      'gpssclusters.gpss.gpdb.io',
      name,
      '-n',
      ctx.ns,
      '--watch',
      '-o',
      'jsonpath={.metadata.resourceVersion} {.status.conditions}{"\\n"}',
    ],
    { stdio: ['ignore', 'pipe', 'ignore'] },
  );
  let buf = '';
  proc.stdout!.on('data', (d) => {
    buf += d;
    for (let i = buf.indexOf('\n'); i >= 0; i = buf.indexOf('\n')) {
      if (buf.slice(0, i).trim()) lines.push(buf.slice(0, i));
      buf = buf.slice(i + 1);
    }
  });
  return { lines, proc };
}

const TEST_TAINT = 'gpss.gpdb.io/finalize-test';

/**
 * A node whose kubelet is gone: KWOK does not manage it (no kwok.x-k8s.io/node annotation), so a pod
 * bound there never runs and its deletion is never confirmed, exactly as on a lost node. (Removing
 * the annotation from a KWOK node is not enough: KWOK keeps finishing that node's pod deletions.)
 * Tainted so only this suite's clusters land there, and named to sort after the shared kwok-node-*
 * nodes; it has no address, so no NodePort instance of another suite can pick it.
 */
async function addLostNode(ctx: Ctx): Promise<string> {
  const name = `lost-finalize-${randomBytes(3).toString('hex')}`;
  ctx.nodes.push(name);
  const node = {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name, labels: { 'kubernetes.io/hostname': name } },
    spec: { taints: [{ key: TEST_TAINT, value: ctx.ns, effect: 'NoSchedule' }] },
    status: {
      allocatable: { cpu: '32', memory: '256Gi', pods: '110' },
      capacity: { cpu: '32', memory: '256Gi', pods: '110' },
    },
  };
  const r = await ctx.c.kubectl(['create', '-f', '-'], { input: JSON.stringify(node) });
  assert.is(r.code, 0, r.stderr);
  return name;
}

// ---------------------------------------------------------------------------------------------------

test('a new cluster and each of its instance pods are guarded by finalizers', async (ctx) => {
  await createCluster(ctx, 'gp', { size: 3, service: { gpss: 'NodePort', gpfdist: 'NodePort' } });
  await converge(ctx, 'gp', '3 guarded instances', () => guardedAndSized(ctx, 'gp', 3));
  const summaries = finLog.filter((l) => l.msg === 'event handled' && l.cluster === `${ctx.ns}/gp`);
  assert.ok(summaries.length > 0);
  for (const k of ['eventId', 'eventType', 'outcome', 'writes', 'reads', 'ms'])
    assert.ok(k in summaries[0], `summary has ${k}`);
});

test('a late pod add event (its copy lacks the finalizer the pod has now) changes nothing: its pinned patch is refused, then the pod is read', async (ctx) => {
  const [pod] = await listOf(ctx, 'pods', 'gp');
  assert.ok(pod?.metadata.finalizers?.includes('gpss.gpdb.io/instance'), 'a guarded pod');
  const copy = {
    ...pod,
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { ...pod.metadata, finalizers: undefined },
  };
  const late = adapterEvent(copy, 'add');
  await send(ctx.finApp, late);
  const line = finLog.find((l) => l.msg === 'event handled' && l.eventId === late.id);
  assert.equal(line && { outcome: line.outcome, reads: line.reads }, { outcome: 'unchanged', reads: 2 });
  assert.ok(
    finLog.some((l) => l.eventId === late.id && l.decision === 'read-pods'),
    'the refused patch had the pod read again',
  );
  const after = await ctx.admin.get<Obj>('pods', ctx.ns, pod.metadata.name);
  assert.is(after?.metadata.resourceVersion, pod.metadata.resourceVersion, 'the pod was not written');
});

test("a late event of a pod's predecessor (same name, stopped) does not release the live pod that replaced it", async (ctx) => {
  const [pod] = await listOf(ctx, 'pods', 'gp');
  assert.ok(pod?.metadata.finalizers?.includes('gpss.gpdb.io/instance'), 'a guarded pod');
  const predecessor = {
    ...pod,
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      ...pod.metadata,
      uid: randomUUID(),
      deletionTimestamp: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'),
      deletionGracePeriodSeconds: 0,
    },
  };
  const late = adapterEvent(predecessor, 'update');
  await send(ctx.finApp, late);
  assert.ok(
    finLog.some((l) => l.eventId === late.id && l.decision === 'release-instance'),
    "the event's copy asked for a release",
  );
  const after = await ctx.admin.get<Obj>('pods', ctx.ns, pod.metadata.name);
  assert.equal(after?.metadata.finalizers, pod.metadata.finalizers, 'the live pod is still guarded');
  assert.is(after?.metadata.resourceVersion, pod.metadata.resourceVersion, 'the live pod was not written');
});

test('a late event of a predecessor held past its time box records nothing: a forced release is decided from the pod as it is now', async (ctx) => {
  const [pod] = await listOf(ctx, 'pods', 'gp');
  const before = await getCr(ctx, 'gp');
  const predecessor = {
    ...pod,
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      ...pod.metadata,
      uid: randomUUID(),
      // Deleted an hour ago and never confirmed stopped: its copy reads as a time box long expired.
      deletionTimestamp: new Date(Date.now() - 3_600_000).toISOString().replace(/\.\d{3}Z$/, 'Z'),
      deletionGracePeriodSeconds: 30,
    },
  };
  const late = adapterEvent(predecessor, 'update');
  await send(ctx.finApp, late);
  const line = finLog.find((l) => l.msg === 'event handled' && l.eventId === late.id);
  assert.is(line?.writes, 0, 'no condition, no Event, no patch');
  assert.ok(
    !finLog.some((l) => l.eventId === late.id && l.reason === 'InstanceTerminationForced'),
    'no forced release recorded from a stale copy',
  );
  const after = await getCr(ctx, 'gp');
  assert.is(after?.metadata.resourceVersion, before?.metadata.resourceVersion, 'the cluster was not written');
});

test('replayed events on a guarded cluster write nothing', async (ctx) => {
  await converge(ctx, 'gp', 'no more finalize writes', async () => {
    const m = auditMark();
    await round(ctx, 'gp');
    return writesSince(m, FIN_USER).length === 0;
  });
  const writes = await replay(ctx, shuffled(ctx.finEvents.slice(-40), 3));
  assert.equal(writes, []);
});

test('scale 5 → 2: each removed Service is deleted only after its pod stopped, then the pod goes', async (ctx) => {
  let r = await ctx.c.kubectl(['scale', 'gpss/gp', '-n', ctx.ns, '--replicas=5']);
  assert.is(r.code, 0, r.stderr);
  await converge(ctx, 'gp', '5 guarded instances', () => guardedAndSized(ctx, 'gp', 5));
  const before = new Map(
    gpfdist(await listOf<Svc>(ctx, 'services', 'gp'), 'gp').map((s) => [
      s.metadata.name,
      `${s.metadata.uid} ${s.spec.ports[0].nodePort}`,
    ]),
  );
  const mark = auditMark();
  r = await ctx.c.kubectl(['scale', 'gpss/gp', '-n', ctx.ns, '--replicas=2']);
  assert.is(r.code, 0, r.stderr);
  await converge(ctx, 'gp', 'size 2, nothing terminating', () => guardedAndSized(ctx, 'gp', 2));

  const writes = auditWrites(mark, ctx.ns);
  for (const i of [2, 3, 4]) {
    const pod = `gp-${i}`;
    const svc = `gp-gpfdist-${i}`;
    const podWrite = (f: (w: Write) => boolean) => (w: Write) =>
      w.resource === 'pods' && w.name === pod && f(w);
    const requested = first(
      writes,
      podWrite((w) => w.verb === 'delete'),
    );
    const stopped = first(
      writes,
      podWrite((w) => w.verb === 'delete' && w.agent.startsWith('kwok')),
    );
    const svcDeleted = first(
      writes,
      (w) => w.resource === 'services' && w.name === svc && w.verb === 'delete',
    );
    const released = last(
      writes,
      podWrite((w) => w.verb === 'patch' && w.who === FIN_USER),
    );
    assert.ok(requested && stopped && svcDeleted && released, `${pod}: every step is in the audit log`);
    assert.is(svcDeleted!.who, FIN_USER, `${svc} is deleted by finalize`);
    assert.ok(stopped!.t <= svcDeleted!.t, `${svc} deleted after ${pod} stopped`);
    assert.ok(svcDeleted!.t <= released!.t, `${pod} released (and gone) after ${svc} was deleted`);
    assert.is(await ctx.admin.get('pods', ctx.ns, pod), undefined);
    console.log(
      `  ${pod}: delete requested ${requested!.us}; stopped +${stopped!.t - requested!.t} ms; ` +
        `${svc} deleted +${svcDeleted!.t - requested!.t} ms; pod released +${released!.t - requested!.t} ms`,
    );
  }
  const after = new Map(
    gpfdist(await listOf<Svc>(ctx, 'services', 'gp'), 'gp').map((s) => [
      s.metadata.name,
      `${s.metadata.uid} ${s.spec.ports[0].nodePort}`,
    ]),
  );
  for (const s of ['gp-gpfdist-0', 'gp-gpfdist-1'])
    assert.is(after.get(s), before.get(s), `${s} kept its uid and node port`);
  assert.equal(
    writes.filter((w) => w.resource === 'pods' && /^gp-[01]$/.test(w.name) && w.verb === 'delete'),
    [],
    'instances 0-1 were not touched',
  );
});

test('a restarted instance (same ordinal, within size) keeps its Service and address', async (ctx) => {
  const old = (await ctx.admin.get<Obj>('pods', ctx.ns, 'gp-1'))!;
  const svcBefore = (await ctx.admin.get<Svc>('services', ctx.ns, 'gp-gpfdist-1'))!;
  const mark = auditMark();
  const r = await ctx.c.kubectl(['delete', 'pod', 'gp-1', '-n', ctx.ns, '--wait=false']);
  assert.is(r.code, 0, r.stderr);
  await converge(ctx, 'gp', 'gp-1 replaced and guarded', async () => {
    const g = await guardedAndSized(ctx, 'gp', 2);
    return g?.pods.some((p) => p.metadata.name === 'gp-1' && p.metadata.uid !== old.metadata.uid);
  });
  const svc = (await ctx.admin.get<Svc>('services', ctx.ns, 'gp-gpfdist-1'))!;
  assert.is(svc.metadata.uid, svcBefore.metadata.uid);
  assert.is(svc.spec.ports[0].nodePort, svcBefore.spec.ports[0].nodePort);
  const writes = auditWrites(mark, ctx.ns);
  assert.equal(
    writes.filter((w) => w.resource === 'services' && w.verb === 'delete'),
    [],
  );
  assert.ok(
    writes.some(
      (w) => w.resource === 'pods' && w.name === 'gp-1' && w.verb === 'patch' && w.who === FIN_USER,
    ),
    'the old pod was released by finalize',
  );
});

test('deleting a 3-instance cluster: instances stop first, replays write nothing, nothing remains', async (ctx) => {
  let r = await ctx.c.kubectl(['scale', 'gpss/gp', '-n', ctx.ns, '--replicas=3']);
  assert.is(r.code, 0, r.stderr);
  await converge(ctx, 'gp', '3 guarded instances', () => guardedAndSized(ctx, 'gp', 3));
  // gp-0 is held by someone else's finalizer for a while: a stable in-flight state to replay against.
  await hold(ctx, 'gp-0');
  const mark = auditMark();
  const logFrom = finLog.length;
  const t0 = Date.now();
  r = await ctx.c.kubectl(['delete', 'gpss', 'gp', '-n', ctx.ns, '--wait=false']);
  assert.is(r.code, 0, r.stderr);
  const waiting = await converge(ctx, 'gp', 'waiting for gp-0 only', async () => {
    const [cr, pods] = await Promise.all([getCr(ctx, 'gp'), listOf(ctx, 'pods', 'gp')]);
    const c = cr?.status?.conditions?.find((x) => x.type === 'Finalizing');
    return pods.length === 1 && c?.message.includes('1 instance pod(s)') ? c : undefined;
  });
  assert.is(waiting.reason, 'StoppingInstances');
  assert.match(waiting.message, 'gp-0 (held by test.example/hold)');
  const sts = await ctx.admin.get<{ spec: { replicas: number } }>('statefulsets', ctx.ns, 'gp');
  assert.is(sts!.spec.replicas, 0, 'scaled to 0');

  const events = shuffled(ctx.finEvents.slice(-60), 3);
  const replayed = await replay(ctx, events);
  console.log(`  replayed ${events.length} events during the deletion: ${replayed.length} writes`);
  assert.equal(replayed, []);

  await unhold(ctx, 'gp-0');
  await converge(ctx, 'gp', 'cluster deleted', async () => !(await getCr(ctx, 'gp')));
  await nothingLeft(ctx, 'gp');
  console.log(`  deletion to nothing left: ${Date.now() - t0} ms`);

  const writes = auditWrites(mark, ctx.ns);
  const crReleased = last(
    writes,
    (w) => w.resource === 'gpssclusters' && w.name === 'gp' && w.verb === 'patch' && w.who === FIN_USER,
  );
  assert.ok(crReleased, 'finalize removed the cluster finalizer');
  for (const p of ['gp-0', 'gp-1', 'gp-2']) {
    const stopped = first(writes, (w) => w.resource === 'pods' && w.name === p && w.agent.startsWith('kwok'));
    const gone = last(writes, (w) => w.resource === 'pods' && w.name === p && w.verb === 'patch');
    assert.ok(stopped && gone, `${p} stopped and was let go`);
    assert.ok(gone!.t < crReleased!.t, `${p} was gone before the cluster finalizer was removed`);
  }

  // The story, as Kubernetes Events (in the order they were created, the StatefulSet controller's
  // included) and as finalize's log.
  type Ev = { metadata: { name: string }; reason: string; involvedObject: { name: string; kind: string } };
  const byName = new Map(
    (await ctx.admin.list<Ev>('events', ctx.ns)).items
      .filter((e) => e.involvedObject.name === 'gp')
      .map((e) => [e.metadata.name, e]),
  );
  const story = writes
    .filter((w) => w.resource === 'events' && w.verb === 'create' && byName.has(w.name))
    .map((w) => byName.get(w.name)!);
  console.log(`  Events: ${story.map((e) => `${e.involvedObject.kind}/${e.reason}`).join(' → ')}`);
  assert.equal(
    story.filter((e) => e.involvedObject.kind === 'GpssCluster').map((e) => e.reason),
    ['StoppingInstances', 'InstanceStopped', 'InstanceStopped', 'InstanceStopped', 'Finalized'],
  );
  const decisions = finLog
    .slice(logFrom)
    .filter((l) => l.cluster === `${ctx.ns}/gp` && typeof l.decision === 'string' && l.decision !== 'event')
    .map((l) => (l.pod ? `${l.decision} ${l.pod}` : l.decision));
  console.log(`  log: ${decisions.join(' → ')}`);
  assert.is(decisions[0], 'status');
  assert.ok(
    decisions.indexOf('scale-to-zero') < decisions.findIndex((d) => String(d).startsWith('release-instance')),
  );
  assert.is(decisions.at(-1), 'remove-cluster-finalizer');
  assert.is(decisions.filter((d) => String(d).startsWith('release-instance')).length, 3);

  const afterGone = await replay(ctx, shuffled(ctx.finEvents.slice(-60), 2));
  assert.equal(afterGone, [], 'replays after the deletion write nothing either');
});

test('the last pod let go in a deletion ends it in that pass: its delete event, still showing the finalizer, is not judged', async (ctx) => {
  await createCluster(ctx, 'last', { size: 1, service: { gpss: 'ClusterIP', gpfdist: 'ClusterIP' } });
  await converge(ctx, 'last', '1 guarded instance', () => guardedAndSized(ctx, 'last', 1));
  const r = await ctx.c.kubectl(['delete', 'gpss', 'last', '-n', ctx.ns, '--wait=false']);
  assert.is(r.code, 0, r.stderr);
  // The deletion's own event: finalize scales to 0; KWOK then lets the pod go (grace period 0).
  await send(ctx.finApp, adapterEvent((await getCr(ctx, 'last'))!));
  const letGo = await waitFor('last-0 let go by its node', async () => {
    const [p] = await listOf(ctx, 'pods', 'last');
    return p?.metadata.deletionGracePeriodSeconds === 0 ? p : undefined;
  });
  // From here only the pod's own events, as its source sends them (no echo of finalize's status
  // writes): its update, then its delete event, which shows the pod as last stored (still guarded).
  await send(ctx.finApp, adapterEvent(letGo, 'update'));
  await send(ctx.finApp, adapterEvent(letGo, 'delete'));
  const log = finLog.filter((l) => l.cluster === `${ctx.ns}/last` && l.msg === 'event handled').at(-1);
  assert.is(log?.outcome, 'released-gone', 'the delete event is answered without a read');
  await waitFor('the cluster gone', async () => !(await getCr(ctx, 'last')), { timeoutMs: 10_000 });
  assert.equal(await listOf(ctx, 'pods', 'last'), []);
});

test('a pod that never finishes terminating does not hold the deletion past the time box', async (ctx) => {
  await createCluster(ctx, 'stuck', {
    size: 2,
    service: { gpss: 'ClusterIP', gpfdist: 'ClusterIP' },
    termination_grace_seconds: 5,
    finalize_timeout_seconds: 5,
  });
  await converge(ctx, 'stuck', '2 guarded instances', () => guardedAndSized(ctx, 'stuck', 2));
  await hold(ctx, 'stuck-1');
  const watch = watchConditions(ctx, 'stuck');
  try {
    await waitFor('the watch to start', async () => watch.lines.length > 0);
    const t0 = Date.now();
    const r = await ctx.c.kubectl(['delete', 'gpss', 'stuck', '-n', ctx.ns, '--wait=false']);
    assert.is(r.code, 0, r.stderr);
    await converge(
      ctx,
      'stuck',
      'deletion forced at the time box',
      async () => !(await getCr(ctx, 'stuck')),
      30_000,
    );
    const took = Date.now() - t0;
    console.log(`  CR gone ${took} ms after the delete (finalize_timeout_seconds=5)`);
    assert.ok(took >= 5_000, 'not forced before the time box');
    const forced = await waitFor('the forced condition in the watch', async () =>
      watch.lines.find((l) => l.includes('InstanceTerminationForced')),
    );
    assert.match(forced, '"status":"True"');
    assert.match(forced, 'stuck-1 (stopped, held by test.example/hold)');
    assert.match(forced, 'finalize_timeout_seconds=5');
  } finally {
    watch.proc.kill();
  }
  const events = await ctx.admin.list<{
    reason: string;
    type: string;
    message: string;
    involvedObject: { name: string };
  }>('events', ctx.ns);
  const warning = events.items.find(
    (e) => e.involvedObject.name === 'stuck' && e.reason === 'FinalizeTimeBoxExpired',
  );
  assert.ok(warning, 'a Warning Event says what was forced');
  assert.is(warning!.type, 'Warning');
  assert.match(warning!.message, 'stuck-1');
  assert.ok(await ctx.admin.get('pods', ctx.ns, 'stuck-1'), "someone else's finalizer is left alone");
  await unhold(ctx, 'stuck-1');
  await nothingLeft(ctx, 'stuck');
});

test('maintenance suspends the deletion until the time box, then lets it go', async (ctx) => {
  await createCluster(ctx, 'maint', {
    size: 2,
    service: { gpss: 'ClusterIP', gpfdist: 'ClusterIP' },
    termination_grace_seconds: 5,
    finalize_timeout_seconds: 5,
  });
  await converge(ctx, 'maint', '2 guarded instances', () => guardedAndSized(ctx, 'maint', 2));
  let r = await ctx.c.kubectl([
    'patch',
    'gpss',
    'maint',
    '-n',
    ctx.ns,
    '--type=merge',
    '-p',
    '{"spec":{"maintenance":true}}',
  ]);
  assert.is(r.code, 0, r.stderr);
  const mark = auditMark();
  const t0 = Date.now();
  r = await ctx.c.kubectl(['delete', 'gpss', 'maint', '-n', ctx.ns, '--wait=false']);
  assert.is(r.code, 0, r.stderr);
  const suspended = await converge(ctx, 'maint', 'Finalizing=True/Suspended', async () =>
    (await getCr(ctx, 'maint'))?.status?.conditions?.find(
      (c) => c.type === 'Finalizing' && c.reason === 'Suspended',
    ),
  );
  assert.match(suspended.message, 'spec.maintenance is true');
  const during = writesSince(mark, FIN_USER).map(
    (w) => `${w.verb} ${w.objectRef?.resource}/${w.objectRef?.subresource ?? ''}`,
  );
  assert.equal(during, ['patch gpssclusters/status'], 'only the condition is written while suspended');
  const sts = await ctx.admin.get<{ spec: { replicas: number } }>('statefulsets', ctx.ns, 'maint');
  assert.is(sts!.spec.replicas, 2, 'not scaled while in maintenance');
  await converge(
    ctx,
    'maint',
    'maintenance escape at the time box',
    async () => !(await getCr(ctx, 'maint')),
    30_000,
  );
  const took = Date.now() - t0;
  console.log(`  CR gone ${took} ms after the delete (finalize_timeout_seconds=5, maintenance)`);
  assert.ok(took >= 5_000, 'held until the time box');
  await nothingLeft(ctx, 'maint');
});

test('instances on a lost node (never confirm termination): scale-in and deletion go on at their time boxes', async (ctx) => {
  const node = await addLostNode(ctx);
  await createCluster(ctx, 'lost', {
    size: 2,
    service: { gpss: 'ClusterIP', gpfdist: 'ClusterIP' },
    termination_grace_seconds: 5,
    finalize_timeout_seconds: 5,
    node_selector: { 'kubernetes.io/hostname': node },
    // Exists without a key: the node lifecycle controller taints a node without a kubelet not-ready.
    tolerations: [{ operator: 'Exists' }],
  });
  await converge(ctx, 'lost', '2 guarded instances bound to the lost node', async () => {
    const [cr, pods, svcs] = await Promise.all([
      getCr(ctx, 'lost'),
      listOf<Obj & { spec: { nodeName?: string } }>(ctx, 'pods', 'lost'),
      listOf<Svc>(ctx, 'services', 'lost'),
    ]);
    return (
      cr?.metadata.finalizers?.length &&
      pods.length === 2 &&
      pods.every(
        (p) => p.spec.nodeName === node && p.metadata.finalizers?.includes('gpss.gpdb.io/instance'),
      ) &&
      gpfdist(svcs, 'lost').length === 2
    );
  });

  const mark = auditMark();
  let t0 = Date.now();
  let r = await ctx.c.kubectl(['scale', 'gpss/lost', '-n', ctx.ns, '--replicas=1']);
  assert.is(r.code, 0, r.stderr);
  const forced = await converge(
    ctx,
    'lost',
    'lost-1 let go at its time box',
    async () => {
      const [cr, pod, svc] = await Promise.all([
        getCr(ctx, 'lost'),
        ctx.admin.get<Obj>('pods', ctx.ns, 'lost-1'),
        ctx.admin.get('services', ctx.ns, 'lost-gpfdist-1'),
      ]);
      const c = cr?.status?.conditions?.find((x) => x.type === 'InstanceTerminationForced');
      return c && !svc && pod && !pod.metadata.finalizers?.length ? c : undefined;
    },
    30_000,
  );
  let took = Date.now() - t0;
  console.log(`  lost-1 let go ${took} ms after the scale-in (finalize_timeout_seconds=5)`);
  assert.ok(took >= 5_000, 'not before the time box');
  assert.match(forced.message, 'lost-1 had not stopped');
  assert.match(forced.message, 'deleted its gpfdist Service lost-gpfdist-1');
  const podLeft = (await ctx.admin.get<Obj>('pods', ctx.ns, 'lost-1'))!;
  assert.ok(
    podLeft.metadata.deletionTimestamp,
    "the pod itself stays Terminating (replacing it is health's job)",
  );
  const instanceEvents = await ctx.admin.list<{
    reason: string;
    type: string;
    involvedObject: { name: string };
  }>('events', ctx.ns);
  assert.ok(
    instanceEvents.items.some(
      (e) =>
        e.involvedObject.name === 'lost' && e.reason === 'InstanceTerminationForced' && e.type === 'Warning',
    ),
  );

  t0 = Date.now();
  r = await ctx.c.kubectl(['delete', 'gpss', 'lost', '-n', ctx.ns, '--wait=false']);
  assert.is(r.code, 0, r.stderr);
  await converge(
    ctx,
    'lost',
    'deletion forced at the time box',
    async () => !(await getCr(ctx, 'lost')),
    30_000,
  );
  took = Date.now() - t0;
  console.log(`  CR gone ${took} ms after the delete, pods on the lost node force-deleted`);
  assert.ok(took >= 5_000, 'not before the time box');
  await nothingLeft(ctx, 'lost');
  const forceDeletes = auditWrites(mark, ctx.ns)
    .filter((w) => w.resource === 'pods' && w.verb === 'delete' && w.who === FIN_USER)
    .map((w) => w.name);
  assert.equal(forceDeletes, ['lost-0', 'lost-1'], 'finalize force-deleted exactly the unconfirmed pods');
  const events = await ctx.admin.list<{ reason: string; message: string; involvedObject: { name: string } }>(
    'events',
    ctx.ns,
  );
  const warning = events.items.find(
    (e) => e.involvedObject.name === 'lost' && e.reason === 'FinalizeTimeBoxExpired',
  );
  assert.match(warning!.message, 'force-deleted lost-0, lost-1 (grace period 0)');
});

test.run();
