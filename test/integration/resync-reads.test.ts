// A resync reads every cluster at once: one list per kind (lib/k8s/snapshot.ts), whatever the number
// of clusters, and still repairs what a lost event left behind. reconcile runs in-process as its own
// ServiceAccount; the test plays the PingSource.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { createApp, RESYNC_READS } from '../../functions/reconcile/app';
import type { GpssCluster } from '../../lib/api/types';
import type { KubeClient } from '../../lib/k8s/client';
import { StaleSnapshot, snapshotClient } from '../../lib/k8s/snapshot';
import { createClusterFunctionApp } from '../../lib/runtime/cluster-function';
import { createLogger } from '../../lib/runtime/log';
import { writeStatus } from '../../lib/status/write-status';
import {
  deleteNamespace,
  freshNamespace,
  type SharedCluster,
  sharedCluster,
  waitFor,
} from '../support/cluster';
import {
  adminClient,
  auditMark,
  auditSince,
  deliver,
  functionClient,
  installOperator,
  pingEvent,
  serviceAccountUser,
  WRITE_VERBS,
} from '../support/operator';

interface Ctx {
  c: SharedCluster;
  ns: string;
  admin: KubeClient;
  fn: KubeClient;
  app: ReturnType<typeof createApp>;
}
const test = suite<Ctx>('resync reads');
const CLUSTERS = ['r1', 'r2', 'r3'];
const USER = serviceAccountUser('reconcile');

test.before(async (ctx) => {
  ctx.c = await sharedCluster();
  await installOperator(ctx.c);
  ctx.ns = await freshNamespace('it-resync');
  ctx.admin = await adminClient(ctx.c);
  ctx.fn = await functionClient(ctx.c, 'reconcile');
  ctx.app = createApp({ kube: ctx.fn, logger: createLogger({ name: 'reconcile', level: 'silent' }) });
  const crs = CLUSTERS.map((name) => ({
    apiVersion: 'gpss.gpdb.io/v1',
    kind: 'GpssCluster',
    metadata: { name, namespace: ctx.ns },
    spec: {
      size: 2,
      image: 'example.invalid/gpss:1',
      service: { gpss: 'ClusterIP', gpfdist: 'ClusterIP' },
      gpss_config: `{"ListenAddress":{"Port":5000},"Gpfdist":{"Port":8090},"Cluster":{"Id":"${ctx.ns}-${name}","Port":5001,"Etcd":{"Endpoints":["etcd:2379"]}}}`,
    },
  }));
  const r = await ctx.c.kubectl(['apply', '-f', '-'], {
    input: JSON.stringify({ apiVersion: 'v1', kind: 'List', items: crs }),
  });
  assert.is(r.code, 0, r.stderr);
});
test.after(async (ctx) => {
  if (ctx.ns) await deleteNamespace(ctx.ns);
  ctx.admin?.close();
  ctx.fn?.close();
});

/** One resync ping; the requests reconcile made for it, once the audit log has them all. */
async function ping(ctx: Ctx, atLeast: number) {
  const mark = auditMark();
  const res = await deliver(ctx.app, pingEvent());
  assert.is(res.status, 200, await res.text());
  const requests = await waitFor(
    `${atLeast} requests of the resync in the audit log`,
    async () => {
      const r = auditSince(mark, USER);
      return r.length >= atLeast ? r : undefined;
    },
    { timeoutMs: 10_000, intervalMs: 50 },
  );
  // The resync covers every cluster on the shared cluster; what another suite left behind is not ours
  // to judge: cluster-wide lists and this namespace's requests only.
  const mine = requests.filter((e) => !e.objectRef?.namespace || e.objectRef.namespace === ctx.ns);
  const reads = mine.filter((e) => !WRITE_VERBS.has(e.verb));
  const writes = mine.filter((e) => WRITE_VERBS.has(e.verb));
  return {
    reads: reads.map((e) => `${e.verb} ${e.objectRef?.resource}`).sort(),
    writes: writes.map((e) => `${e.verb} ${e.objectRef?.resource}/${e.objectRef?.name}`),
  };
}

const exists = (ctx: Ctx, res: 'services' | 'statefulsets', name: string) =>
  ctx.admin.get(res, ctx.ns, name).then((o) => o !== undefined);

test('resync pings alone create every cluster', async (ctx) => {
  await waitFor(
    'three clusters created by resync',
    async () => {
      assert.is((await deliver(ctx.app, pingEvent())).status, 200);
      const made = await Promise.all(CLUSTERS.map((n) => exists(ctx, 'statefulsets', n)));
      return made.every(Boolean);
    },
    { timeoutMs: 30_000, intervalMs: 200 },
  );
});

test('a converged resync costs one list per kind, whatever the number of clusters', async (ctx) => {
  // Statuses settle over a few pings (the StatefulSet controller reports the rollout).
  let last = await ping(ctx, RESYNC_READS.length);
  await waitFor(
    'a resync that writes nothing',
    async () => {
      last = await ping(ctx, RESYNC_READS.length);
      return last.writes.length === 0;
    },
    { timeoutMs: 30_000, intervalMs: 200 },
  );
  console.log(`  converged resync over ${CLUSTERS.length}+ clusters: ${last.reads.length} reads, 0 writes`);
  assert.equal(last.reads, RESYNC_READS.map((k) => `list ${k.res}`).sort());
});

