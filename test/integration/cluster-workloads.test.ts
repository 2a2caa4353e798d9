// The embedded control plane behaves like a real cluster for what the operator relies on.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import {
  deleteNamespace,
  freshNamespace,
  type SharedCluster,
  sharedCluster,
  waitFor,
} from '../support/cluster';

interface Pod {
  metadata: { name: string; deletionTimestamp?: string };
  spec: { nodeName?: string };
  status: { phase?: string; conditions?: Array<{ type: string; status: string }> };
}

const test = suite<{ c: SharedCluster; ns: string }>('embedded cluster workloads');

test.before(async (ctx) => {
  ctx.c = await sharedCluster();
  ctx.ns = await freshNamespace('it-cluster');
});
test.after(async (ctx) => {
  if (ctx.ns) await deleteNamespace(ctx.ns);
});

async function json<T>(c: SharedCluster, args: string[]): Promise<T> {
  const r = await c.kubectl([...args, '-o', 'json']);
  if (r.code !== 0) throw new Error(`kubectl ${args.join(' ')}: ${r.stderr}`);
  return JSON.parse(r.stdout) as T;
}

const readyPods = (pods: Pod[]) =>
  pods.filter(
    (p) =>
      !p.metadata.deletionTimestamp &&
      p.status.phase === 'Running' &&
      p.status.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'),
  );

test('3 Ready simulated nodes and the real server version', async ({ c }) => {
  const nodes = await json<{
    items: Array<{
      metadata: { name: string };
      status: { conditions: Array<{ type: string; status: string }> };
    }>;
  }>(c, ['get', 'nodes']);
  const ready = nodes.items.filter((n) =>
    n.status.conditions.some((x) => x.type === 'Ready' && x.status === 'True'),
  );
  assert.ok(ready.length >= 3, `expected ≥3 Ready nodes, got ${ready.map((n) => n.metadata.name)}`);
  const v = await json<{ serverVersion: { gitVersion: string } }>(c, ['version']);
  assert.match(v.serverVersion.gitVersion, /^v1\.34\.\d+$/);
});

test('StatefulSet: 3 Parallel pods Ready, scale to 1, delete garbage-collects pods', async ({ c, ns }) => {
  const sts = {
    apiVersion: 'apps/v1',
    kind: 'StatefulSet',
    metadata: { name: 'web', namespace: ns },
    spec: {
      replicas: 3,
      podManagementPolicy: 'Parallel',
      serviceName: 'web',
      selector: { matchLabels: { app: 'web' } },
      template: {
        metadata: { labels: { app: 'web' } },
        spec: {
          containers: [
            { name: 'c', image: 'example.invalid/web:1', ports: [{ containerPort: 8080, name: 'http' }] },
          ],
        },
      },
    },
  };
  const svc = {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: 'web', namespace: ns },
    spec: {
      type: 'NodePort',
      selector: { app: 'web' },
      ports: [{ name: 'http', port: 80, targetPort: 'http' }],
    },
  };
  const applied = await c.kubectl(['apply', '-f', '-'], {
    input: JSON.stringify({ apiVersion: 'v1', kind: 'List', items: [sts, svc] }),
  });
  assert.is(applied.code, 0, applied.stderr);

  const pods = await waitFor('3 Running+Ready pods', async () => {
    const list = await json<{ items: Pod[] }>(c, ['get', 'pods', '-n', ns, '-l', 'app=web']);
    return readyPods(list.items).length === 3 ? list.items : undefined;
  });
  assert.ok(
    pods.every((p) => p.spec.nodeName?.startsWith('kwok-node-')),
    'pods scheduled on simulated nodes',
  );

  const service = await json<{ spec: { ports: Array<{ nodePort?: number }> } }>(c, [
    'get',
    'service',
    'web',
    '-n',
    ns,
  ]);
  const nodePort = service.spec.ports[0].nodePort ?? 0;
  assert.ok(nodePort >= 30000 && nodePort <= 32767, `node port allocated: ${nodePort}`);

  const endpoints = await waitFor('EndpointSlices with 3 ready endpoints', async () => {
    const slices = await json<{
      items: Array<{ endpoints?: Array<{ conditions: { ready?: boolean }; targetRef?: { name: string } }> }>;
    }>(c, ['get', 'endpointslices', '-n', ns, '-l', 'kubernetes.io/service-name=web']);
    const eps = slices.items.flatMap((s) => s.endpoints ?? []).filter((e) => e.conditions.ready);
    return eps.length === 3 ? eps : undefined;
  });
  assert.equal(endpoints.map((e) => e.targetRef?.name).sort(), ['web-0', 'web-1', 'web-2']);

  assert.is((await c.kubectl(['scale', 'statefulset', 'web', '-n', ns, '--replicas=1'])).code, 0);
  await waitFor('only web-0 left', async () => {
    const list = await json<{ items: Pod[] }>(c, ['get', 'pods', '-n', ns, '-l', 'app=web']);
    return list.items.length === 1 && list.items[0].metadata.name === 'web-0';
  });

  assert.is((await c.kubectl(['delete', 'statefulset', 'web', '-n', ns, '--wait=false'])).code, 0);
  await waitFor('pods garbage-collected', async () => {
    const list = await json<{ items: Pod[] }>(c, ['get', 'pods', '-n', ns, '-l', 'app=web']);
    return list.items.length === 0;
  });
});

