// A fault-injecting hop between the event sources and a function, on loopback: it drops, duplicates,
// delays (and so reorders) CloudEvent deliveries with a seeded random generator, so a failing
// scenario can be replayed with the same seed. Faults hit the ApiServerSource's events; resync pings
// pass untouched unless `pings` is set (a scenario switching a function off entirely).
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readBody } from '../../localcluster/activator';
import { seeded } from './seeded';

export interface Faults {
  drop: number;
  duplicate: number;
  /** Share of deliveries held back up to maxDelayMs (the rest pass at once): this reorders them. */
  delay: number;
  maxDelayMs: number;
  /** Apply the faults to PingSource deliveries too (default: pings always pass). */
  pings?: boolean;
}

/** One delivery as received, kept so a scenario can replay it. */
export interface Delivery {
  headers: Record<string, string>;
  payload: Buffer;
  namespace: string;
}

export interface ChaosStats {
  received: number;
  dropped: number;
  duplicated: number;
  delayed: number;
  forwarded: number;
  failedForwards: number;
  /** Every delivery received, in order: CloudEvent type and the object's kind and name (binary mode). */
  seen: Array<{ type: string; kind: string; name: string; namespace: string }>;
  pings: number;
  /** When the last delivery arrived (ms since the epoch). */
  lastAt: number;
  /** The last RECENT ApiServerSource deliveries, whole, for replays. */
  recent: Delivery[];
}

const RECENT = 400;

export interface ChaosProxy {
  url: string;
  stats: ChaosStats;
  faults: Faults;
  close(): Promise<void>;
}

export const NO_FAULTS: Faults = { drop: 0, duplicate: 0, delay: 0, maxDelayMs: 0 };

/** Sends a recorded delivery again, straight to `url` (no faults); the HTTP status. */
export async function redeliver(url: string, d: Delivery): Promise<number> {
  const res = await fetch(url, { method: 'POST', headers: d.headers, body: d.payload });
  await res.arrayBuffer();
  return res.status;
}

export async function startChaosProxy(
  target: () => string,
  faults: Faults,
  seed: number,
): Promise<ChaosProxy> {
  const rnd = seeded(seed);
  const stats: ChaosStats = {
    received: 0,
    dropped: 0,
    duplicated: 0,
    delayed: 0,
    forwarded: 0,
    failedForwards: 0,
    seen: [],
    pings: 0,
    lastAt: 0,
    recent: [],
  };
  const forward = async (headers: Record<string, string>, payload: Buffer): Promise<number> => {
    try {
      const res = await fetch(target(), {
        method: 'POST',
        headers,
        body: payload,
        signal: AbortSignal.timeout(60_000),
      });
      await res.arrayBuffer();
      stats.forwarded++;
      return res.status;
    } catch {
      stats.failedForwards++;
      return 502;
    }
  };
  const server: Server = createServer(async (req, res) => {
    const payload = await readBody(req);
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(req.headers))
      if (typeof v === 'string' && k !== 'host' && k !== 'content-length') headers[k] = v;
    stats.received++;
    stats.lastAt = Date.now();
    const type = headers['ce-type'] ?? '';
    const namespace = headers['ce-namespace'] ?? '';
    stats.seen.push({ type, kind: headers['ce-kind'] ?? '', name: headers['ce-name'] ?? '', namespace });
    const ping = type === 'dev.knative.sources.ping';
    if (ping) stats.pings++;
    else {
      stats.recent.push({ headers, payload, namespace });
      if (stats.recent.length > RECENT) stats.recent.shift();
    }
    if (ping && !faults.pings) {
      res.writeHead(await forward(headers, payload)).end();
      return;
    }
    const r = rnd();
    if (r < faults.drop) {
      // Lost after acceptance: the sender believes it was delivered, as with a crashed broker.
      stats.dropped++;
      res.writeHead(202).end();
      return;
    }
    if (r < faults.drop + faults.duplicate) {
      stats.duplicated++;
      void forward(headers, payload);
    }
    if (rnd() < faults.delay) {
      stats.delayed++;
      const ms = Math.floor(rnd() * faults.maxDelayMs);
      await new Promise((r2) => setTimeout(r2, ms));
    }
    res.writeHead(await forward(headers, payload)).end();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/`,
    stats,
    faults,
    close: () =>
      new Promise((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}
