// functions/reconcile through its HTTP interface against the embedded cluster, acting as its own
// ServiceAccount. Events are shaped as the ApiServerSource adapter sends them; the test plays the
// event source (the real adapters are exercised by the e2e suites).
import { Writable } from 'node:stream';
import type { CloudEvent } from 'cloudevents';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { createApp } from '../../functions/reconcile/app';
import { reconcileCluster } from '../../functions/reconcile/reconcile';
import type { GpssCluster } from '../../lib/api/types';
import type { KubeClient } from '../../lib/k8s/client';
import { overlayClient } from '../../lib/k8s/overlay';
import { resolveResource } from '../../lib/k8s/resources';
import { createLogger } from '../../lib/runtime/log';
import { convergeBy, deleteNamespace, type SharedCluster, sharedCluster, waitFor } from '../support/cluster';
import {
  adapterEvent,
  adminClient,
  auditMark,
  auditSince,
  deliver,
  functionClient,
  installOperator,
  serviceAccountUser,
  writesSince,
} from '../support/operator';

const NS = 'gpss-workspace-test';
const NAME = 'gpfdist';
const SEED = {
  apiVersion: 'gpss.gpdb.io/v1',
  kind: 'GpssCluster',
  metadata: { name: NAME, namespace: NS },
  spec: {
    size: 3,
    image: 'us-west1-docker.pkg.dev/data-gpdb-dev2/gpss-test-images/gpss:test',
    service: { gpss: 'NodePort', gpfdist: 'NodePort' },
    resources: { limits: { cpu: '8', memory: '32Gi' }, requests: { cpu: '1', memory: '1Gi' } },
    pull_policy: 'Always',
    pull_secret: 'gpss-docker-key',
    gpss_config:
      '{"ListenAddress": {"Host": "", "Port": 5000}, "Gpfdist": {"Host": "", "Port": 8090},\n "Cluster": {"Id": "gpfdist", "Port": 5001, "Etcd": {"Endpoints": ["etcd:2379"]}}}\n',
  },
};

interface Obj {
  apiVersion: string;
  kind: string;
  metadata: {
    name: string;
    namespace: string;
    resourceVersion: string;
    uid: string;
    deletionTimestamp?: string;
  };
  spec?: Record<string, unknown>;
  status?: Record<string, unknown>;
}
interface Pod extends Obj {
  spec: {
    nodeName?: string;
    containers: Array<{
      image: string;
      imagePullPolicy: string;
      resources: Record<string, Record<string, string>>;
    }>;
    imagePullSecrets?: Array<{ name: string }>;
  };
  status: { conditions?: Array<{ type: string; status: string }> };
}
interface Svc extends Obj {
  spec: {
    type: string;
    ports: Array<{ name: string; port: number; nodePort?: number; targetPort: number | string }>;
  };
}

const logLines: Array<Record<string, unknown>> = [];
const sink = new Writable({
  write(chunk, _enc, cb) {
    for (const l of chunk.toString().split('\n').filter(Boolean)) logLines.push(JSON.parse(l));
    cb();
  },
});

const test = suite<{
  c: SharedCluster;
  admin: KubeClient;
  fn: KubeClient;
  app: ReturnType<typeof createApp>;
  delivered: CloudEvent<unknown>[];
}>('functions/reconcile');

test.before(async (ctx) => {
  ctx.c = await sharedCluster();
  await installOperator(ctx.c);
  ctx.admin = await adminClient(ctx.c);
  ctx.fn = await functionClient(ctx.c, 'reconcile');
  ctx.app = createApp({
    kube: ctx.fn,
    logger: createLogger({ name: 'reconcile', level: 'info', destination: sink }),
  });
  ctx.delivered = [];
  // The seed names its namespace; a previous run's may still be terminating.
  await deleteNamespace(NS);
  const created = await ctx.c.kubectl(['create', 'namespace', NS]);
  assert.is(created.code, 0, created.stderr);
});
test.after(async (ctx) => {
  await deleteNamespace(NS);
  ctx.admin?.close();
  ctx.fn?.close();
});