test('a ServiceAccount with no Role is denied', async ({ c, ns }) => {
  assert.is((await c.kubectl(['create', 'serviceaccount', 'nobody', '-n', ns])).code, 0);
  const as = `--as=system:serviceaccount:${ns}:nobody`;
  const r = await c.kubectl(['get', 'pods', '-n', ns, as]);
  assert.is.not(r.code, 0);
  assert.match(r.stderr, /forbidden/i);
  const canI = await c.kubectl(['auth', 'can-i', 'create', 'statefulsets', '-n', ns, as]);
  assert.is(canI.stdout.trim(), 'no');
});

test('Knative CRDs installed; sample ApiServerSource and PingSource pass server-side dry-run', async ({
  c,
  ns,
}) => {
  for (const crd of [
    'apiserversources.sources.knative.dev',
    'pingsources.sources.knative.dev',
    'services.serving.knative.dev',
    'brokers.eventing.knative.dev',
    'triggers.eventing.knative.dev',
  ]) {
    assert.is((await c.kubectl(['get', 'crd', crd])).code, 0, `${crd} installed`);
  }
  const sources = [
    {
      apiVersion: 'sources.knative.dev/v1',
      kind: 'ApiServerSource',
      metadata: { name: 'sample', namespace: ns },
      spec: {
        mode: 'Resource',
        serviceAccountName: 'default',
        resources: [{ apiVersion: 'v1', kind: 'ConfigMap' }],
        sink: { uri: 'http://127.0.0.1:9/' },
      },
    },
    {
      apiVersion: 'sources.knative.dev/v1',
      kind: 'PingSource',
      metadata: { name: 'sample', namespace: ns },
      spec: { schedule: '*/1 * * * *', data: '{"resync":"all"}', sink: { uri: 'http://127.0.0.1:9/' } },
    },
  ];
  for (const s of sources) {
    const r = await c.kubectl(['apply', '--dry-run=server', '--validate=strict', '-f', '-'], {
      input: JSON.stringify(s),
    });
    assert.is(r.code, 0, `${s.kind}: ${r.stderr}`);
    assert.match(r.stdout, /server dry run/);
  }
  const bad = { ...sources[1], spec: { ...sources[1].spec, notAField: true } };
  const r = await c.kubectl(['apply', '--dry-run=server', '--validate=strict', '-f', '-'], {
    input: JSON.stringify(bad),
  });
  assert.is.not(r.code, 0, 'strict validation rejects an unknown field');
  assert.match(r.stderr, /notAField/);
});

test.run();
