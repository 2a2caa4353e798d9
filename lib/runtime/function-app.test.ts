import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { CloudEvent, HTTP } from 'cloudevents';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { KubeClient } from '../k8s/client';
import { KubeApiError } from '../k8s/errors';
import { kubeConfigFor } from '../k8s/kubeconfig';
import { PermanentError, TransientError } from './errors';
import { EVENT_TYPES } from './events/types';
import { createFunctionApp, type Handler, serve } from './function-app';
import { createLogger } from './log';

type Line = Record<string, unknown>;

let lines: Line[];
let calls: CloudEvent<unknown>[];
let apiserver: http.Server;
let kube: KubeClient;

function appWith(handle: Handler) {
  const logger = createLogger({
    name: 'reconcile',
    destination: { write: (s: string) => lines.push(JSON.parse(s)) },
  });
  return createFunctionApp({
    name: 'reconcile',
    logger,
    kube,
    handle: (event, ctx) => {
      calls.push(event);
      return handle(event, ctx);
    },
  });
}

function ceEvent(id = 'e-1', type: string = EVENT_TYPES.resourceUpdate) {
  return new CloudEvent<unknown>({
    id,
    source: 'https://127.0.0.1:6443',
    type,
    subject: '/apis/gpss.gpdb.io/v1/namespaces/ns1/gpssclusters/c1',
    datacontenttype: 'application/json',
    data: { apiVersion: 'gpss.gpdb.io/v1', kind: 'GpssCluster', metadata: { name: 'c1', namespace: 'ns1' } },
  });
}

function post(message: { headers: Record<string, unknown>; body: unknown }): RequestInit {
  return {
    method: 'POST',
    headers: Object.fromEntries(Object.entries(message.headers).map(([k, v]) => [k, String(v)])),
    body: message.body as string,
  };
}

const summaries = () => lines.filter((l) => l.msg === 'event handled');

const app = suite('createFunctionApp');

app.before(async () => {
  // A stand-in API server: every read finds an object, every write succeeds.
  apiserver = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"metadata":{"name":"c1"}}');
    });
  });
  await new Promise<void>((done) => apiserver.listen(0, '127.0.0.1', done));
  kube = KubeClient.fromKubeConfig(
    kubeConfigFor(`http://127.0.0.1:${(apiserver.address() as AddressInfo).port}`),
  );
});
app.after(async () => {
  kube.close();
  apiserver.closeAllConnections();
  await new Promise((done) => apiserver.close(done));
});
app.before.each(() => {
  lines = [];
  calls = [];
});

app('GET /healthz answers 200 without calling the handler', async () => {
  const res = await appWith(async () => ({ outcome: 'x' })).request('/healthz');
  assert.is(res.status, 200);
  assert.is(calls.length, 0);
});

app('a handled event: 200, small JSON body, exactly one summary line', async () => {
  const a = appWith(async (_event, ctx) => {
    ctx.log.info({ decision: 'apply' }, 'decided');
    return { outcome: 'applied', cluster: 'ns1/c1' };
  });
  const res = await a.request('/', post(HTTP.binary(ceEvent())));
  assert.is(res.status, 200);
  assert.equal(await res.json(), { id: 'e-1', outcome: 'applied', cluster: 'ns1/c1' });
  assert.match(res.headers.get('content-type') ?? '', /^application\/json/);
  assert.is(res.headers.get('ce-id'), null, 'never a CloudEvent reply');
  assert.is(calls.length, 1);
  assert.is(calls[0]!.id, 'e-1');

  assert.is(summaries().length, 1);
  const s = summaries()[0]!;
  assert.is(s.level, 'info');
  assert.is(s.fn, 'reconcile');
  assert.is(s.eventId, 'e-1');
  assert.is(s.eventType, EVENT_TYPES.resourceUpdate);
  assert.is(s.cluster, 'ns1/c1');
  assert.is(s.outcome, 'applied');
  assert.is(s.writes, 0);
  assert.is(s.reads, 0);
  assert.type(s.ms, 'number');
  const decided = lines.find((l) => l.msg === 'decided')!;
  assert.is(decided.eventId, 'e-1', 'handler lines carry the event id');
});

app('structured mode works the same', async () => {
  const res = await appWith(async () => ({ outcome: 'unchanged' })).request(
    '/',
    post(HTTP.structured(ceEvent())),
  );
  assert.is(res.status, 200);
  assert.is(calls[0]!.type, EVENT_TYPES.resourceUpdate);
});

app('reads and writes come from a client scoped to the event', async () => {
  const a = appWith(async (_event, ctx) => {
    await ctx.kube.get('gpssclusters', 'ns1', 'c1');
    await ctx.kube.list('statefulsets', 'ns1');
    await ctx.kube.apply(
      { apiVersion: 'v1', kind: 'Service', metadata: { name: 's', namespace: 'ns1' } },
      { fieldManager: 'gpss-reconcile' },
    );
    return { outcome: 'applied', cluster: 'ns1/c1' };
  });
  await a.request('/', post(HTTP.binary(ceEvent('e-1'))));
  await a.request('/', post(HTTP.binary(ceEvent('e-2'))));
  assert.equal(
    summaries().map((s) => s.cold),
    [true, undefined],
    "the process's first event is marked as answered cold, the next is not",
  );
  assert.equal(
    summaries().map((s) => [s.eventId, s.reads, s.writes]),
    [
      ['e-1', 2, 1],
      ['e-2', 2, 1],
    ],
  );
  assert.is(kube.counters.reads + kube.counters.writes, 0, 'the shared client is never charged');
});

