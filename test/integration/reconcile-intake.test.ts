// Bad input at the function's door: malformed CloudEvents get a 4xx and cause no API writes; an API
// server that cannot be reached gets a 5xx so eventing redelivers.
import { CloudEvent } from 'cloudevents';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { createApp } from '../../functions/reconcile/app';
import { KubeClient } from '../../lib/k8s/client';
import { kubeConfigFor } from '../../lib/k8s/kubeconfig';
import { createLogger } from '../../lib/runtime/log';
import { freePort } from '../../localcluster/process';
import { deleteNamespace, freshNamespace, type SharedCluster, sharedCluster } from '../support/cluster';
import {
  adapterEvent,
  auditMark,
  deliver,
  functionClient,
  installOperator,
  serviceAccountUser,
  writesSince,
} from '../support/operator';

const test = suite<{ c: SharedCluster; ns: string; app: ReturnType<typeof createApp>; kube: KubeClient }>(
  'reconcile: malformed events and API errors',
);
const quiet = () => createLogger({ name: 'reconcile', level: 'silent' });

test.before(async (ctx) => {
  ctx.c = await sharedCluster();
  await installOperator(ctx.c);
  ctx.ns = await freshNamespace('it-intake');
  ctx.kube = await functionClient(ctx.c, 'reconcile');
  ctx.app = createApp({ kube: ctx.kube, logger: quiet() });
  const cr = {
    apiVersion: 'gpss.gpdb.io/v1',
    kind: 'GpssCluster',
    metadata: { name: 'c1', namespace: ctx.ns },
    spec: {
      size: 1,
      image: 'example.invalid/gpss:1',
      service: { gpss: 'ClusterIP', gpfdist: 'ClusterIP' },
      gpss_config:
        '{"ListenAddress":{"Port":5000},"Gpfdist":{"Port":8090},"Cluster":{"Id":"c1","Port":5001,"Etcd":{"Endpoints":["e:2379"]}}}',
    },
  };
  const r = await ctx.c.kubectl(['apply', '-f', '-'], { input: JSON.stringify(cr) });
  assert.is(r.code, 0, r.stderr);
});
test.after(async (ctx) => {
  ctx.kube?.close();
  if (ctx.ns) await deleteNamespace(ctx.ns);
});

const post = async (app: ReturnType<typeof createApp>, headers: Record<string, string>, body: string) =>
  app.request('/', { method: 'POST', headers, body });

const binaryHeaders = (over: Record<string, string> = {}) => ({
  'content-type': 'application/json',
  'ce-specversion': '1.0',
  'ce-id': 'x-1',
  'ce-source': 'https://127.0.0.1:6443',
  'ce-type': 'dev.knative.apiserver.resource.update',
  ...over,
});

test('each malformed event gets a 4xx and no write reaches the API server', async (ctx) => {
  const { app, ns } = ctx;
  const cr = { apiVersion: 'gpss.gpdb.io/v1', kind: 'GpssCluster', metadata: { name: 'c1', namespace: ns } };
  const pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: ns } };
  const noCe = binaryHeaders();
  delete (noCe as Record<string, string>)['ce-id'];
  const cases: Array<[string, () => Promise<Response>, number]> = [
    [
      'bad JSON (structured)',
      () => post(app, { 'content-type': 'application/cloudevents+json' }, '{"specversion": "1.0", "id": '),
      400,
    ],
    ['bad JSON (binary data)', () => post(app, binaryHeaders(), '{"kind": "GpssCluster",'), 400],
    ['missing id attribute', () => post(app, noCe, JSON.stringify(cr)), 400],
    [
      'unknown type',
      () => post(app, binaryHeaders({ 'ce-type': 'com.example.unknown' }), JSON.stringify(cr)),
      400,
    ],
    ['wrong kind for this function', () => deliver(app, adapterEvent(pod)), 400],
    ['data that is not an object', () => post(app, binaryHeaders(), '[1,2,3]'), 400],
    [
      'a 1 MiB+ body',
      () => post(app, binaryHeaders(), JSON.stringify({ ...cr, pad: 'x'.repeat(1024 * 1024) })),
      413,
    ],
  ];
  const mark = auditMark();
  for (const [what, send, want] of cases) {
    const res = await send();
    assert.is(res.status, want, `${what}: ${await res.text()}`);
  }
  assert.equal(writesSince(mark, serviceAccountUser('reconcile')), [], 'no API writes for malformed events');
  // The same event, well-formed and in structured mode, is handled: the 4xx above were about the input.
  assert.is((await deliver(app, adapterEvent(cr as never), 'structured')).status, 200);
  assert.ok(writesSince(mark, serviceAccountUser('reconcile')).length > 0, 'the valid event did reconcile');
});

test('an API server that cannot be reached answers 503 (eventing redelivers)', async (ctx) => {
  const port = await freePort();
  const down = KubeClient.fromKubeConfig(kubeConfigFor(`https://127.0.0.1:${port}`), { timeoutMs: 2000 });
  const app = createApp({ kube: down, logger: quiet() });
  const ev = new CloudEvent({
    id: 'down-1',
    type: 'dev.knative.apiserver.resource.update',
    source: 'https://127.0.0.1:6443',
    data: { apiVersion: 'gpss.gpdb.io/v1', kind: 'GpssCluster', metadata: { name: 'c1', namespace: ctx.ns } },
  });
  const res = await deliver(app, ev);
  assert.is(res.status, 503, await res.text());
  down.close();
});

test.run();
