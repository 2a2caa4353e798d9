import { CloudEvent, HTTP } from 'cloudevents';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { MAX_EVENT_BYTES, parseCloudEvent } from './intake';
import { EVENT_TYPES } from './types';

const STS = {
  apiVersion: 'apps/v1',
  kind: 'StatefulSet',
  metadata: { name: 'gpss-a', namespace: 'ns1', uid: 'u1', resourceVersion: '7' },
  spec: { replicas: 2 },
};

function adapterEvent(overrides: Record<string, unknown> = {}) {
  return new CloudEvent<unknown>({
    id: 'e-1',
    source: 'https://127.0.0.1:6443',
    type: EVENT_TYPES.resourceUpdate,
    subject: '/apis/apps/v1/namespaces/ns1/statefulsets/gpss-a',
    datacontenttype: 'application/json',
    kind: 'StatefulSet',
    apiversion: 'apps/v1',
    name: 'gpss-a',
    namespace: 'ns1',
    data: STS,
    ...overrides,
  });
}

function post(headers: Record<string, string>, body?: string | Uint8Array): Request {
  return new Request('http://fn.local/', {
    method: 'POST',
    headers,
    ...(body === undefined ? {} : { body }),
  });
}

function toRequest(message: { headers: Record<string, unknown>; body: unknown }): Request {
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(message.headers)) headers[k] = String(v);
  return post(headers, message.body as string);
}

async function rejected(req: Request) {
  const r = await parseCloudEvent(req);
  if (r.ok) throw new Error(`expected a rejection, got event ${r.event.id}`);
  return r;
}

const intake = suite('parseCloudEvent');

intake('binary mode: attributes, extensions and JSON data', async () => {
  const r = await parseCloudEvent(toRequest(HTTP.binary(adapterEvent())));
  assert.ok(r.ok);
  if (!r.ok) return;
  assert.is(r.event.id, 'e-1');
  assert.is(r.event.type, EVENT_TYPES.resourceUpdate);
  assert.is(r.event.source, 'https://127.0.0.1:6443');
  assert.is(r.event.subject, '/apis/apps/v1/namespaces/ns1/statefulsets/gpss-a');
  assert.is(r.event.kind, 'StatefulSet');
  assert.is(r.event.apiversion, 'apps/v1');
  assert.is(r.event.namespace, 'ns1');
  assert.equal(r.event.data, STS);
});

intake('structured mode gives the same event', async () => {
  const r = await parseCloudEvent(toRequest(HTTP.structured(adapterEvent())));
  assert.ok(r.ok);
  if (!r.ok) return;
  assert.is(r.event.id, 'e-1');
  assert.is(r.event.name, 'gpss-a');
  assert.equal(r.event.data, STS);
});

intake('structured mode with an unusual content-type spelling', async () => {
  const msg = HTTP.structured(adapterEvent());
  const r = await parseCloudEvent(
    toRequest({ headers: { 'content-type': 'application/cloudevents+json;charset=UTF-8' }, body: msg.body }),
  );
  assert.ok(r.ok);
  if (r.ok) assert.equal(r.event.data, STS);
});

intake('binary mode with a content-type parameter still parses JSON data', async () => {
  const msg = HTTP.binary(adapterEvent());
  const r = await parseCloudEvent(
    toRequest({
      headers: { ...msg.headers, 'content-type': 'application/json;charset=utf-8' },
      body: msg.body,
    }),
  );
  assert.ok(r.ok);
  if (r.ok) assert.equal(r.event.data, STS);
});

intake('a PingSource event without data is accepted', async () => {
  const ping = new CloudEvent<unknown>({
    id: 'p-1',
    source: '/apis/v1/namespaces/ns/pingsources/resync',
    type: EVENT_TYPES.ping,
  });
  const r = await parseCloudEvent(toRequest(HTTP.binary(ping)));
  assert.ok(r.ok);
  if (r.ok) assert.is(r.event.data, undefined);
});

intake('binary mode: invalid JSON data is 400 and says so', async () => {
  const msg = HTTP.binary(adapterEvent());
  const r = await rejected(toRequest({ headers: msg.headers, body: '{"kind": "StatefulSet",' }));
  assert.is(r.status, 400);
  assert.match(r.message, /not valid JSON/);
});