app('the handler may report writes itself and answer 202', async () => {
  const res = await appWith(async () => ({ outcome: 'started', writes: 3, status: 202 })).request(
    '/',
    post(HTTP.binary(ceEvent())),
  );
  assert.is(res.status, 202);
  assert.is(summaries()[0]!.writes, 3);
});

app('a transient failure: 503 so eventing redelivers; one warn summary with the cluster', async () => {
  const a = appWith(async (_event, ctx) => {
    ctx.cluster = 'ns1/c1';
    throw new TransientError('etcd endpoint not reachable');
  });
  const res = await a.request('/', post(HTTP.binary(ceEvent())));
  assert.is(res.status, 503);
  const body = (await res.json()) as Record<string, unknown>;
  assert.is(body.outcome, 'transient-error');
  assert.is(body.error, 'etcd endpoint not reachable');
  assert.is(summaries().length, 1);
  assert.is(summaries()[0]!.level, 'warn');
  assert.is(summaries()[0]!.outcome, 'transient-error');
  assert.is(summaries()[0]!.cluster, 'ns1/c1');
  assert.match(String((summaries()[0]!.err as Line).message), /etcd endpoint not reachable/);
});

app('a wrapped 409 Conflict is transient', async () => {
  const conflict = new KubeApiError({
    status: 409,
    reason: 'Conflict',
    message: 'the object has been modified',
    verb: 'update',
    method: 'PUT',
    path: '/apis/gpss.gpdb.io/v1/namespaces/ns1/gpssclusters/c1',
  });
  const a = appWith(async () => {
    throw new Error('remove finalizer from ns1/c1', { cause: conflict });
  });
  const res = await a.request('/', post(HTTP.binary(ceEvent())));
  assert.is(res.status, 503);
});

app("a 429 with Retry-After: 503 and the API server's Retry-After passed on", async () => {
  const throttled = new KubeApiError({
    status: 429,
    reason: 'TooManyRequests',
    message: 'too many requests',
    verb: 'list',
    method: 'GET',
    path: '/api/v1/pods',
    retryAfterSeconds: 7,
  });
  const a = appWith(async () => {
    throw new Error('observe ns1/c1', { cause: throttled });
  });
  const res = await a.request('/', post(HTTP.binary(ceEvent())));
  assert.is(res.status, 503);
  assert.is(res.headers.get('retry-after'), '7');
});

app('a permanent failure: logged as an error, answered 200', async () => {
  const a = appWith(async () => {
    throw new PermanentError('spec.gpss_config: Cluster.Id is required');
  });
  const res = await a.request('/', post(HTTP.binary(ceEvent())));
  assert.is(res.status, 200);
  assert.is(((await res.json()) as Line).outcome, 'permanent-error');
  assert.is(summaries().length, 1);
  assert.is(summaries()[0]!.level, 'error');
  assert.is(summaries()[0]!.outcome, 'permanent-error');
});

app('an unexpected error (a bug) is permanent too', async () => {
  const a = appWith(async () => {
    throw new TypeError("Cannot read properties of undefined (reading 'spec')");
  });
  const res = await a.request('/', post(HTTP.binary(ceEvent())));
  assert.is(res.status, 200);
  assert.is(summaries()[0]!.outcome, 'permanent-error');
});

app('malformed events: 4xx, no handler call, one warn line with the reason', async () => {
  const a = appWith(async () => ({ outcome: 'x' }));
  const msg = HTTP.binary(ceEvent());
  const badJson = await a.request('/', post({ headers: msg.headers, body: '{"kind":' }));
  assert.is(badJson.status, 400);
  assert.match(((await badJson.json()) as Line).error as string, /not valid JSON/);

  const unknown = await a.request('/', post(HTTP.binary(ceEvent('e-9', 'com.example.unknown'))));
  assert.is(unknown.status, 400);

  const huge = await a.request(
    '/',
    post({ headers: msg.headers, body: `{"pad":"${'x'.repeat(1024 * 1024)}"}` }),
  );
  assert.is(huge.status, 413);

  assert.is(calls.length, 0);
  assert.is(summaries().length, 0);
  const rejected = lines.filter((l) => l.msg === 'event rejected');
  assert.equal(
    rejected.map((l) => [l.level, l.status, l.eventId]),
    [
      ['warn', 400, 'e-1'],
      ['warn', 400, 'e-9'],
      ['warn', 413, 'e-1'],
    ],
  );
  assert.match(String(rejected[1]!.reason), /unknown event type "com.example.unknown"/);
});

const server = suite('serve');

server('listens on 127.0.0.1, answers real HTTP, closes', async () => {
  lines = [];
  calls = [];
  const running = await serve(
    appWith(async () => ({ outcome: 'ok' })),
    { port: 0 },
  );
  try {
    assert.ok(running.port > 0);
    const health = await fetch(`http://127.0.0.1:${running.port}/healthz`);
    assert.is(health.status, 200);
    const msg = HTTP.binary(ceEvent());
    const res = await fetch(`http://127.0.0.1:${running.port}/`, post(msg));
    assert.is(res.status, 200);
    assert.is(((await res.json()) as Line).outcome, 'ok');
  } finally {
    await running.close();
  }
  const refused = await fetch(`http://127.0.0.1:${running.port}/healthz`).catch((e: unknown) => e);
  assert.instance(refused, Error, 'nothing listens after close');
});

server('a taken port rejects', async () => {
  const first = await serve(
    appWith(async () => ({ outcome: 'ok' })),
    { port: 0 },
  );
  try {
    const second = await serve(
      appWith(async () => ({ outcome: 'ok' })),
      { port: first.port },
    ).catch((e: unknown) => e);
    assert.instance(second, Error);
    assert.match(String((second as NodeJS.ErrnoException).code), /EADDRINUSE/);
  } finally {
    await first.close();
  }
});

app.run();
server.run();
