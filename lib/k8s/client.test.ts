// The client against tiny local HTTP(S) servers: what goes on the wire, what comes back, what is counted.
// Real API-server behaviour is proven by the integration tests.

import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as http from 'node:http';
import * as https from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TLSSocket } from 'node:tls';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { KubeClient } from './client';
import { isTransient, KubeApiError } from './errors';

interface Seen {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  body: string;
  remotePort: number;
}

type Reply = (req: Seen, res: http.ServerResponse) => void;

interface TestServer {
  url: string;
  seen: Seen[];
  reply: Reply;
  close(): Promise<void>;
}

function json(res: http.ServerResponse, status: number, body: unknown) {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

function status(res: http.ServerResponse, code: number, reason: string, message: string) {
  json(res, code, { kind: 'Status', apiVersion: 'v1', status: 'Failure', reason, message, code });
}

async function listen(server: http.Server, scheme: 'http' | 'https'): Promise<TestServer> {
  const t: TestServer = {
    url: '',
    seen: [],
    reply: (_req, res) => json(res, 200, {}),
    close: () =>
      new Promise((done) => {
        server.closeAllConnections();
        server.close(() => done());
      }),
  };
  server.on('request', (req: http.IncomingMessage, res: http.ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const seen: Seen = {
        method: req.method ?? '',
        url: req.url ?? '',
        headers: req.headers,
        body: Buffer.concat(chunks).toString(),
        remotePort: req.socket.remotePort ?? 0,
      };
      t.seen.push(seen);
      t.reply(seen, res);
    });
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  t.url = `${scheme}://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return t;
}

async function rejectsWith(promise: Promise<unknown>, pattern: RegExp) {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  assert.instance(err, Error);
  assert.match((err as Error).message, pattern);
}

let srv: TestServer;
let kube: KubeClient;

const client = suite('KubeClient over HTTP');

client.before.each(async () => {
  srv = await listen(http.createServer(), 'http');
  kube = KubeClient.fromConfig({ server: srv.url, token: 'tok-123' });
});
client.after.each(async () => {
  kube.close();
  await srv.close();
});

const STS = {
  apiVersion: 'apps/v1',
  kind: 'StatefulSet',
  metadata: { name: 'gpss-a', namespace: 'ns1' },
  spec: { replicas: 2 },
};

client('apply: server-side apply PATCH with fieldManager and force=true, JSON body', async () => {
  srv.reply = (req, res) =>
    json(res, 200, { ...JSON.parse(req.body), metadata: { ...STS.metadata, uid: 'u1' } });
  const out = await kube.apply<typeof STS & { metadata: { uid: string } }>(STS, {
    fieldManager: 'gpss-reconcile',
  });
  assert.is(out.metadata.uid, 'u1');
  const [req] = srv.seen;
  assert.is(req!.method, 'PATCH');
  assert.is(
    req!.url,
    '/apis/apps/v1/namespaces/ns1/statefulsets/gpss-a?fieldManager=gpss-reconcile&force=true',
  );
  assert.is(req!.headers['content-type'], 'application/apply-patch+yaml');
  assert.is(req!.headers.accept, 'application/json');
  assert.is(req!.headers.authorization, 'Bearer tok-123');
  assert.equal(JSON.parse(req!.body), STS);
  assert.equal(kube.counters, {
    reads: 0,
    writes: 1,
    dryRuns: 0,
    byVerb: { apply: 1 },
    byResource: { statefulsets: 1 },
  });
});

client('apply to status, dry run with strict validation, force off', async () => {
  const cr = {
    apiVersion: 'gpss.gpdb.io/v1',
    kind: 'GpssCluster',
    metadata: { name: 'c1', namespace: 'ns1' },
  };
  await kube.apply(cr, {
    fieldManager: 'gpss-health',
    subresource: 'status',
    dryRun: true,
    fieldValidation: 'Strict',
    force: false,
  });
  assert.is(
    srv.seen[0]!.url,
    '/apis/gpss.gpdb.io/v1/namespaces/ns1/gpssclusters/c1/status?fieldManager=gpss-health&force=false&dryRun=All&fieldValidation=Strict',
  );
  assert.is(kube.counters.writes, 0, 'a dry run changes nothing');
  assert.is(kube.counters.dryRuns, 1);
  assert.equal(kube.counters.byResource, { 'gpssclusters/status': 1 });
});

client('apply refuses objects it cannot place', async () => {
  await rejectsWith(
    kube.apply(
      { apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w' } },
      { fieldManager: 'f' },
    ),
    /no resource known for example.com\/v1 Widget/,
  );
  await rejectsWith(
    kube.apply({ ...STS, metadata: { name: 'gpss-a' } }, { fieldManager: 'f' }),
    /a namespace is required/,
  );
  await rejectsWith(
    kube.apply({ ...STS, metadata: { namespace: 'ns1' } }, { fieldManager: 'f' }),
    /metadata.name is required/,
  );
  assert.is(srv.seen.length, 0);
});

client('get: the object, or undefined on 404', async () => {
  srv.reply = (req, res) =>
    req.url.endsWith('/present')
      ? json(res, 200, { kind: 'Pod', metadata: { name: 'present' } })
      : status(res, 404, 'NotFound', 'pods "absent" not found');
  const pod = await kube.get('pods', 'ns1', 'present');
  assert.is(pod?.metadata?.name, 'present');
  assert.is(await kube.get('pods', 'ns1', 'absent'), undefined);
  assert.is(srv.seen[1]!.url, '/api/v1/namespaces/ns1/pods/absent');
  assert.equal(kube.counters.byVerb, { get: 2 });
  assert.is(kube.counters.reads, 2);
  assert.is(kube.counters.writes, 0);
});

client('get of a cluster-scoped resource ignores the namespace', async () => {
  srv.reply = (_req, res) => json(res, 200, { kind: 'Node', metadata: { name: 'n1' } });
  await kube.get('nodes', undefined, 'n1');
  assert.is(srv.seen[0]!.url, '/api/v1/nodes/n1');
});

client('list: selectors, follows continue pages, fills apiVersion and kind', async () => {
  srv.reply = (req, res) => {
    const q = new URL(req.url, 'http://x').searchParams;
    if (!q.get('continue')) {
      json(res, 200, {
        metadata: { resourceVersion: '10', continue: 'page2' },
        items: [{ metadata: { name: 'a' } }],
      });
    } else {
      json(res, 200, { metadata: { resourceVersion: '11' }, items: [{ metadata: { name: 'b' } }] });
    }
  };
  const { items, resourceVersion } = await kube.list('statefulsets', 'ns1', {
    labelSelector: 'app.kubernetes.io/instance=c1',
    limit: 1,
  });
  assert.equal(
    items.map((i) => [i.apiVersion, i.kind, i.metadata?.name]),
    [
      ['apps/v1', 'StatefulSet', 'a'],
      ['apps/v1', 'StatefulSet', 'b'],
    ],
  );
  assert.is(resourceVersion, '11');
  assert.is(
    srv.seen[0]!.url,
    '/apis/apps/v1/namespaces/ns1/statefulsets?labelSelector=app.kubernetes.io%2Finstance%3Dc1&limit=1',
  );
  assert.match(srv.seen[1]!.url, /&continue=page2$/);
  assert.equal(kube.counters.byVerb, { list: 2 });
});

client('list across all namespaces', async () => {
  srv.reply = (_req, res) => json(res, 200, { metadata: { resourceVersion: '1' }, items: [] });
  const r = await kube.list('gpssclusters', undefined);
  assert.equal(r, { items: [], resourceVersion: '1' });
  assert.is(srv.seen[0]!.url, '/apis/gpss.gpdb.io/v1/gpssclusters?limit=500');
});

client('list restarts once when its continue token expired (410)', async () => {
  let calls = 0;
  srv.reply = (req, res) => {
    calls++;
    if (req.url.includes('continue=')) {
      if (calls === 2) return status(res, 410, 'Expired', 'continue token expired');
      return json(res, 200, { metadata: { resourceVersion: '9' }, items: [{ metadata: { name: 'b' } }] });
    }
    json(res, 200, {
      metadata: { resourceVersion: '8', continue: 'c' },
      items: [{ metadata: { name: 'a' } }],
    });
  };
  const r = await kube.list('pods', 'ns1');
  assert.equal(
    r.items.map((i) => i.metadata?.name),
    ['a', 'b'],
  );
  assert.is(calls, 4);
});

client('create, update, patch: methods, content types, fieldManager', async () => {
  srv.reply = (_req, res) => json(res, 201, {});
  const cm = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cfg', namespace: 'ns1' } };
  await kube.create(cm, { fieldManager: 'gpss-reconcile' });
  await kube.update({ ...cm, metadata: { ...cm.metadata, resourceVersion: '5' } } as typeof cm);
  await kube.patch('gpssclusters', 'ns1', 'c1', { metadata: { finalizers: null } }, 'merge', {
    fieldManager: 'gpss-finalize',
  });
  await kube.patch('pods', 'ns1', 'p', [{ op: 'remove', path: '/metadata/finalizers/0' }], 'json');
  await kube.patch('statefulsets', 'ns1', 's', { spec: { replicas: 0 } }, 'strategic', {
    subresource: 'scale',
  });
  assert.equal(
    srv.seen.map((s) => [s.method, s.url, s.headers['content-type']]),
    [
      ['POST', '/api/v1/namespaces/ns1/configmaps?fieldManager=gpss-reconcile', 'application/json'],
      ['PUT', '/api/v1/namespaces/ns1/configmaps/cfg', 'application/json'],
      [
        'PATCH',
        '/apis/gpss.gpdb.io/v1/namespaces/ns1/gpssclusters/c1?fieldManager=gpss-finalize',
        'application/merge-patch+json',
      ],
      ['PATCH', '/api/v1/namespaces/ns1/pods/p', 'application/json-patch+json'],
      [
        'PATCH',
        '/apis/apps/v1/namespaces/ns1/statefulsets/s/scale',
        'application/strategic-merge-patch+json',
      ],
    ],
  );
  assert.equal(kube.counters.byVerb, { create: 1, update: 1, patch: 3 });
  assert.is(kube.counters.writes, 5);
});

client('delete: DeleteOptions body with preconditions; false when already gone', async () => {
  srv.reply = (req, res) =>
    req.url.endsWith('/gone')
      ? status(res, 404, 'NotFound', 'not found')
      : json(res, 200, { kind: 'Status', status: 'Success' });
  const deleted = await kube.delete('services', 'ns1', 'svc', {
    preconditions: { uid: 'u-9' },
    propagationPolicy: 'Background',
    gracePeriodSeconds: 0,
  });
  assert.ok(deleted);
  assert.is(srv.seen[0]!.method, 'DELETE');
  assert.equal(JSON.parse(srv.seen[0]!.body), {
    apiVersion: 'v1',
    kind: 'DeleteOptions',
    preconditions: { uid: 'u-9' },
    propagationPolicy: 'Background',
    gracePeriodSeconds: 0,
  });
  assert.is(await kube.delete('services', 'ns1', 'gone'), false);
  assert.equal(kube.counters.byVerb, { delete: 2 });
});

client('API errors: status, reason, message, verb and path; retryable or not', async () => {
  srv.reply = (req, res) => {
    if (req.method === 'PUT') return status(res, 409, 'Conflict', 'the object has been modified');
    if (req.method === 'POST') return status(res, 422, 'Invalid', 'spec.replicas: Invalid value: -1');
    res.writeHead(503, { 'retry-after': '2', 'content-type': 'text/plain' });
    res.end('apiserver is shutting down');
  };
  const cm = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cfg', namespace: 'ns1' } };
  const conflict = await kube.update(cm).catch((e: unknown) => e);
  assert.instance(conflict, KubeApiError);
  const c = conflict as KubeApiError;
  assert.is(c.status, 409);
  assert.is(c.reason, 'Conflict');
  assert.is(c.verb, 'update');
  assert.is(c.path, '/api/v1/namespaces/ns1/configmaps/cfg');
  assert.is(
    c.message,
    'update /api/v1/namespaces/ns1/configmaps/cfg: 409 Conflict: the object has been modified',
  );
  assert.ok(isTransient(c));

  const invalid = (await kube.create(cm).catch((e: unknown) => e)) as KubeApiError;
  assert.is(invalid.status, 422);
  assert.not.ok(isTransient(invalid));

  const unavailable = (await kube.get('configmaps', 'ns1', 'cfg').catch((e: unknown) => e)) as KubeApiError;
  assert.is(unavailable.status, 503);
  assert.is(
    unavailable.message,
    'get /api/v1/namespaces/ns1/configmaps/cfg: 503 Service Unavailable: apiserver is shutting down',
  );
  assert.is(unavailable.retryAfterSeconds, 2);
  assert.ok(isTransient(unavailable));

  for (const e of [c, invalid, unavailable]) assert.not.match(`${e.message} ${e.stack}`, /tok-123/);
});

client('impersonation headers: user and every group', async () => {
  const as = kube.impersonating({
    user: 'system:serviceaccount:gpss:reconcile',
    groups: ['system:serviceaccounts', 'system:authenticated'],
  });
  await as.request('GET', '/api/v1/namespaces/gpss/pods');
  await kube.request('GET', '/api/v1/namespaces/gpss/pods');
  const [impersonated, plain] = srv.seen;
  assert.is(impersonated!.headers['impersonate-user'], 'system:serviceaccount:gpss:reconcile');
  // Node joins repeated request headers with ", " on the server side.
  assert.is(impersonated!.headers['impersonate-group'], 'system:serviceaccounts, system:authenticated');
  assert.is(plain!.headers['impersonate-user'], undefined);
  assert.is(as.counters.reads, 1);
  assert.is(kube.counters.reads, 1);
});

client('raw request: query, body, verb and resource accounting', async () => {
  srv.reply = (_req, res) => json(res, 201, { status: { allowed: true } });
  const review = await kube.request<{ status: { allowed: boolean } }>(
    'POST',
    '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews',
    { body: { spec: { resourceAttributes: { verb: 'list', resource: 'pods' } } } },
  );
  assert.ok(review.status.allowed);
  await kube.request('POST', '/api/v1/namespaces/ns1/configmaps', {
    body: { metadata: { name: 'x' } },
    query: { dryRun: 'All', fieldValidation: 'Strict' },
  });
  assert.is(srv.seen[1]!.url, '/api/v1/namespaces/ns1/configmaps?dryRun=All&fieldValidation=Strict');
  assert.equal(kube.counters, {
    reads: 1, // access reviews persist nothing
    writes: 0,
    dryRuns: 1,
    byVerb: { create: 2 },
    byResource: { selfsubjectaccessreviews: 1, configmaps: 1 },
  });
});

client('scoped clients count separately and share the keep-alive connection', async () => {
  srv.reply = (_req, res) => json(res, 200, { metadata: { name: 'x' } });
  const a = kube.scoped();
  const b = kube.scoped();
  await a.get('pods', 'ns1', 'x');
  await b.get('pods', 'ns1', 'x');
  await b.get('pods', 'ns1', 'x');
  assert.is(a.counters.reads, 1);
  assert.is(b.counters.reads, 2);
  assert.is(kube.counters.reads, 0);
  assert.is(new Set(srv.seen.map((s) => s.remotePort)).size, 1, 'one socket for all three requests');
});

client('a GET on a keep-alive socket the server dropped is sent again on a fresh one', async () => {
  let n = 0;
  srv.reply = (req, res) => {
    n++;
    // The second request arrives on the reused socket; drop it as an idle-timeout close would.
    if (n === 2) res.socket?.destroy();
    else json(res, 200, { metadata: { name: `answer-${n}`, port: req.remotePort } });
  };
  await kube.get('pods', 'ns1', 'x');
  const again = await kube.get('pods', 'ns1', 'x');
  assert.is(again?.metadata?.name, 'answer-3');
  assert.is(srv.seen.length, 3);
  assert.is(
    srv.seen[1]!.remotePort,
    srv.seen[0]!.remotePort,
    'the dropped request went over the reused socket',
  );
  assert.is(kube.counters.reads, 2, 'the resend is not counted as another read');

  n = 1; // the next request is dropped again, and a create is not resent
  const err = (await kube
    .create({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', namespace: 'ns1' } })
    .catch((e: unknown) => e)) as KubeApiError;
  assert.instance(err, KubeApiError);
  assert.is(err.code, 'ECONNRESET');
  assert.ok(isTransient(err));
  assert.is(srv.seen.length, 4);
});

client('a token file is re-read so rotated tokens are used', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'token-test-'));
  try {
    const file = join(dir, 'token');
    writeFileSync(file, 'first\n');
    const rotating = KubeClient.fromConfig({ server: srv.url, tokenFile: file }, { tokenRefreshMs: 0 });
    await rotating.get('pods', 'ns1', 'x');
    writeFileSync(file, 'second\n');
    await rotating.get('pods', 'ns1', 'x');
    rmSync(file);
    await rotating.get('pods', 'ns1', 'x');
    assert.equal(
      srv.seen.map((s) => s.headers.authorization),
      ['Bearer first', 'Bearer second', 'Bearer second'],
    );
    rotating.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

client('a server path prefix is kept', async () => {
  const prefixed = KubeClient.fromConfig({ server: `${srv.url}/k8s/clusters/c-1/` });
  await prefixed.get('nodes', undefined, 'n1');
  assert.is(srv.seen[0]!.url, '/k8s/clusters/c-1/api/v1/nodes/n1');
  prefixed.close();
});

client('a server that does not answer in time: transient Timeout', async () => {
  srv.reply = () => {}; // never answers
  const slow = KubeClient.fromConfig({ server: srv.url }, { timeoutMs: 50 });
  const err = (await slow.get('pods', 'ns1', 'x').catch((e: unknown) => e)) as KubeApiError;
  assert.instance(err, KubeApiError);
  assert.is(err.status, 0);
  assert.is(err.reason, 'Timeout');
  assert.match(
    err.message,
    /^get \/api\/v1\/namespaces\/ns1\/pods\/x: Timeout: no complete response within 50 ms$/,
  );
  assert.ok(isTransient(err));
  slow.close();
});

client('nothing listening: transient NetworkError with the code', async () => {
  const gone = await listen(http.createServer(), 'http');
  await gone.close();
  const dead = KubeClient.fromConfig({ server: gone.url });
  const err = (await dead.list('pods', 'ns1').catch((e: unknown) => e)) as KubeApiError;
  assert.is(err.status, 0);
  assert.is(err.reason, 'NetworkError');
  assert.is(err.code, 'ECONNREFUSED');
  assert.ok(isTransient(new Error('list pods', { cause: err })));
  dead.close();
});

// --- TLS: a CA, a server certificate for 127.0.0.1 and a client certificate, made with openssl. ---

interface Pki {
  dir: string;
  ca: string;
  serverCert: string;
  serverKey: string;
  clientCert: string;
  clientKey: string;
}

function makePki(): Pki | undefined {
  const dir = mkdtempSync(join(tmpdir(), 'pki-test-'));
  const run = (...args: string[]) => spawnSync('openssl', args, { cwd: dir, stdio: 'pipe' }).status === 0;
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  writeFileSync(join(dir, 'server.ext'), 'subjectAltName=IP:127.0.0.1\n');
  const ok =
    run('req', '-x509', ...ec, '-keyout', 'ca.key', '-out', 'ca.crt', '-days', '1', '-subj', '/CN=test-ca') &&
    run('req', ...ec, '-keyout', 'server.key', '-out', 'server.csr', '-subj', '/CN=127.0.0.1') &&
    run(
      'x509',
      '-req',
      '-in',
      'server.csr',
      '-CA',
      'ca.crt',
      '-CAkey',
      'ca.key',
      '-CAcreateserial',
      '-out',
      'server.crt',
      '-days',
      '1',
      '-extfile',
      'server.ext',
    ) &&
    run('req', ...ec, '-keyout', 'client.key', '-out', 'client.csr', '-subj', '/CN=admin/O=system:masters') &&
    run(
      'x509',
      '-req',
      '-in',
      'client.csr',
      '-CA',
      'ca.crt',
      '-CAkey',
      'ca.key',
      '-CAcreateserial',
      '-out',
      'client.crt',
      '-days',
      '1',
    );
  if (!ok) {
    rmSync(dir, { recursive: true, force: true });
    return undefined;
  }
  const read = (f: string) => readFileSync(join(dir, f), 'utf8');
  return {
    dir,
    ca: read('ca.crt'),
    serverCert: read('server.crt'),
    serverKey: read('server.key'),
    clientCert: read('client.crt'),
    clientKey: read('client.key'),
  };
}

const tls = suite('KubeClient over TLS (kubeconfig with client certificate)');
let pki: Pki | undefined;
let tlsSrv: TestServer;

tls.before(async () => {
  pki = makePki();
  if (!pki) return;
  const server = https.createServer({
    key: pki.serverKey,
    cert: pki.serverCert,
    ca: pki.ca,
    requestCert: true,
    rejectUnauthorized: true,
  });
  tlsSrv = await listen(server as unknown as http.Server, 'https');
  tlsSrv.reply = (_req, res) => {
    const peer = (res.req.socket as TLSSocket).getPeerCertificate();
    json(res, 200, { kind: 'Node', metadata: { name: peer.subject.CN } });
  };
});
tls.after(async () => {
  if (!pki) return;
  await tlsSrv.close();
  rmSync(pki.dir, { recursive: true, force: true });
});

function kubeconfig(ca: string): string {
  const b64 = (s: string) => Buffer.from(s).toString('base64');
  const path = join(pki!.dir, `kubeconfig-${Math.random().toString(36).slice(2)}`);
  writeFileSync(
    path,
    `current-context: admin
clusters: [{name: local, cluster: {server: "${tlsSrv.url}", certificate-authority-data: ${b64(ca)}}}]
contexts: [{name: admin, context: {cluster: local, user: admin}}]
users: [{name: admin, user: {client-certificate-data: ${b64(pki!.clientCert)}, client-key-data: ${b64(pki!.clientKey)}}}]
`,
  );
  return path;
}

tls('verifies the server with the kubeconfig CA and presents the client certificate', async () => {
  if (!pki) return console.warn('openssl unavailable: TLS test skipped');
  const k = await KubeClient.fromKubeconfig(kubeconfig(pki.ca));
  const node = await k.get('nodes', undefined, 'n1');
  assert.is(node?.metadata?.name, 'admin', 'the server saw the client certificate');
  k.close();
});

tls('a server the CA does not vouch for is a permanent error', async () => {
  if (!pki) return;
  const k = await KubeClient.fromKubeconfig(kubeconfig(pki.clientCert));
  const err = (await k.get('nodes', undefined, 'n1').catch((e: unknown) => e)) as KubeApiError;
  assert.instance(err, KubeApiError);
  assert.is(err.status, 0);
  assert.ok(err.code, 'a TLS error code');
  assert.not.ok(isTransient(err));
  k.close();
});

client.run();
tls.run();