/** kubectl patch of the test cluster's spec (an object, or the JSON text of a whole merge patch). */
const patchSpec = (c: SharedCluster, spec: Record<string, unknown> | string) =>
  c.kubectl([
    'patch',
    'gpss',
    NAME,
    '-n',
    NS,
    '--type=merge',
    '-p',
    typeof spec === 'string' ? spec : JSON.stringify({ spec }),
  ]);

const sel = `app.kubernetes.io/instance=${NAME},app.kubernetes.io/managed-by=gpss-operator`;
const list = async <T>(admin: KubeClient, res: 'pods' | 'services' | 'statefulsets') =>
  (await admin.list<T>(res, NS, { labelSelector: sel })).items;
const cr = (admin: KubeClient) => admin.get<GpssCluster & Obj>('gpssclusters', NS, NAME);

/** One round of events, as the sources would send them: the CR and every child it owns. */
async function round(ctx: {
  admin: KubeClient;
  app: ReturnType<typeof createApp>;
  delivered: CloudEvent<unknown>[];
}) {
  const objs: Obj[] = [];
  const c = await cr(ctx.admin);
  if (c) objs.push(c as Obj);
  objs.push(...(await list<Obj>(ctx.admin, 'statefulsets')), ...(await list<Obj>(ctx.admin, 'services')));
  for (const o of objs) {
    const ev = adapterEvent({ ...o, apiVersion: o.apiVersion ?? 'v1', kind: o.kind ?? 'Service' });
    ctx.delivered.push(ev);
    const res = await deliver(ctx.app, ev);
    assert.is(res.status, 200, await res.text());
  }
}

function converge<T>(
  ctx: Parameters<typeof round>[0],
  what: string,
  check: () => Promise<T | undefined | false>,
  timeoutMs = 30_000,
) {
  return convergeBy(() => round(ctx), what, check, timeoutMs);
}

const ready = (p: Pod) =>
  !p.metadata.deletionTimestamp &&
  p.status.conditions?.some((c) => c.type === 'Ready' && c.status === 'True');

async function sized(ctx: { admin: KubeClient }, size: number) {
  const pods = await list<Pod>(ctx.admin, 'pods');
  const svcs = (await list<Svc>(ctx.admin, 'services')).filter((s) => /-gpfdist-\d+$/.test(s.metadata.name));
  const sts = (await list<Obj & { status: { readyReplicas?: number } }>(ctx.admin, 'statefulsets'))[0];
  return pods.length === size &&
    pods.every(ready) &&
    svcs.length === size &&
    (sts?.status.readyReplicas ?? 0) === size
    ? { pods, svcs }
    : undefined;
}

async function instanceConfigs(admin: KubeClient) {
  const cm = await admin.get<{ data: Record<string, string> }>('configmaps', NS, `${NAME}-instance-config`);
  return Object.fromEntries(
    Object.entries(cm?.data ?? {}).map(([k, v]) => [
      k,
      JSON.parse(v) as { Gpfdist: { Host: string; Port: number }; Cluster: { Id: string } },
    ]),
  );
}

