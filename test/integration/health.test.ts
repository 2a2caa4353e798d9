// functions/health through its HTTP interface against the embedded cluster, acting as its own
// ServiceAccount (RBAC is real). reconcile's app runs beside it, as in production: it builds the
// cluster and re-addresses instances after a failover. The test plays the event sources.
//
// Pod trouble is simulated with status patches on Running pods (KWOK's pod stages only act on
// Pending pods, so they do not undo them); Unschedulable is real (a node selector no node matches).
// Node loss uses nodes this suite adds and deletes again, tainted so only its own cluster lands
// there: the three shared kwok-node-* nodes, and every other suite's pods, are never touched.

import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Writable } from 'node:stream';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { parse } from 'yaml';
import { createApp as createHealthApp } from '../../functions/health/app';
import type { ContainerStatus } from '../../functions/health/instance-health';
import { createApp as createReconcileApp } from '../../functions/reconcile/app';
import type { GpssCluster, GpssClusterStatus } from '../../lib/api/types';
import type { KubeClient } from '../../lib/k8s/client';
import { createLogger } from '../../lib/runtime/log';
import { kwokNodeManifest, stopKubelet } from '../../localcluster/kwok-node';
import {
  convergeBy,
  deleteNamespace,
  freshNamespace,
  type SharedCluster,
  sharedCluster,
  waitFor,
} from '../support/cluster';
import {
  adapterEvent,
  adminClient,
  auditMark,
  deliver,
  functionClient,
  installOperator,
  serviceAccountUser,
  writesSince,
} from '../support/operator';
import { forbid, restoreRbac, waitForAuth } from '../support/rbac';

const HEALTH_USER = serviceAccountUser('health');
const SEED = parse(
  readFileSync(new URL('../../manifests/samples/gpfdist-nodeport.yaml', import.meta.url), 'utf8'),
) as GpssCluster;

interface Obj {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace: string; uid: string; deletionTimestamp?: string };
}
interface Pod extends Obj {
  spec: { nodeName?: string };
  status: {
    phase?: string;
    conditions?: Array<{ type: string; status: string; lastTransitionTime?: string }>;
    containerStatuses?: ContainerStatus[];
  };
}
type App = ReturnType<typeof createHealthApp>;

interface Ctx {
  c: SharedCluster;
  ns: string;
  admin: KubeClient;
  health: App;
  reconcile: App;
  logs: Array<Record<string, unknown>>;
}

function sink(lines: Array<Record<string, unknown>>) {
  return new Writable({
    write(chunk, _enc, cb) {
      for (const l of chunk.toString().split('\n').filter(Boolean)) lines.push(JSON.parse(l));
      cb();
    },
  });
}

async function setup(ctx: Ctx, prefix: string) {
  ctx.c = await sharedCluster();
  await installOperator(ctx.c);
  ctx.ns = await freshNamespace(prefix);
  ctx.admin = await adminClient(ctx.c);
  ctx.logs = [];
  ctx.health = createHealthApp({
    kube: await functionClient(ctx.c, 'health'),
    logger: createLogger({ name: 'health', level: 'info', destination: sink(ctx.logs) }),
  });
  ctx.reconcile = createReconcileApp({
    kube: await functionClient(ctx.c, 'reconcile'),
    logger: createLogger({ name: 'reconcile', level: 'warn', destination: sink([]) }),
  });
}

const selector = (name: string) =>
  `app.kubernetes.io/instance=${name},app.kubernetes.io/managed-by=gpss-operator`;
const list = async <T>(ctx: Ctx, res: 'pods' | 'services' | 'statefulsets', name: string) =>
  (await ctx.admin.list<T>(res, ctx.ns, { labelSelector: selector(name) })).items;
const getCr = (ctx: Ctx, name: string) => ctx.admin.get<GpssCluster & Obj>('gpssclusters', ctx.ns, name);
const statusOf = async (ctx: Ctx, name: string): Promise<GpssClusterStatus> =>
  (await getCr(ctx, name))?.status ?? {};
const cond = (s: GpssClusterStatus, type: string) => s.conditions?.find((c) => c.type === type);

async function send(app: App, obj: Obj) {
  const res = await deliver(app, adapterEvent(obj));
  assert.is(res.status, 200, await res.text());
}

/** The events health's source would send for one cluster: the CR and its pods. */
async function healthEvents(ctx: Ctx, name: string): Promise<Obj[]> {
  const cr = await getCr(ctx, name);
  return [...(cr ? [cr] : []), ...(await list<Obj>(ctx, 'pods', name))];
}

