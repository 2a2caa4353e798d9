// Scale to zero locally, the way Knative does it: one activator per function on loopback takes the
// event sources' and pings' deliveries, starts the function when a request arrives and none runs
// (holding the request until it listens, as Knative's activator does), forwards it, and stops the
// function (SIGTERM, then its grace period) once it has been idle for the window. The Knative
// Service's containerConcurrency and timeoutSeconds apply. A request whose function dies under it
// is answered 503, so the source redelivers (as the queue-proxy would).
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A running function process as the activator sees it. */
export interface Instance {
  url: string;
  pid: number | undefined;
  /** Resolves when the process has exited. */
  exited: Promise<unknown>;
  /** SIGTERM, then SIGKILL after the grace period. */
  stop(): Promise<void>;
  /** SIGKILL now (tests: a crash). */
  kill(): Promise<void>;
}

export interface ActivatorOptions {
  name: string;
  /** Starts a fresh function process; resolves once it listens. */
  start(): Promise<Instance>;
  /** Stop after this long without a request; Knative's stable window is 60 s. */
  idleMs: number;
  /** containerConcurrency: requests forwarded at once (0 = unlimited); the rest wait here. */
  concurrency: number;
  /** timeoutSeconds: a forwarded request is answered 504 after this long. */
  timeoutMs: number;
  /** Scale events: `reconcile: 0 → 1 (cold start 142 ms)`, `reconcile: 1 → 0 after 60 s idle`. */
  say?: (msg: string) => void;
}

export interface ActivatorStats {
  requests: number;
  /** Requests that found no instance and waited for one to start. */
  coldRequests: number;
  coldStarts: number;
  /** Cold start times (request → function listening), ms. */
  coldStartMs: number[];
  scaleDowns: number;
  /** Answered 503 because the instance died under them (the source retries). */
  failedInFlight: number;
  /** Time spent with no instance, ms (up to now). */
  zeroMs(): number;
}

export interface Activator {
  url: string;
  name: string;
  /** The running instance, if any. */
  instance(): Instance | undefined;
  /** Requests being forwarded now. */
  inFlight(): number;
  stats: ActivatorStats;
  /** Starts an instance now if none runs (no request needed). */
  ensureStarted(): Promise<Instance>;
  /** Kills the running instance abruptly (a crash); the next request starts a new one. */
  kill(): Promise<void>;
  close(): Promise<void>;
}