test('the seed manifest converges with per-instance NodePort addresses', async (ctx) => {
  const r = await ctx.c.kubectl(['apply', '-f', '-'], { input: JSON.stringify(SEED) });
  assert.is(r.code, 0, r.stderr);
  const { svcs } = (await converge(ctx, 'seed cluster with 3 Ready pods', async () => {
    const done = await sized(ctx, 3);
    const c = await cr(ctx.admin);
    return done && c?.status?.conditions?.some((x) => x.type === 'Progressing' && x.status === 'False')
      ? done
      : undefined;
  }))!;
  const grpc = await ctx.admin.get<Svc>('services', NS, 'gpss-workspace-test-gpfdist-gpss-service');
  assert.ok(grpc, 'gRPC Service named {namespace}-{name}-gpss-service');
  assert.is(grpc!.spec.type, 'NodePort');
  const configs = await instanceConfigs(ctx.admin);
  for (let i = 0; i < 3; i++) {
    const svc = svcs.find((s) => s.metadata.name === `${NAME}-gpfdist-${i}`)!;
    assert.is(svc.spec.type, 'NodePort');
    const nodePort = svc.spec.ports[0].nodePort!;
    const cfg = configs[`${NAME}-${i}.json`];
    assert.is(cfg.Gpfdist.Port, nodePort, `instance ${i} advertises its own node port`);
    assert.match(cfg.Gpfdist.Host, /^127\.0\.1\.\d$/);
    assert.is(svc.spec.ports[0].targetPort, nodePort, 'and listens on it');
    assert.is(cfg.Cluster.Id, 'gpfdist');
  }
  assert.is(new Set(svcs.map((s) => s.spec.ports[0].nodePort)).size, 3, 'distinct node ports');
  const status = (await cr(ctx.admin))!.status!;
  const conds = Object.fromEntries((status.conditions ?? []).map((c) => [c.type, c.status]));
  assert.equal(conds, { ConfigValid: 'True', Progressing: 'False', ExternalAddressReady: 'True' });
  assert.is(status.observedGeneration, 1);
});

test("a new cluster's add event: its dry run goes out beside its first reads and the pass takes that answer", async (ctx) => {
  const name = 'ahead';
  const spec = {
    ...SEED.spec,
    size: 1,
    gpss_config: SEED.spec.gpss_config.replace('"Id": "gpfdist"', '"Id": "ahead"'),
  };
  const made = await ctx.c.kubectl(['create', '-f', '-'], {
    input: JSON.stringify({ ...SEED, metadata: { name, namespace: NS }, spec }),
  });
  assert.is(made.code, 0, made.stderr);
  try {
    const created = await ctx.admin.get<Obj>('gpssclusters', NS, name);
    const mark = auditMark();
    const res = await deliver(ctx.app, adapterEvent(created!, 'add'));
    assert.is(res.status, 200, await res.text());
    const mine = auditSince(mark, serviceAccountUser('reconcile'));
    const sts = mine.filter((e) => e.verb === 'patch' && e.objectRef?.resource === 'statefulsets');
    const dry = sts.filter((e) => /[?&]dryRun=/.test(e.requestURI ?? ''));
    assert.is(dry.length, 1, 'one dry run: the pass took the answer of the one sent ahead');
    assert.is(sts.length, 2, 'and the StatefulSet applied');
    // RFC 3339 with microseconds, fixed width: ordered as strings.
    const lastRead = mine
      .filter((e) => e.verb === 'get' || e.verb === 'list')
      .map((e) => e.stageTimestamp)
      .sort()
      .at(-1)!;
    assert.ok(dry[0]!.requestReceivedTimestamp < lastRead, 'sent before the first reads had all answered');
  } finally {
    await ctx.c.kubectl(['delete', 'gpss', name, '-n', NS, '--wait=false']);
  }
});

test('a pass from a read older than the StatefulSet applies it unchanged and leaves Converged', async (ctx) => {
  // A resync over many clusters reads them all first: by the time it reaches this one, the
  // StatefulSet it saw missing may exist, converged. Its apply then changes nothing and starts no
  // rollout, so no StatefulSet event would come to end a RollingOut written on the assumption.
  const stale = overlayClient(ctx.fn, {
    get: (res, _ns, name) =>
      resolveResource(res).plural === 'statefulsets' && name === NAME ? { answer: undefined } : undefined,
    wrote: () => {},
  });
  const log = createLogger({ name: 'reconcile', level: 'silent' });
  const r = await reconcileCluster({ kube: stale, log, now: () => new Date() }, NS, NAME);
  assert.ok(r.applied.includes('StatefulSet/gpfdist'), `applied ${r.applied.join(', ')}`);
  const p = (await cr(ctx.admin))?.status?.conditions?.find((c) => c.type === 'Progressing');
  assert.is(`${p?.status}/${p?.reason}`, 'False/Converged');
});