intake('structured mode: invalid JSON is 400', async () => {
  const r = await rejected(post({ 'content-type': 'application/cloudevents+json' }, '{"id": '));
  assert.is(r.status, 400);
  assert.match(r.message, /structured CloudEvent body is not valid JSON/);
});

intake('structured mode: each missing required attribute is named', async () => {
  const r = await rejected(
    post(
      { 'content-type': 'application/cloudevents+json' },
      JSON.stringify({ type: EVENT_TYPES.ping, data: {} }),
    ),
  );
  assert.is(r.status, 400);
  assert.match(r.message, /missing required CloudEvent attribute\(s\): id, source, specversion/);
});

intake('binary mode: a missing ce-source header is named', async () => {
  const { headers, body } = HTTP.binary(adapterEvent());
  const without = Object.fromEntries(Object.entries(headers).filter(([k]) => k !== 'ce-source'));
  const r = await rejected(toRequest({ headers: without, body }));
  assert.is(r.status, 400);
  assert.match(r.message, /ce-source/);
});

intake('a plain JSON POST is not a CloudEvent: 400', async () => {
  const r = await rejected(post({ 'content-type': 'application/json' }, JSON.stringify(STS)));
  assert.is(r.status, 400);
  assert.match(r.message, /not a CloudEvent/);
});

intake('an unknown event type is 400 and lists the known ones', async () => {
  const r = await rejected(toRequest(HTTP.binary(adapterEvent({ type: 'com.example.other' }))));
  assert.is(r.status, 400);
  assert.match(r.message, /unknown event type "com.example.other"/);
  assert.match(r.message, /dev\.knative\.sources\.ping/);
});

intake('an unsupported specversion is 400', async () => {
  const msg = HTTP.binary(adapterEvent());
  const r = await rejected(
    toRequest({ headers: { ...msg.headers, 'ce-specversion': '9.9' }, body: msg.body }),
  );
  assert.is(r.status, 400);
  assert.match(r.message, /unsupported CloudEvents specversion "9.9"/);
});

intake('an attribute that breaks the schema is 400 and names it (source)', async () => {
  const msg = HTTP.binary(adapterEvent());
  const r = await rejected(
    toRequest({ headers: { ...msg.headers, 'ce-source': 'http://a b' }, body: msg.body }),
  );
  assert.is(r.status, 400);
  assert.is(r.message, 'invalid CloudEvent: invalid payload: /source must match format "uri-reference"');
});

intake('batched and non-JSON structured events are 415', async () => {
  const batch = await rejected(post({ 'content-type': 'application/cloudevents-batch+json' }, '[]'));
  assert.is(batch.status, 415);
  const xml = await rejected(post({ 'content-type': 'application/cloudevents+xml' }, '<e/>'));
  assert.is(xml.status, 415);
});

intake('a body over 1 MiB is 413, with or without a content-length', async () => {
  const big = JSON.stringify({ ...STS, pad: 'x'.repeat(MAX_EVENT_BYTES) });
  const msg = HTTP.binary(adapterEvent());
  const declared = await rejected(toRequest({ headers: msg.headers, body: big }));
  assert.is(declared.status, 413);

  const bytes = new TextEncoder().encode(big);
  const stream = new ReadableStream<Uint8Array>({
    start(controller) {
      for (let i = 0; i < bytes.length; i += 64 * 1024) controller.enqueue(bytes.subarray(i, i + 64 * 1024));
      controller.close();
    },
  });
  const chunked = new Request('http://fn.local/', {
    method: 'POST',
    headers: msg.headers as Record<string, string>,
    body: stream,
    duplex: 'half',
  } as RequestInit);
  const r = await rejected(chunked);
  assert.is(r.status, 413);
});

intake('a body of exactly the limit is accepted', async () => {
  const msg = HTTP.binary(adapterEvent());
  const size = Buffer.byteLength(String(msg.body));
  const r = await parseCloudEvent(toRequest(msg), { maxBytes: size });
  assert.ok(r.ok);
  const over = await parseCloudEvent(toRequest(HTTP.binary(adapterEvent())), { maxBytes: size - 1 });
  assert.equal(over.ok ? 'accepted' : over.status, 413);
});

intake.run();