export async function startActivator(o: ActivatorOptions): Promise<Activator> {
  const say = o.say ?? (() => {});
  let current: Instance | undefined;
  let starting: Promise<Instance> | undefined;
  let stopping: Promise<void> | undefined;
  let idleTimer: NodeJS.Timeout | undefined;
  let inFlight = 0;
  let closed = false;
  const waiting: Array<() => void> = [];
  let zeroSince: number | undefined = Date.now();
  let zeroTotal = 0;
  const stats: ActivatorStats = {
    requests: 0,
    coldRequests: 0,
    coldStarts: 0,
    coldStartMs: [],
    scaleDowns: 0,
    failedInFlight: 0,
    zeroMs: () => zeroTotal + (zeroSince !== undefined ? Date.now() - zeroSince : 0),
  };

  const arm = () => {
    if (idleTimer) clearTimeout(idleTimer);
    idleTimer = undefined;
    if (inFlight > 0 || !current || closed || !Number.isFinite(o.idleMs)) return;
    idleTimer = setTimeout(() => void scaleDown(`after ${Math.round(o.idleMs / 1000)} s idle`), o.idleMs);
    idleTimer.unref();
  };

  const scaleDown = async (why: string) => {
    const inst = current;
    if (!inst || inFlight > 0) return;
    current = undefined;
    stopping = inst.stop().finally(() => {
      stopping = undefined;
    });
    await stopping;
    stats.scaleDowns++;
    zeroSince = Date.now();
    say(`${o.name}: 1 → 0 ${why}`);
  };

  const ensureStarted = async (): Promise<Instance> => {
    if (current) return current;
    if (stopping) await stopping;
    if (current) return current;
    starting ??= (async () => {
      const t0 = Date.now();
      try {
        const inst = await o.start();
        const ms = Date.now() - t0;
        current = inst;
        stats.coldStarts++;
        stats.coldStartMs.push(ms);
        if (zeroSince !== undefined) zeroTotal += Date.now() - zeroSince;
        zeroSince = undefined;
        say(`${o.name}: 0 → 1 (cold start ${ms} ms)`);
        // A process that exits on its own (a crash) leaves the activator at zero.
        void inst.exited.then(() => {
          if (current === inst) {
            current = undefined;
            zeroSince = Date.now();
            say(`${o.name}: 1 → 0 (the process exited)`);
          }
        });
        return inst;
      } finally {
        starting = undefined;
      }
    })();
    return starting;
  };

  const acquire = async () => {
    if (o.concurrency > 0 && inFlight >= o.concurrency) await new Promise<void>((r) => waiting.push(r));
    inFlight++;
    if (idleTimer) clearTimeout(idleTimer);
    idleTimer = undefined;
  };
  const release = () => {
    inFlight--;
    waiting.shift()?.();
    arm();
  };

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const body = await readBody(req);
    stats.requests++;
    await acquire();
    try {
      const cold = !current;
      let inst: Instance;
      try {
        inst = await ensureStarted();
      } catch (err) {
        res
          .writeHead(503, { 'content-type': 'text/plain' })
          .end(`${o.name} did not start: ${(err as Error).message}`);
        return;
      }
      if (cold) stats.coldRequests++;
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(req.headers)) {
        if (typeof v === 'string' && !['host', 'content-length', 'connection'].includes(k)) headers[k] = v;
      }
      let upstream: Response;
      try {
        upstream = await fetch(new URL(req.url ?? '/', inst.url), {
          method: req.method ?? 'POST',
          headers,
          ...(body.length ? { body } : {}),
          signal: AbortSignal.timeout(o.timeoutMs),
        });
      } catch (err) {
        const timedOut = (err as Error).name === 'TimeoutError';
        if (!timedOut) stats.failedInFlight++;
        res
          .writeHead(timedOut ? 504 : 503, { 'content-type': 'text/plain' })
          .end(timedOut ? `${o.name} did not answer within ${o.timeoutMs} ms` : `${o.name} went away`);
        return;
      }
      const out = Buffer.from(await upstream.arrayBuffer());
      const outHeaders: Record<string, string> = {};
      upstream.headers.forEach((v, k) => {
        if (!['content-length', 'transfer-encoding', 'connection', 'keep-alive'].includes(k))
          outHeaders[k] = v;
      });
      res.writeHead(upstream.status, outHeaders).end(out);
    } finally {
      release();
    }
  };

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      if (!res.headersSent) res.writeHead(500).end(String(err));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}/`,
    name: o.name,
    instance: () => current,
    inFlight: () => inFlight,
    stats,
    ensureStarted: async () => {
      const inst = await ensureStarted();
      arm();
      return inst;
    },
    kill: async () => {
      const inst = current;
      if (!inst) return;
      await inst.kill();
    },
    close: async () => {
      closed = true;
      if (idleTimer) clearTimeout(idleTimer);
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
      if (starting) await starting.catch(() => undefined);
      const inst = current;
      current = undefined;
      await inst?.stop();
    },
  };
}

/** A request's whole body. */
export function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

/** containerConcurrency and timeoutSeconds of a Knative Service manifest (the local runner's limits). */
export function knativeLimits(doc: unknown): { concurrency: number; timeoutMs: number } {
  const spec = (
    doc as { spec?: { template?: { spec?: { containerConcurrency?: number; timeoutSeconds?: number } } } }
  )?.spec?.template?.spec;
  return { concurrency: spec?.containerConcurrency ?? 0, timeoutMs: (spec?.timeoutSeconds ?? 300) * 1000 };
}