const plain = (v: unknown) => JSON.parse(JSON.stringify(v));

test('pull_secret, pull_policy and resources reach the pods', async (ctx) => {
  const pods = await list<Pod>(ctx.admin, 'pods');
  for (const p of pods) {
    const c = p.spec.containers[0];
    assert.is(c.imagePullPolicy, 'Always');
    // Read through the library, these are its model instances (V1LocalObjectReference, ...).
    assert.equal(plain(p.spec.imagePullSecrets), [{ name: 'gpss-docker-key' }]);
    assert.equal(plain(c.resources), {
      limits: { cpu: '8', memory: '32Gi' },
      requests: { cpu: '1', memory: '1Gi' },
    });
  }
});

test('replaying every event 3 times, shuffled, writes nothing and changes no resourceVersion', async (ctx) => {
  // Let the last status settle, then snapshot.
  await converge(ctx, 'no more writes', async () => {
    const m = auditMark();
    await round(ctx);
    return writesSince(m, serviceAccountUser('reconcile')).length === 0;
  });
  const snapshot = async () => {
    const objs = [
      ...(await list<Obj>(ctx.admin, 'services')),
      ...(await list<Obj>(ctx.admin, 'statefulsets')),
      (await cr(ctx.admin)) as Obj,
    ];
    const cm = await ctx.admin.get<Obj>('configmaps', NS, `${NAME}-instance-config`);
    return Object.fromEntries(
      [...objs, cm!].map((o) => [`${o.kind}/${o.metadata.name}`, o.metadata.resourceVersion]),
    );
  };
  const before = await snapshot();
  const events = [...ctx.delivered, ...ctx.delivered, ...ctx.delivered];
  for (let i = events.length - 1; i > 0; i--) {
    const j = (i * 7919 + 13) % (i + 1); // deterministic shuffle
    [events[i], events[j]] = [events[j], events[i]];
  }
  const mark = auditMark();
  for (const ev of events) assert.is((await deliver(ctx.app, ev)).status, 200);
  const writes = writesSince(mark, serviceAccountUser('reconcile'));
  console.log(`  replayed ${events.length} events: ${writes.length} writes`);
  assert.equal(
    writes.map((w) => `${w.verb} ${w.objectRef?.resource}/${w.objectRef?.name}`),
    [],
  );
  assert.equal(await snapshot(), before);
});

test('an old update delivered after a newer one leaves the newer state', async (ctx) => {
  const old = adapterEvent((await cr(ctx.admin)) as Obj);
  const p = await patchSpec(ctx.c, '{"spec":{"size":4}}');
  assert.is(p.code, 0, p.stderr);
  await converge(ctx, 'size 4', () => sized(ctx, 4));
  assert.is((await deliver(ctx.app, old)).status, 200);
  const sts = await ctx.admin.get<{ spec: { replicas: number } }>('statefulsets', NS, NAME);
  assert.is(sts!.spec.replicas, 4);
});

test('scale 3 → 5 → 2 → 0 → 3 converges each time, addresses of kept instances unchanged', async (ctx) => {
  const ports = async () =>
    Object.fromEntries(
      (await list<Svc>(ctx.admin, 'services')).map((s) => [s.metadata.name, s.spec.ports[0].nodePort]),
    );
  const first = await ports();
  let stopped = false;
  for (const size of [3, 5, 2, 0, 3]) {
    if (size === 0) stopped = true;
    const p = await ctx.c.kubectl(['scale', `gpss/${NAME}`, '-n', NS, `--replicas=${size}`]);
    assert.is(p.code, 0, p.stderr);
    await converge(ctx, `size ${size}`, () => sized(ctx, size));
    const now = await ports();
    // Instances 0-1 live through 4 → 3 → 5 → 2, so their addresses must not move.
    if (size !== 0 && !stopped) {
      for (const name of [`${NAME}-gpfdist-0`, `${NAME}-gpfdist-1`]) {
        assert.is(now[name], first[name], `${name} kept its node port`);
      }
    }
  }
  const grpc = await ports();
  assert.is(
    grpc['gpss-workspace-test-gpfdist-gpss-service'],
    first['gpss-workspace-test-gpfdist-gpss-service'],
    'gpss address survives a stop',
  );
});

