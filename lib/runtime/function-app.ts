// The HTTP shell every function shares: CloudEvent intake, one summary line per event, and the answer
// eventing acts on (2xx = done or permanently unprocessable, 503 = redeliver).

import { serve as nodeServe } from '@hono/node-server';
import type { CloudEvent } from 'cloudevents';
import { Hono } from 'hono';
import type { KubeClient } from '../k8s/client';
import { BadEventError, classify, retryAfterSeconds } from './errors';
import { parseCloudEvent } from './events/intake';
import { eventLogger, type Logger } from './log';

export interface HandleContext {
  /** Carries eventId, eventType, subject; add the cluster with `log.child({ cluster })`. */
  log: Logger;
  /** Scoped to this event: its counters feed the summary line's reads and writes. */
  kube: KubeClient;
  /** Set it as soon as the cluster key is known, so the summary names it even when the handler throws. */
  cluster?: string;
}

export interface HandleResult {
  /** A short word for what happened: 'applied', 'unchanged', 'ignored', ... */
  outcome: string;
  cluster?: string;
  /** Overrides the scoped client's write count (when the handler wrote through another client). */
  writes?: number;
  /** 202 when the work was only started; default 200. */
  status?: 200 | 202;
}

export type Handler = (event: CloudEvent<unknown>, ctx: HandleContext) => Promise<HandleResult>;

export interface FunctionAppOptions {
  name: string;
  logger: Logger;
  kube: KubeClient;
  handle: Handler;
}

export function createFunctionApp(options: FunctionAppOptions): Hono {
  const { logger, kube, handle } = options;
  const app = new Hono();
  // The first event a process answers is answered cold (scale from zero): said in its summary line.
  let cold = true;

  app.get('/healthz', (c) => c.json({ ok: true, fn: options.name }));

  app.post('/', async (c) => {
    const started = performance.now();
    const parsed = await parseCloudEvent(c.req.raw);
    if (!parsed.ok) {
      const eventId = c.req.header('ce-id');
      logger.warn(
        { status: parsed.status, reason: parsed.message, ...(eventId ? { eventId } : {}) },
        'event rejected',
      );
      return c.json({ error: parsed.message }, parsed.status);
    }

    const event = parsed.event;
    const ctx: HandleContext = { log: eventLogger(logger, event), kube: kube.scoped() };
    let result: HandleResult | undefined;
    let failure: unknown;
    try {
      result = await handle(event, ctx);
    } catch (err) {
      failure = err;
    }
    const counters = ctx.kube.counters;
    const first = cold;
    cold = false;
    const summary = {
      ...(first ? { cold: true } : {}),
      cluster: result?.cluster ?? ctx.cluster,
      outcome: result?.outcome,
      writes: result?.writes ?? counters.writes,
      reads: counters.reads,
      ms: Math.round(performance.now() - started),
    };

    if (result) {
      ctx.log.info(summary, 'event handled');
      return c.json(
        { id: event.id, outcome: result.outcome, cluster: summary.cluster },
        result.status ?? 200,
      );
    }
    const message = failure instanceof Error ? failure.message : String(failure);
    if (failure instanceof BadEventError) {
      ctx.log.warn({ ...summary, outcome: 'rejected', reason: message }, 'event handled');
      return c.json({ id: event.id, outcome: 'rejected', error: message }, 400);
    }
    if (classify(failure) === 'transient') {
      ctx.log.warn({ ...summary, outcome: 'transient-error', err: failure }, 'event handled');
      // The API server's Retry-After (429, 503) is passed on: eventing's dispatcher honours it.
      const retryAfter = retryAfterSeconds(failure);
      if (retryAfter !== undefined) c.header('Retry-After', String(retryAfter));
      return c.json({ id: event.id, outcome: 'transient-error', error: message }, 503);
    }
    // The handler recorded the problem on the resource before throwing; redelivery would only repeat it.
    ctx.log.error({ ...summary, outcome: 'permanent-error', err: failure }, 'event handled');
    return c.json({ id: event.id, outcome: 'permanent-error', error: message }, 200);
  });

  app.onError((err, c) => {
    logger.error({ err }, 'unhandled error');
    return c.json({ error: 'internal error' }, 500);
  });

  return app;
}

export interface RunningServer {
  port: number;
  close(): Promise<void>;
}

/** Listens (port 0 = any free port) and resolves once the socket is bound. */
export function serve(
  app: { fetch: (req: Request) => Response | Promise<Response> },
  options: { port?: number; host?: string } = {},
): Promise<RunningServer> {
  return new Promise((resolve, reject) => {
    const server = nodeServe(
      { fetch: app.fetch, port: options.port ?? 8080, hostname: options.host ?? '127.0.0.1' },
      (info) => {
        server.off('error', reject);
        resolve({
          port: info.port,
          close: () => new Promise<void>((done, fail) => server.close((err) => (err ? fail(err) : done()))),
        });
      },
    );
    server.once('error', reject);
  });
}