test('a change whose event was lost is repaired by the next resync', async (ctx) => {
  assert.ok(await exists(ctx, 'services', 'r2-headless'));
  const r = await ctx.c.kubectl(['delete', 'service', 'r2-headless', '-n', ctx.ns]);
  assert.is(r.code, 0, r.stderr);
  const { reads, writes } = await ping(ctx, RESYNC_READS.length + 1);
  assert.ok(await exists(ctx, 'services', 'r2-headless'), 'the Service is back');
  assert.ok(writes.includes('patch services/r2-headless'), `writes: ${writes.join(', ')}`);
  // After its own write, reconcile reads that kind in that namespace from the API server again.
  console.log(`  repairing resync: ${reads.length} reads, writes ${writes.join(', ')}`);
});

test("a resync's status write decided from a cluster that changed since its snapshot is refused", async (ctx) => {
  const snap = await snapshotClient(ctx.fn, RESYNC_READS);
  const seen = await snap.get<GpssCluster>('gpssclusters', ctx.ns, 'r1');
  assert.ok(seen?.metadata.resourceVersion);
  // Meanwhile an event's pass reports on r1 from newer reads (played here by another field manager).
  const probe = (conditions: object[]) =>
    ctx.admin.apply(
      {
        apiVersion: 'gpss.gpdb.io/v1',
        kind: 'GpssCluster',
        metadata: { name: 'r1', namespace: ctx.ns },
        status: { conditions },
      },
      { fieldManager: 'it-probe', subresource: 'status', force: true },
    );
  const at = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
  await probe([
    {
      type: 'Probe',
      status: 'True',
      reason: 'Newer',
      message: 'reported after the snapshot',
      lastTransitionTime: at,
    },
  ]);
  const c = { kube: snap, log: createLogger({ name: 'it', level: 'silent' }), now: () => new Date() };
  const stale = {
    type: 'ProbeStale',
    status: 'True' as const,
    reason: 'Stale',
    message: 'from the snapshot',
  };
  let refused: unknown;
  try {
    await writeStatus(c, seen!, { manager: 'it-resync', conditions: [stale] });
  } catch (err) {
    refused = err;
  }
  assert.instance(refused, StaleSnapshot, `got ${refused}`);
  const now = await ctx.admin.get<GpssCluster>('gpssclusters', ctx.ns, 'r1');
  assert.not.ok(
    now?.status?.conditions?.some((x) => x.type === 'ProbeStale'),
    'nothing written',
  );
  await probe([]);
});

test('a resync handles a cluster that changed since its snapshot again from fresh reads', async (ctx) => {
  const at = () => new Date().toISOString().replace(/\.\d+Z$/, 'Z');
  const apply = (manager: string, conditions: object[]) =>
    ctx.admin.apply(
      {
        apiVersion: 'gpss.gpdb.io/v1',
        kind: 'GpssCluster',
        metadata: { name: 'r2', namespace: ctx.ns },
        status: { conditions },
      },
      { fieldManager: manager, subresource: 'status', force: true },
    );
  const passes: string[] = [];
  const app = createClusterFunctionApp(
    {
      name: 'it-resync',
      kinds: ['GpssCluster'],
      resyncReads: RESYNC_READS,
      handleCluster: async (c, namespace, name) => {
        if (namespace !== ctx.ns || name !== 'r2') return 'other';
        const cr = await c.kube.get<GpssCluster>('gpssclusters', namespace, name);
        // The first pass: an event's pass reports on r2 after the snapshot was taken.
        if (passes.length === 0)
          await apply('it-probe', [
            { type: 'Probe', status: 'True', reason: 'Newer', message: 'm', lastTransitionTime: at() },
          ]);
        passes.push(cr!.metadata.resourceVersion!);
        await writeStatus(c, cr!, {
          manager: 'it-resync',
          conditions: [{ type: 'ProbeResync', status: 'True', reason: 'Fresh', message: 'from fresh reads' }],
        });
        return 'written';
      },
    },
    { kube: ctx.fn, logger: createLogger({ name: 'it', level: 'silent' }) },
  );
  const res = await deliver(app, pingEvent());
  assert.is(res.status, 200, await res.text());
  assert.is(passes.length, 2, 'refused once, then handled again');
  assert.is.not(passes[1], passes[0], 'the second pass read the cluster as it is now');
  const now = await ctx.admin.get<GpssCluster>('gpssclusters', ctx.ns, 'r2');
  const types = now?.status?.conditions?.map((x) => x.type) ?? [];
  assert.ok(types.includes('ProbeResync') && types.includes('Probe'), `conditions: ${types.join(', ')}`);
  await apply('it-probe', []);
  await apply('it-resync', []);
});

test.run();