test('an image change rolls one pod at a time', async (ctx) => {
  const image = 'example.invalid/gpss:2';
  const p = await patchSpec(ctx.c, { image });
  assert.is(p.code, 0, p.stderr);
  let maxUnavailable = 0;
  await converge(ctx, 'all pods on the new image', async () => {
    const pods = await list<Pod>(ctx.admin, 'pods');
    maxUnavailable = Math.max(maxUnavailable, 3 - pods.filter(ready).length);
    return pods.length === 3 && pods.every((x) => ready(x) && x.spec.containers[0].image === image);
  });
  const sts = await ctx.admin.get<{
    spec: {
      podManagementPolicy: string;
      updateStrategy: { type: string; rollingUpdate?: { maxUnavailable?: number } };
    };
  }>('statefulsets', NS, NAME);
  assert.is(sts!.spec.updateStrategy.type, 'RollingUpdate');
  assert.is(sts!.spec.updateStrategy.rollingUpdate?.maxUnavailable ?? 1, 1);
  assert.ok(maxUnavailable <= 1, `at most one instance unavailable at a time (saw ${maxUnavailable})`);
});

test('the end of a rollout is written from the StatefulSet and the nodes alone; a node not Ready sends it to the full pass', async (ctx) => {
  const convergedOn = (image: string) =>
    converge(ctx, `Converged on ${image}`, async () => {
      const c = await cr(ctx.admin);
      const p = c?.status?.conditions?.find((x) => x.type === 'Progressing');
      const pods = await list<Pod>(ctx.admin, 'pods');
      return (
        p?.reason === 'Converged' &&
        p.observedGeneration === c?.metadata.generation &&
        pods.every((x) => x.spec.containers[0].image === image)
      );
    });
  logLines.length = 0;
  let p = await patchSpec(ctx.c, { image: 'example.invalid/gpss:3' });
  assert.is(p.code, 0, p.stderr);
  await convergedOn('example.invalid/gpss:3');
  const ended = logLines.find((l) => l.decision === 'rollout-ended');
  assert.ok(ended, 'every node Ready: the end of the rollout came from the StatefulSet alone');
  const summary = logLines.find((l) => l.msg === 'event handled' && l.eventId === ended.eventId);
  // The cluster, the StatefulSet, the nodes and the gpss Service (NodePort: where gpsscli reaches).
  assert.is(summary?.reads, 4);

  const node = `rollout-not-ready-${Date.now().toString(36)}`;
  const made = await ctx.c.kubectl(['create', '-f', '-'], {
    input: JSON.stringify({
      apiVersion: 'v1',
      kind: 'Node',
      metadata: { name: node },
      spec: { taints: [{ key: 'gpss.test/not-ready', effect: 'NoSchedule' }] },
    }),
  });
  assert.is(made.code, 0, made.stderr);
  try {
    logLines.length = 0;
    p = await patchSpec(ctx.c, { image: 'example.invalid/gpss:4' });
    assert.is(p.code, 0, p.stderr);
    await convergedOn('example.invalid/gpss:4');
    assert.not.ok(
      logLines.some((l) => l.decision === 'rollout-ended'),
      'a node not Ready (an address may have to move): the full pass wrote Converged',
    );
  } finally {
    await ctx.c.kubectl(['delete', 'node', node, '--wait=false']);
  }
});