async function round(ctx: Ctx, name: string) {
  const cr = await getCr(ctx, name);
  const forReconcile = [
    ...(cr ? [cr] : []),
    ...(await list<Obj>(ctx, 'statefulsets', name)),
    ...(await list<Obj>(ctx, 'services', name)),
  ];
  for (const o of forReconcile) await send(ctx.reconcile, o);
  for (const o of await healthEvents(ctx, name)) await send(ctx.health, o);
}

async function converge<T>(
  ctx: Ctx,
  name: string,
  what: string,
  check: () => Promise<T | undefined | false>,
  timeoutMs = 30_000,
): Promise<T> {
  try {
    return await convergeBy(() => round(ctx, name), what, check, timeoutMs);
  } catch (err) {
    // What health saw and did last is what explains a timeout.
    console.log(JSON.stringify(await statusOf(ctx, name), null, 2));
    for (const l of ctx.logs.filter((x) => x.decision).slice(-20)) console.log(JSON.stringify(l));
    throw err;
  }
}

async function kubectl(ctx: Ctx, args: string[]): Promise<string> {
  const r = await ctx.c.kubectl(args);
  assert.is(r.code, 0, `kubectl ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

/** Applies a cluster on an etcd of the suite's own: clusters elsewhere may share the seed's Cluster.Id. */
async function applyCluster(ctx: Ctx, cr: GpssCluster) {
  const own = {
    ...cr,
    spec: { ...cr.spec, gpss_config: cr.spec.gpss_config.replace('etcd:2379', `etcd.${ctx.ns}:2379`) },
  };
  const r = await ctx.c.kubectl(['apply', '-f', '-'], { input: JSON.stringify(own) });
  assert.is(r.code, 0, r.stderr);
}

async function patchSpec(ctx: Ctx, name: string, spec: Record<string, unknown>) {
  await kubectl(ctx, ['patch', 'gpss', name, '-n', ctx.ns, '--type=merge', '-p', JSON.stringify({ spec })]);
}

/** Rewrites a Running pod's container status and readiness, as a kubelet would report them. */
async function setPodStatus(
  ctx: Ctx,
  podName: string,
  ready: boolean,
  container: (c: ContainerStatus) => ContainerStatus,
) {
  const pod = (await ctx.admin.get<Pod>('pods', ctx.ns, podName))!;
  const now = new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
  const conditions = (pod.status.conditions ?? []).map((c) =>
    c.type === 'Ready' || c.type === 'ContainersReady'
      ? { ...c, status: ready ? 'True' : 'False', lastTransitionTime: now }
      : c,
  );
  const containerStatuses = (pod.status.containerStatuses ?? []).map(container);
  await ctx.admin.patch('pods', ctx.ns, podName, { status: { conditions, containerStatuses } }, 'merge', {
    subresource: 'status',
  });
}

const healthyContainer = (c: ContainerStatus): ContainerStatus => ({
  ...c,
  ready: true,
  started: true,
  state: { running: { startedAt: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z') } },
});

async function events(ctx: Ctx, name: string) {
  return (
    await ctx.admin.list<{ reason: string; type: string; message: string }>('events', ctx.ns, {
      fieldSelector: `involvedObject.name=${name},involvedObject.kind=GpssCluster`,
    })
  ).items;
}

const podReady = (p: Pod) =>
  !p.metadata.deletionTimestamp &&
  !!p.status.conditions?.some((c) => c.type === 'Ready' && c.status === 'True');

/** Health's share of the status, without times: what must not flap. */
function visible(s: GpssClusterStatus) {
  return {
    phase: s.phase,
    replicas: s.replicas,
    readyReplicas: s.readyReplicas,
    instances: s.instances,
    conditions: (s.conditions ?? [])
      .map(({ lastTransitionTime: _, ...c }) => c)
      .sort((a, b) => a.type.localeCompare(b.type)),
  };
}

// ---------------------------------------------------------------------------------------------

const status = suite<Ctx>('functions/health: status');
const NAME = 'gpfdist';

status.before(async (ctx) => {
  await setup(ctx, 'health');
});
status.after(async (ctx) => {
  if (ctx.ns) await deleteNamespace(ctx.ns);
  ctx.admin?.close();
});

status('the seed converges: kubectl get gpss shows Ready 3/3 and the GPSS address', async (ctx) => {
  await applyCluster(ctx, { ...SEED, metadata: { ...SEED.metadata, namespace: ctx.ns } });
  const s = await converge(ctx, NAME, 'seed Ready 3/3', async () => {
    const st = await statusOf(ctx, NAME);
    const converged = cond(st, 'Progressing')?.status === 'False';
    return converged && st.phase === 'Ready' && st.readyReplicas === 3 && !!st.gpssAddress && st;
  });
  const table = await kubectl(ctx, ['get', 'gpss', '-n', ctx.ns]);
  console.log(table.trimEnd().replace(/^/gm, '    '));
  assert.match(table, /\nNAME\s|^NAME\s+SIZE\s+READY\s+PHASE\s+GPSS\s+IMAGE\s+AGE/);
  assert.match(
    table,
    new RegExp(`\\n${NAME}\\s+3\\s+3\\s+Ready\\s+${s.gpssAddress!.replaceAll('.', '\\.')}\\s`),
  );
  assert.match(s.gpssAddress!, /^127\.0\.1\.\d:\d+$/);

  const pods = await list<Pod>(ctx, 'pods', NAME);
  const svcs = await list<Obj & { spec: { ports: Array<{ nodePort: number }> } }>(ctx, 'services', NAME);
  assert.is(s.replicas, 3);
  for (const inst of s.instances ?? []) {
    const pod = pods.find((p) => p.metadata.name === inst.name)!;
    const ordinal = inst.name.split('-').pop();
    const svc = svcs.find((x) => x.metadata.name === `${NAME}-gpfdist-${ordinal}`)!;
    assert.equal(
      { ...inst, gpfdistAddress: inst.gpfdistAddress?.replace(/^127\.0\.1\.\d:/, 'HOST:') },
      {
        name: inst.name,
        uid: pod.metadata.uid,
        node: pod.spec.nodeName,
        ready: true,
        restarts: 0,
        gpfdistAddress: `HOST:${svc.spec.ports[0].nodePort}`,
      },
    );
  }
  assert.equal(Object.fromEntries((s.conditions ?? []).map((c) => [c.type, `${c.status}/${c.reason}`])), {
    ConfigValid: 'True/Valid',
    Progressing: 'False/Converged',
    ExternalAddressReady: 'True/AddressesAssigned',
    Ready: 'True/AllInstancesReady',
    Degraded: 'False/AsExpected',
  });
  const describe = await kubectl(ctx, ['describe', 'gpss', NAME, '-n', ctx.ns]);
  const story = describe.slice(describe.indexOf('Status:'));
  console.log(story.trimEnd().replace(/^/gm, '    '));
  for (const want of [
    'Phase:  Ready',
    'Ready Replicas:  3',
    'Type:                  Degraded',
    'ClusterReady',
    '3/3 instances ready',
  ]) {
    assert.ok(story.replace(/ +/g, ' ').includes(want.replace(/ +/g, ' ')), `describe shows "${want}"`);
  }
});

status('an event that changes nothing writes nothing', async (ctx) => {
  await converge(ctx, NAME, 'health settled', async () => {
    const m = auditMark();
    for (const o of await healthEvents(ctx, NAME)) await send(ctx.health, o);
    return writesSince(m, HEALTH_USER).length === 0;
  });
  const mark = auditMark();
  for (let i = 0; i < 2; i++) for (const o of await healthEvents(ctx, NAME)) await send(ctx.health, o);
  assert.equal(
    writesSince(mark, HEALTH_USER).map(
      (w) => `${w.verb} ${w.objectRef?.resource}/${w.objectRef?.subresource ?? ''}`,
    ),
    [],
  );
});

status('an unready pod turns the cluster Degraded naming it, and Ready again on recovery', async (ctx) => {
  const pod = `${NAME}-1`;
  await setPodStatus(ctx, pod, false, (c) => ({ ...c, ready: false, started: true }));
  const s = await converge(ctx, NAME, 'Degraded', async () => {
    const st = await statusOf(ctx, NAME);
    return st.phase === 'Degraded' && st;
  });
  const degraded = cond(s, 'Degraded')!;
  assert.is(degraded.status, 'True');
  assert.is(degraded.reason, 'InstanceNotReady');
  assert.match(degraded.message, `${pod}: InstanceNotReady`);
  assert.is(s.readyReplicas, 2);
  const inst = s.instances!.find((i) => i.name === pod)!;
  assert.is(inst.ready, false);
  assert.match(inst.lastProblem!, 'running but not ready');
  assert.match(await kubectl(ctx, ['get', 'gpss', NAME, '-n', ctx.ns]), /\s3\s+2\s+Degraded\s/);

  const mark = auditMark();
  for (let i = 0; i < 2; i++) for (const o of await healthEvents(ctx, NAME)) await send(ctx.health, o);
  assert.equal(writesSince(mark, HEALTH_USER).length, 0, 'no write while still Degraded the same way');

  await setPodStatus(ctx, pod, true, healthyContainer);
  const back = await converge(ctx, NAME, 'Ready again', async () => {
    const st = await statusOf(ctx, NAME);
    return st.phase === 'Ready' && st;
  });
  assert.is(cond(back, 'Degraded')!.status, 'False');
  assert.is(back.instances!.find((i) => i.name === pod)!.lastProblem, undefined);
  const ev = await events(ctx, NAME);
  assert.ok(
    ev.some((e) => e.reason === 'ClusterDegraded' && e.type === 'Warning' && e.message.includes(pod)),
  );
  assert.ok(ev.some((e) => e.reason === 'ClusterRecovered'));
});

status(
  'two concurrent events for one cluster give one consistent status; a crash loop is only reported',
  async (ctx) => {
    const pod = `${NAME}-2`;
    const before = (await ctx.admin.get<Pod>('pods', ctx.ns, pod))!;
    await setPodStatus(ctx, pod, false, (c) => ({
      ...c,
      ready: false,
      started: false,
      restartCount: 3,
      state: {
        waiting: { reason: 'CrashLoopBackOff', message: 'back-off 40s restarting failed container=gpss' },
      },
      lastState: { terminated: { reason: 'Error', exitCode: 1 } },
    }));
    const mark = auditMark();
    const objs = await healthEvents(ctx, NAME);
    const crashing = objs.find((o) => o.metadata.name === pod)!;
    const snapshots = [];
    for (let i = 0; i < 4; i++) {
      // The crash loop's own event and another about the same cluster, handled at the same time (as
      // two function replicas would). Events that show nothing new are answered without a read.
      const [a, b] = await Promise.all([
        deliver(ctx.health, adapterEvent(crashing)),
        deliver(ctx.health, adapterEvent(objs[i % objs.length])),
      ]);
      assert.is(a.status, 200);
      assert.is(b.status, 200);
      snapshots.push(visible(await statusOf(ctx, NAME)));
    }
    const s = await statusOf(ctx, NAME);
    assert.is(s.phase, 'Degraded');
    assert.equal(
      (s.conditions ?? []).map((c) => c.type).sort(),
      ['ConfigValid', 'Degraded', 'ExternalAddressReady', 'Progressing', 'Ready'],
      'no condition lost',
    );
    for (const snap of snapshots) assert.equal(snap, snapshots[0], 'no flapping');
    const inst = s.instances!.find((i) => i.name === pod)!;
    assert.is(inst.restarts, 3);
    assert.is(
      inst.lastProblem,
      'CrashLoopBackOff: container gpss: back-off 40s restarting failed container=gpss; last terminated: Error (exit code 1); 3 restarts',
    );
    assert.is(cond(s, 'Degraded')!.reason, 'CrashLoopBackOff');
    const writes = writesSince(mark, HEALTH_USER);
    console.log(
      `  4 concurrent pairs: ${writes.map((w) => `${w.verb} ${w.objectRef?.resource}`).join(', ')}`,
    );
    assert.ok(!writes.some((w) => w.verb === 'delete'), 'no restart of a crash-looping instance');
    assert.ok(
      writes.filter((w) => w.objectRef?.subresource === 'status').length <= 2,
      'at most the racing pair writes',
    );
    const degradedEvents = (await events(ctx, NAME)).filter(
      (e) => e.reason === 'ClusterDegraded' && e.message.includes('CrashLoopBackOff'),
    );
    assert.is(degradedEvents.length, 1, 'racing handlers record the transition once');
    assert.is((await ctx.admin.get<Pod>('pods', ctx.ns, pod))!.metadata.uid, before.metadata.uid);

    await setPodStatus(ctx, pod, true, (c) => ({
      ...healthyContainer(c),
      restartCount: 3,
      lastState: c.lastState,
    }));
    await converge(
      ctx,
      NAME,
      'Ready after the crash loop',
      async () => (await statusOf(ctx, NAME)).phase === 'Ready',
    );
  },
);

status('an image that cannot be pulled: Degraded, and the message says ImagePullBackOff', async (ctx) => {
  const pod = `${NAME}-0`;
  const msg = `Back-off pulling image "${SEED.spec.image}"`;
  await setPodStatus(ctx, pod, false, (c) => ({
    ...c,
    ready: false,
    started: false,
    state: { waiting: { reason: 'ImagePullBackOff', message: msg } },
  }));
  const s = await converge(ctx, NAME, 'ImagePullBackOff reported', async () => {
    const st = await statusOf(ctx, NAME);
    return st.phase === 'Degraded' && st;
  });
  assert.is(cond(s, 'Degraded')!.reason, 'ImagePullBackOff');
  assert.match(cond(s, 'Ready')!.message, `${pod}: ImagePullBackOff: container gpss: ${msg}`);
  await setPodStatus(ctx, pod, true, healthyContainer);
  await converge(
    ctx,
    NAME,
    'Ready after the pull',
    async () => (await statusOf(ctx, NAME)).phase === 'Ready',
  );
});

status('maintenance: the GpssCluster event alone sets the phase; status keeps updating', async (ctx) => {
  await patchSpec(ctx, NAME, { maintenance: true });
  await send(ctx.health, (await getCr(ctx, NAME))!);
  assert.is((await statusOf(ctx, NAME)).phase, 'Maintenance');
  const pod = `${NAME}-1`;
  await setPodStatus(ctx, pod, false, (c) => ({ ...c, ready: false, started: true }));
  await send(ctx.health, (await ctx.admin.get<Pod>('pods', ctx.ns, pod))!);
  const s = await statusOf(ctx, NAME);
  assert.is(s.phase, 'Maintenance');
  assert.is(s.readyReplicas, 2);
  assert.is(cond(s, 'Degraded')!.status, 'True');
  assert.is(cond(s, 'Ready')!.reason, 'Degraded');
  await setPodStatus(ctx, pod, true, healthyContainer);
  await patchSpec(ctx, NAME, { maintenance: false });
  await send(ctx.health, (await getCr(ctx, NAME))!);
  assert.is((await statusOf(ctx, NAME)).phase, 'Ready');
});

status(
  'a config reconcile rejects: Invalid from the GpssCluster event alone, Ready once fixed',
  async (ctx) => {
    const bad =
      '{"ListenAddress": {"Port": 5000}, "Gpfdist": {"Port": 5000}, "Cluster": {"Port": 5001, "Etcd": {"Endpoints": []}}}';
    await patchSpec(ctx, NAME, { gpss_config: bad });
    await send(ctx.reconcile, (await getCr(ctx, NAME))!);
    // reconcile's ConfigValid=False write comes back to health as a GpssCluster event.
    await send(ctx.health, (await getCr(ctx, NAME))!);
    const s = await statusOf(ctx, NAME);
    assert.is(s.phase, 'Invalid');
    // The instances keep running their last valid config, but Ready is not claimed for a generation
    // that was not applied.
    assert.is(cond(s, 'Ready')!.status, 'False');
    assert.is(cond(s, 'Ready')!.reason, 'ConfigInvalid');
    assert.match(
      cond(s, 'Ready')!.message,
      /^generation \d+ is not applied: the spec is invalid .*; 3\/3 instances ready$/,
    );
    await patchSpec(ctx, NAME, { gpss_config: SEED.spec.gpss_config });
    await converge(
      ctx,
      NAME,
      'Ready with a valid config',
      async () => (await statusOf(ctx, NAME)).phase === 'Ready',
    );
  },
);

status('a pod that cannot be scheduled: Degraded, and the message says Unschedulable', async (ctx) => {
  const name = 'unsched';
  await applyCluster(ctx, {
    ...SEED,
    metadata: { name, namespace: ctx.ns },
    spec: {
      ...SEED.spec,
      size: 1,
      service: { gpss: 'ClusterIP', gpfdist: 'ClusterIP' },
      node_selector: { 'gpss.gpdb.io/no-such-node': 'true' },
      gpss_config: SEED.spec.gpss_config.replace('"Id": "gpfdist"', '"Id": "unsched"'),
    },
  });
  const s = await converge(ctx, name, 'Unschedulable reported', async () => {
    const st = await statusOf(ctx, name);
    return cond(st, 'Degraded')?.reason === 'Unschedulable' && st;
  });
  assert.is(s.phase, 'Degraded');
  assert.match(cond(s, 'Ready')!.message, /unsched-0: Unschedulable: 0\/\d+ nodes are available/);
  assert.match(s.instances![0].lastProblem!, "didn't match Pod's node affinity/selector");
  console.log(`    ${cond(s, 'Ready')!.message}`);
  await kubectl(ctx, ['delete', 'gpss', name, '-n', ctx.ns, '--wait=false']);
});

status.run();

// ---------------------------------------------------------------------------------------------

interface FailoverCtx extends Ctx {
  nodes: string[];
}

const failover = suite<FailoverCtx>('functions/health: failover');
const FO = 'fo';
const BOUND = 5;

failover.before(async (ctx) => {
  await setup(ctx, 'health-fo');
  ctx.nodes = [];
});
failover.after(async (ctx) => {
  if (ctx.ns) await deleteNamespace(ctx.ns);
  // Restore the shared cluster: only the three kwok-node-* nodes, all Ready.
  if (ctx.nodes?.length)
    await ctx.c.kubectl(['delete', 'node', ...ctx.nodes, '--ignore-not-found', '--wait=false']);
  ctx.admin?.close();
});

function nodeManifest(ctx: FailoverCtx, name: string, ip: string, unschedulable: boolean) {
  return kwokNodeManifest({
    name,
    ip,
    unschedulable,
    reserved: { key: 'gpss.gpdb.io/health-test', value: ctx.ns },
  });
}

async function addNode(ctx: FailoverCtx, name: string, ip: string, unschedulable = false) {
  ctx.nodes.push(name);
  const r = await ctx.c.kubectl(['apply', '-f', '-'], {
    input: JSON.stringify(nodeManifest(ctx, name, ip, unschedulable)),
  });
  assert.is(r.code, 0, r.stderr);
  await waitFor(`node ${name} Ready`, async () => {
    const n = await ctx.admin.get<{ status?: { conditions?: Array<{ type: string; status: string }> } }>(
      'nodes',
      undefined,
      name,
    );
    return n?.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True');
  });
}

/**
 * A node lost as a kubelet that stops reporting is: KWOK stops managing it (its Lease handed to
 * another holder, localcluster/kwok-node.ts: nothing sets it Ready again, and a pod deleted there is
 * never confirmed gone), its Ready condition turns Unknown, and it is tainted unreachable, as the node
 * lifecycle controller does after its grace period (done here at once, to keep the test short). The
 * controller's NoExecute taint follows, and the taint manager evicts the pods after their
 * tolerationSeconds (the bound + 2 s): a graceful delete that only health's force delete completes.
 */
async function loseNode(ctx: FailoverCtx, name: string) {
  await stopKubelet((args) => ctx.c.kubectl(args), name);
  const now = new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
  const ready = {
    type: 'Ready',
    status: 'Unknown',
    reason: 'NodeStatusUnknown',
    message: 'Kubelet stopped posting node status.',
    lastHeartbeatTime: now,
    lastTransitionTime: now,
  };
  await ctx.admin.patch('nodes', undefined, name, { status: { conditions: [ready] } }, 'strategic', {
    subresource: 'status',
  });
  await waitFor(`node ${name} tainted unreachable`, async () => {
    const n = (await ctx.admin.get<{
      metadata: { resourceVersion: string };
      spec: { taints?: Array<{ key: string; effect: string }> };
    }>('nodes', undefined, name))!;
    const taints = n.spec.taints ?? [];
    if (taints.some((t) => t.key === 'node.kubernetes.io/unreachable' && t.effect === 'NoSchedule'))
      return true;
    await ctx.admin
      .patch(
        'nodes',
        undefined,
        name,
        {
          metadata: { resourceVersion: n.metadata.resourceVersion },
          spec: { taints: [...taints, { key: 'node.kubernetes.io/unreachable', effect: 'NoSchedule' }] },
        },
        'merge',
      )
      .catch(() => undefined); // the node lifecycle controller got there first: read again
    return false;
  });
  // The controller also marks the node's pods not ready (MarkPodsNotReady); without it they would
  // go on claiming Ready=True and reconcile would "restart" one with a graceful delete.
  const pods = await ctx.admin.list<Pod>('pods', undefined, { fieldSelector: `spec.nodeName=${name}` });
  for (const p of pods.items) {
    const conditions = (p.status.conditions ?? []).map((c) =>
      c.type === 'Ready' ? { ...c, status: 'False', lastTransitionTime: now } : c,
    );
    await ctx.admin.patch(
      'pods',
      p.metadata.namespace,
      p.metadata.name,
      { status: { conditions } },
      'merge',
      {
        subresource: 'status',
      },
    );
  }
}

const cordon = (ctx: FailoverCtx, node: string, on: boolean) =>
  ctx.admin.patch('nodes', undefined, node, { spec: { unschedulable: on } }, 'merge');

async function configHosts(ctx: FailoverCtx) {
  const cm = await ctx.admin.get<{ metadata: { annotations?: Record<string, string> } }>(
    'configmaps',
    ctx.ns,
    `${FO}-instance-config`,
  );
  return cm?.metadata.annotations ?? {};
}

/** Recovered: every instance Ready on a usable node, none left to restart, status Ready. */
async function recovered(ctx: FailoverCtx, lost: string[], moved: string, from: string) {
  const pods = await list<Pod>(ctx, 'pods', FO);
  const s = await statusOf(ctx, FO);
  const marks = Object.keys(await configHosts(ctx)).filter((k) => k.startsWith('gpss.gpdb.io/restart-'));
  const inst = s.instances?.find((i) => i.name === moved);
  const ok =
    pods.length === 2 &&
    pods.every((p) => podReady(p) && !lost.includes(p.spec.nodeName ?? '')) &&
    marks.length === 0 &&
    s.phase === 'Ready' &&
    s.readyReplicas === 2 &&
    inst?.gpfdistAddress !== undefined &&
    inst.gpfdistAddress !== from;
  return ok && { pods, s };
}

failover(
  'node loss: after the bound the instance runs on another node with a new address, and the cluster is Ready',
  async (ctx) => {
    const id = randomBytes(3).toString('hex');
    // Named so only A sorts before kwok-node-0: a NodePort instance advertises the first Ready node
    // by name when first rendered, and keeps it while that node is Ready, so losing A is what moves
    // the advertised address. B-D sort last and change nobody's address.
    const [A, B, C, D] = [`kwok-a-${id}`, `kwok-z-${id}-b`, `kwok-z-${id}-c`, `kwok-z-${id}-d`];
    await addNode(ctx, B, '127.0.3.2');
    await addNode(ctx, C, '127.0.3.3', true);
    await addNode(ctx, D, '127.0.3.4', true);
    await addNode(ctx, A, '127.0.3.1');
    await applyCluster(ctx, {
      ...SEED,
      metadata: { name: FO, namespace: ctx.ns },
      spec: {
        ...SEED.spec,
        size: 2,
        anti_affinity: 'required',
        node_selector: { 'gpss.gpdb.io/health-test': ctx.ns },
        tolerations: [
          { key: 'gpss.gpdb.io/health-test', operator: 'Equal', value: ctx.ns, effect: 'NoSchedule' },
        ],
        failover_after_seconds: BOUND,
        gpss_config: SEED.spec.gpss_config.replace('"Id": "gpfdist"', '"Id": "fo"'),
      },
    });
    // Converged too (reconcile's rollout of the new cluster over): a lost node must move the address of
    // a cluster at rest, not only of one whose first rollout happens to be still under way.
    const ready = await converge(ctx, FO, 'failover cluster Ready 2/2 on A and B, converged', async () => {
      const s = await statusOf(ctx, FO);
      const progressing = cond(s, 'Progressing');
      return (
        s.phase === 'Ready' &&
        s.readyReplicas === 2 &&
        progressing?.status === 'False' &&
        progressing.reason === 'Converged' &&
        s
      );
    });
    const onA = ready.instances!.find((i) => i.node === A);
    assert.ok(onA, `an instance on ${A}: ${JSON.stringify(ready.instances)}`);
    assert.match(onA!.gpfdistAddress!, /^127\.0\.3\.1:\d+$/, 'it advertises node A');
    await cordon(ctx, C, false);

    const mark = auditMark();
    const phases: string[] = [];
    const track = async () => {
      const p = (await statusOf(ctx, FO)).phase ?? '';
      if (phases.at(-1) !== p) phases.push(p);
    };
    const t0 = Date.now();
    await loseNode(ctx, A);
    const degraded = await converge(ctx, FO, 'loss of A reported', async () => {
      await track();
      const s = await statusOf(ctx, FO);
      return cond(s, 'Degraded')?.reason === 'NodeNotReady' && s;
    });
    const lostInst = degraded.instances!.find((i) => i.name === onA!.name)!;
    assert.match(
      lostInst.lastProblem!,
      new RegExp(`node ${A} is unreachable \\(Ready=Unknown\\) since .*; failover at `),
    );
    const { pods, s } = await converge(
      ctx,
      FO,
      'recovered from the loss of A',
      async () => {
        await track();
        return recovered(ctx, [A], onA!.name, onA!.gpfdistAddress!);
      },
      90_000,
    );
    const ms = Date.now() - t0;
    const moved = pods.find((p) => p.metadata.name === onA!.name)!;
    const after = s.instances!.find((i) => i.name === onA!.name)!;
    console.log(
      `  RECOVERY: ${onA!.name} ${A} -> ${moved.spec.nodeName}, ${onA!.gpfdistAddress} -> ${after.gpfdistAddress}, ` +
        `in ${ms} ms (failover_after_seconds ${BOUND}); phases ${phases.join(' -> ')}`,
    );
    assert.is(moved.spec.nodeName, C);
    assert.ok(ms >= BOUND * 1000, 'not before the bound');
    const deletes = writesSince(mark, HEALTH_USER).filter(
      (w) => w.verb === 'delete' && w.objectRef?.resource === 'pods',
    );
    assert.equal(
      deletes.map((w) => w.objectRef?.name),
      [onA!.name],
      'health deleted exactly the stranded pod, once',
    );
    const ev = await events(ctx, FO);
    const fo = ev.find((e) => e.reason === 'InstanceFailover');
    assert.ok(fo, 'an InstanceFailover Event');
    assert.match(
      fo!.message,
      `deleted pod ${onA!.name} (forced: grace period 0): node ${A} has been unreachable for longer than ${BOUND}s`,
    );
    assert.ok(ev.some((e) => e.reason === 'ClusterDegraded' && e.message.includes('NodeNotReady')));
    assert.ok(ev.some((e) => e.reason === 'ClusterRecovered'));
  },
);

failover(
  'maintenance: no failover while it is on, even past the bound; failover once it is off',
  async (ctx) => {
    const pods = await list<Pod>(ctx, 'pods', FO);
    const B = ctx.nodes.find((n) => n.endsWith('-b'))!;
    const D = ctx.nodes.find((n) => n.endsWith('-d'))!;
    const victim = pods.find((p) => p.spec.nodeName === B)!;
    const before = (await statusOf(ctx, FO)).instances!.find((i) => i.name === victim.metadata.name)!;
    await patchSpec(ctx, FO, { maintenance: true });
    await cordon(ctx, D, false);
    const mark = auditMark();
    const t0 = Date.now();
    await loseNode(ctx, B);
    // Past the bound by a margin, with events flowing all the while.
    await converge(ctx, FO, 'past the bound in maintenance', async () => {
      const s = await statusOf(ctx, FO);
      const inst = s.instances?.find((i) => i.name === victim.metadata.name);
      return (
        Date.now() - t0 > (BOUND + 2) * 1000 &&
        s.phase === 'Maintenance' &&
        inst?.lastProblem?.includes('failover paused')
      );
    });
    assert.is(
      (await ctx.admin.get<Pod>('pods', ctx.ns, victim.metadata.name))!.metadata.uid,
      victim.metadata.uid,
    );
    assert.equal(
      writesSince(mark, HEALTH_USER).filter((w) => w.verb === 'delete'),
      [],
      'no failover in maintenance',
    );
    assert.ok((await events(ctx, FO)).some((e) => e.reason === 'FailoverPaused'));

    // No silent failure: with the pod delete forbidden, failover cannot happen, and health says so.
    await forbid(ctx.c, 'health', 'pods', 'delete', ctx.ns);
    try {
      await patchSpec(ctx, FO, { maintenance: false });
      const failed = await converge(ctx, FO, 'HealthFailed: failover refused', async () => {
        const s = await statusOf(ctx, FO);
        return cond(s, 'HealthFailed')?.status === 'True' && s;
      });
      const c = cond(failed, 'HealthFailed')!;
      assert.is(c.reason, 'DeletePod');
      assert.match(c.message, /403 Forbidden.*cannot delete resource "pods"/);
      assert.is(failed.phase, 'Failed');
      assert.ok((await events(ctx, FO)).some((e) => e.type === 'Warning' && e.reason === 'DeletePod'));
    } finally {
      await restoreRbac(ctx.c);
    }
    await waitForAuth(ctx.c, 'health', 'pods', 'delete', ctx.ns, true);
    const resumed = auditMark();
    const t1 = Date.now();
    const { pods: after, s } = await converge(
      ctx,
      FO,
      'recovered from the loss of B',
      () =>
        recovered(
          ctx,
          ctx.nodes.filter((n) => n.includes('-a-') || n === B),
          victim.metadata.name,
          before.gpfdistAddress!,
        ),
      90_000,
    );
    const moved = after.find((p) => p.metadata.name === victim.metadata.name)!;
    console.log(
      `  RECOVERY after maintenance off: ${victim.metadata.name} ${B} -> ${moved.spec.nodeName}, ` +
        `${before.gpfdistAddress} -> ${s.instances!.find((i) => i.name === victim.metadata.name)!.gpfdistAddress} in ${Date.now() - t1} ms`,
    );
    assert.is(moved.spec.nodeName, D);
    assert.equal(
      writesSince(resumed, HEALTH_USER)
        .filter((w) => w.verb === 'delete')
        .map((w) => w.objectRef?.name),
      [victim.metadata.name],
      'health failed over as soon as it was allowed to',
    );
    assert.is(cond(s, 'HealthFailed')?.status, 'False', 'HealthFailed cleared');
    assert.is(cond(s, 'HealthFailed')?.reason, 'Recovered');
  },
);

failover('the shared nodes are untouched', async (ctx) => {
  const nodes = await ctx.admin.list<{
    metadata: { name: string };
    status: { conditions: Array<{ type: string; status: string }> };
  }>('nodes', undefined);
  const shared = nodes.items.filter((n) => n.metadata.name.startsWith('kwok-node-'));
  assert.equal(
    shared.map((n) => n.status.conditions.find((c) => c.type === 'Ready')?.status),
    ['True', 'True', 'True'],
  );
});

failover.run();
