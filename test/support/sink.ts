// A CloudEvents sink on loopback that records what the real adapter sends.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type CloudEvent, HTTP } from 'cloudevents';

export interface Sink {
  url: string;
  events: CloudEvent<unknown>[];
  close(): Promise<void>;
}

export async function startSink(status = 202): Promise<Sink> {
  const events: CloudEvent<unknown>[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      try {
        const ev = HTTP.toEvent({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
        for (const e of Array.isArray(ev) ? ev : [ev]) events.push(e as CloudEvent<unknown>);
        res.writeHead(status).end();
      } catch (err) {
        res.writeHead(400).end(String(err));
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/`,
    events,
    close: () => new Promise((r) => server.close(() => r())),
  };
}