test('service.gpfdist LoadBalancer → NodePort re-addresses every instance', async (ctx) => {
  const toLb = await patchSpec(ctx.c, '{"spec":{"service":{"gpss":"NodePort","gpfdist":"LoadBalancer"}}}');
  assert.is(toLb.code, 0, toLb.stderr);
  // No cloud here: play the load-balancer controller and give each gpfdist Service an ingress IP.
  await converge(ctx, 'LoadBalancer addresses advertised', async () => {
    const svcs = (
      await list<Svc & { status: { loadBalancer?: { ingress?: unknown[] } } }>(ctx.admin, 'services')
    ).filter((s) => /-gpfdist-\d$/.test(s.metadata.name));
    for (const s of svcs) {
      if (s.spec.type === 'LoadBalancer' && !s.status.loadBalancer?.ingress?.length) {
        const ord = s.metadata.name.slice(-1);
        await ctx.admin.patch(
          'services',
          NS,
          s.metadata.name,
          { status: { loadBalancer: { ingress: [{ ip: `127.0.2.${Number(ord) + 1}` }] } } },
          'merge',
          { subresource: 'status' },
        );
      }
    }
    const cfg = await instanceConfigs(ctx.admin);
    return (
      [0, 1, 2].every(
        (i) =>
          cfg[`${NAME}-${i}.json`]?.Gpfdist.Host === `127.0.2.${i + 1}` &&
          cfg[`${NAME}-${i}.json`].Gpfdist.Port === 8090,
      ) && (await sized(ctx, 3))
    );
  });
  const podsBefore = Object.fromEntries(
    (await list<Pod>(ctx.admin, 'pods')).map((p) => [p.metadata.name, p.metadata.uid]),
  );
  const toNp = await patchSpec(ctx.c, '{"spec":{"service":{"gpfdist":"NodePort"}}}');
  assert.is(toNp.code, 0, toNp.stderr);
  await converge(
    ctx,
    'NodePort addresses advertised and instances restarted',
    async () => {
      const svcs = await list<Svc>(ctx.admin, 'services');
      const cfg = await instanceConfigs(ctx.admin);
      const pods = await list<Pod>(ctx.admin, 'pods');
      const addressed = [0, 1, 2].every((i) => {
        const s = svcs.find((x) => x.metadata.name === `${NAME}-gpfdist-${i}`);
        return (
          s?.spec.type === 'NodePort' && cfg[`${NAME}-${i}.json`]?.Gpfdist.Port === s.spec.ports[0].nodePort
        );
      });
      const restarted =
        pods.length === 3 && pods.every((p) => ready(p) && podsBefore[p.metadata.name] !== p.metadata.uid);
      return addressed && restarted;
    },
    60_000,
  );
});

