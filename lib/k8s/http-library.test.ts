import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { HttpMethod, RequestContext } from '@kubernetes/client-node';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { undiciHttpLibrary } from './http-library';

const test = suite('lib/k8s/http-library');

interface Seen {
  method?: string;
  url?: string;
  contentType?: string;
  body: string;
}

let server: Server;
let base = '';
const seen: Seen = { body: '' };

test.before(async () => {
  server = createServer((req: IncomingMessage, res) => {
    let body = '';
    req.on('data', (c) => {
      body += c;
    });
    req.on('end', () => {
      Object.assign(seen, {
        method: req.method,
        url: req.url,
        contentType: req.headers['content-type'],
        body,
      });
      res.setHeader('content-type', 'application/json');
      res.setHeader('x-twice', ['a', 'b']);
      res.statusCode = req.url === '/missing' ? 404 : 200;
      res.end(JSON.stringify({ echo: body.length }));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

test.after(() => {
  server.close();
});

const send = (ctx: RequestContext) => undiciHttpLibrary.send(ctx).toPromise();

test('a request goes out with its method, headers and body; the answer comes back whole', async () => {
  const ctx = new RequestContext(`${base}/apis/x?fieldManager=m`, HttpMethod.PATCH);
  ctx.setHeaderParam('Content-Type', 'application/apply-patch+yaml');
  ctx.setBody('{"kind":"X"}');
  const res = await send(ctx);
  assert.equal(seen, {
    method: 'PATCH',
    url: '/apis/x?fieldManager=m',
    contentType: 'application/apply-patch+yaml',
    body: '{"kind":"X"}',
  });
  assert.is(res.httpStatusCode, 200);
  assert.is(res.headers['content-type'], 'application/json');
  assert.is(res.headers['x-twice'], 'a, b');
  assert.is(await res.body.text(), '{"echo":12}');
  assert.is((await res.body.binary()).toString(), '{"echo":12}');
});

test('an error status is an answer, not a failure (the library judges it)', async () => {
  const res = await send(new RequestContext(`${base}/missing`, HttpMethod.GET));
  assert.is(res.httpStatusCode, 404);
});

test('a refused connection fails with the socket error code', async () => {
  const closed = createServer();
  await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
  const port = (closed.address() as AddressInfo).port;
  await new Promise<void>((r) => closed.close(() => r()));
  try {
    await send(new RequestContext(`http://127.0.0.1:${port}/`, HttpMethod.GET));
    assert.unreachable('should have failed');
  } catch (err) {
    assert.is((err as { code?: string }).code, 'ECONNREFUSED');
  }
});

test('the request signal ends a request that takes too long', async () => {
  const slow = createServer(() => {});
  await new Promise<void>((r) => slow.listen(0, '127.0.0.1', r));
  const ctx = new RequestContext(`http://127.0.0.1:${(slow.address() as AddressInfo).port}/`, HttpMethod.GET);
  ctx.setSignal(AbortSignal.timeout(50));
  try {
    await send(ctx);
    assert.unreachable('should have been aborted');
  } catch (err) {
    assert.ok(['TimeoutError', 'AbortError'].includes((err as Error).name), (err as Error).name);
  } finally {
    slow.closeAllConnections();
    slow.close();
  }
});

test.run();