test('invalid gpss_config: ConfigValid=False with a reason, an Event, and the cluster keeps running', async (ctx) => {
  // The StatefulSet controller may still be reporting the last rollout: its status updates change the
  // resourceVersion compared below, so the comparison starts once that report is complete.
  const stsBefore = await waitFor('the StatefulSet status settled', async () => {
    const s = await ctx.admin.get<Obj & { metadata: { generation?: number } }>('statefulsets', NS, NAME);
    const st = (s?.status ?? {}) as Record<string, unknown>;
    const want = (s?.spec as { replicas?: number } | undefined)?.replicas;
    const settled =
      st.observedGeneration === s?.metadata.generation &&
      st.currentRevision === st.updateRevision &&
      ['replicas', 'readyReplicas', 'availableReplicas', 'updatedReplicas', 'currentReplicas'].every(
        (k) => st[k] === want,
      );
    return settled ? s : undefined;
  });
  const cmBefore = await ctx.admin.get<Obj>('configmaps', NS, `${NAME}-instance-config`);
  const bad =
    '{"ListenAddress": {"Port": 5000}, "Gpfdist": {"Port": 5000}, "Cluster": {"Port": 5001, "Etcd": {"Endpoints": []}}}';
  const p = await patchSpec(ctx.c, { gpss_config: bad });
  assert.is(p.code, 0, p.stderr);
  const cond = await converge(ctx, 'ConfigValid=False', async () => {
    const c = (await cr(ctx.admin))!;
    return c.status?.conditions?.find((x) => x.type === 'ConfigValid' && x.status === 'False');
  });
  assert.is(cond.reason, 'InvalidConfig');
  assert.match(cond.message, 'Cluster.Id');
  assert.match(cond.message, 'Etcd.Endpoints');
  const events = await ctx.admin.list<{ reason: string; type: string }>('events', NS, {
    fieldSelector: `involvedObject.name=${NAME}`,
  });
  assert.ok(
    events.items.some((e) => e.reason === 'InvalidConfig' && e.type === 'Warning'),
    'a Warning Event',
  );
  assert.is(
    (await ctx.admin.get<Obj>('statefulsets', NS, NAME))!.metadata.resourceVersion,
    stsBefore!.metadata.resourceVersion,
  );
  assert.is(
    (await ctx.admin.get<Obj>('configmaps', NS, `${NAME}-instance-config`))!.metadata.resourceVersion,
    cmBefore!.metadata.resourceVersion,
  );

  // A direct Cluster.Id change is refused at the API (CEL) ...
  const changedId = SEED.spec.gpss_config.replace('"Id": "gpfdist"', '"Id": "other"');
  const seedOk = await patchSpec(ctx.c, { gpss_config: SEED.spec.gpss_config });
  assert.is(seedOk.code, 0, seedOk.stderr);
  const direct = await patchSpec(ctx.c, { gpss_config: changedId });
  assert.is.not(direct.code, 0);
  assert.match(direct.stderr, 'Cluster.Id is immutable');
  // ... and one smuggled through an intermediate config without an Id is caught by reconcile.
  for (const cfg of [bad, changedId]) {
    const r = await patchSpec(ctx.c, { gpss_config: cfg });
    assert.is(r.code, 0, r.stderr);
  }
  const idCond = await converge(ctx, 'ClusterIdChanged', async () =>
    (await cr(ctx.admin))!.status?.conditions?.find(
      (x) => x.type === 'ConfigValid' && x.reason === 'ClusterIdChanged',
    ),
  );
  assert.match(idCond.message, '"gpfdist"');
  assert.is(
    (await ctx.admin.get<Obj>('statefulsets', NS, NAME))!.metadata.resourceVersion,
    stsBefore!.metadata.resourceVersion,
  );

  for (const cfg of [bad, SEED.spec.gpss_config]) {
    const r = await patchSpec(ctx.c, { gpss_config: cfg });
    assert.is(r.code, 0, r.stderr);
  }
  await converge(ctx, 'ConfigValid=True again', async () =>
    (await cr(ctx.admin))!.status?.conditions?.some((x) => x.type === 'ConfigValid' && x.status === 'True'),
  );
});

test('maintenance: observe and report, change nothing', async (ctx) => {
  await patchSpec(ctx.c, '{"spec":{"maintenance":true}}');
  await converge(ctx, 'Progressing=False/Maintenance', async () =>
    (await cr(ctx.admin))!.status?.conditions?.some(
      (x) => x.type === 'Progressing' && x.reason === 'Maintenance',
    ),
  );
  await patchSpec(ctx.c, '{"spec":{"size":1}}');
  const mark = auditMark();
  await round(ctx);
  await round(ctx);
  const writes = writesSince(mark, serviceAccountUser('reconcile')).filter(
    (w) => w.objectRef?.subresource !== 'status',
  );
  assert.equal(
    writes.map((w) => `${w.verb} ${w.objectRef?.resource}`),
    [],
  );
  assert.is(
    (await ctx.admin.get<{ spec: { replicas: number } }>('statefulsets', NS, NAME))!.spec.replicas,
    3,
  );
  await patchSpec(ctx.c, '{"spec":{"maintenance":false,"size":3}}');
});

test('a second cluster claiming a running Cluster.Id is refused; the first keeps running', async (ctx) => {
  const twin = { ...SEED, metadata: { name: 'twin', namespace: NS }, spec: { ...SEED.spec, size: 1 } };
  const r = await ctx.c.kubectl(['apply', '-f', '-'], { input: JSON.stringify(twin) });
  assert.is(r.code, 0, r.stderr);
  const res = await deliver(
    ctx.app,
    adapterEvent((await ctx.admin.get<Obj>('gpssclusters', NS, 'twin'))!, 'add'),
  );
  assert.is(res.status, 200);
  const t = await ctx.admin.get<GpssCluster>('gpssclusters', NS, 'twin');
  const cond = t!.status?.conditions?.find((x) => x.type === 'ConfigValid');
  assert.is(cond?.status, 'False');
  assert.is(cond?.reason, 'DuplicateClusterId');
  assert.match(cond!.message, `GpssCluster ${NS}/${NAME}`);
  assert.is(await ctx.admin.get('statefulsets', NS, 'twin'), undefined, 'nothing was created for the twin');
  await round(ctx);
  const first = (await cr(ctx.admin))!.status?.conditions?.find((x) => x.type === 'ConfigValid');
  assert.is(first?.status, 'True');
  assert.is((await ctx.c.kubectl(['delete', 'gpss', 'twin', '-n', NS])).code, 0);
});

test('Cluster.Id conflicts are found across namespaces, among clusters on the same etcd', async (ctx) => {
  const other = `${NS}-twin`;
  await ctx.c.kubectl(['create', 'namespace', other]);
  try {
    const sameEtcd = {
      ...SEED,
      metadata: { name: 'twin', namespace: other },
      spec: { ...SEED.spec, size: 1 },
    };
    const otherEtcd = {
      ...SEED,
      metadata: { name: 'elsewhere', namespace: other },
      spec: {
        ...SEED.spec,
        size: 1,
        gpss_config: SEED.spec.gpss_config.replace('etcd:2379', 'other-etcd:2379'),
      },
    };
    for (const o of [sameEtcd, otherEtcd]) {
      const r = await ctx.c.kubectl(['apply', '-f', '-'], { input: JSON.stringify(o) });
      assert.is(r.code, 0, r.stderr);
      const got = (await ctx.admin.get<Obj>('gpssclusters', other, o.metadata.name))!;
      assert.is((await deliver(ctx.app, adapterEvent(got, 'add'))).status, 200);
    }
    const valid = async (name: string) =>
      (await ctx.admin.get<GpssCluster>('gpssclusters', other, name))!.status?.conditions?.find(
        (x) => x.type === 'ConfigValid',
      );
    const twin = await valid('twin');
    assert.is(twin?.status, 'False');
    assert.is(twin?.reason, 'DuplicateClusterId');
    assert.match(twin!.message, `GpssCluster ${NS}/${NAME} on the same etcd (etcd:2379)`);
    assert.is(
      (await valid('elsewhere'))?.status,
      'True',
      'the same Id on another etcd is another GPSS cluster',
    );
  } finally {
    await ctx.c.kubectl(['delete', 'gpss', '--all', '-n', other, '--wait=false']);
    // Nothing runs finalize here: drop the finalizer-free objects with the namespace.
    await ctx.c.kubectl(['delete', 'namespace', other, '--wait=false']);
  }
});

test('each event yields one summary log line', async (ctx) => {
  logLines.length = 0;
  const ev = adapterEvent((await cr(ctx.admin)) as Obj);
  await deliver(ctx.app, ev);
  const summaries = logLines.filter((l) => l.msg === 'event handled');
  assert.is(summaries.length, 1);
  const s = summaries[0];
  assert.is(s.eventId, ev.id);
  assert.is(s.eventType, ev.type);
  assert.is(s.cluster, `${NS}/${NAME}`);
  for (const k of ['outcome', 'writes', 'reads', 'ms']) assert.ok(k in s, `summary has ${k}`);
});

test.run();
