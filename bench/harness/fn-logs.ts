// What the functions themselves say they did (one "event handled" line per event, lib/runtime/function-app.ts)
// and what the adapters failed to deliver: the explanation behind the scale figures.
import { existsSync, readFileSync } from 'node:fs';
import { type Summary, summarize } from './stats';

export interface EventLog {
  events: number;
  /** By the kind the event was about (the subject's resource), 'ping' for resyncs. */
  byResource: Record<string, number>;
  byOutcome: Record<string, number>;
  handlingMs: Summary;
  /** Sum of handling times, s: compared with the wall time it shows how busy the function was. */
  busyS: number;
  /** How long each resync (PingSource event) took, ms: under load a resync competes with the events. */
  pingMs: number[];
}

export function readEventLog(file: string): EventLog {
  const lines = existsSync(file) ? readFileSync(file, 'utf8').split('\n') : [];
  const ms: number[] = [];
  const byResource: Record<string, number> = {};
  const byOutcome: Record<string, number> = {};
  const pingMs: number[] = [];
  for (const l of lines) {
    if (!l.includes('"event handled"')) continue;
    const e = JSON.parse(l) as { subject?: string; eventType?: string; outcome?: string; ms?: number };
    const res =
      e.eventType === 'dev.knative.sources.ping'
        ? 'ping'
        : (/\/([a-z]+)\/[^/]+$/.exec(e.subject ?? '')?.[1] ?? 'other');
    byResource[res] = (byResource[res] ?? 0) + 1;
    const outcome = (e.outcome ?? 'none').split(' ')[0]!;
    byOutcome[outcome] = (byOutcome[outcome] ?? 0) + 1;
    ms.push(e.ms ?? 0);
    if (res === 'ping') pingMs.push(e.ms ?? 0);
  }
  return {
    events: ms.length,
    byResource,
    byOutcome,
    handlingMs: summarize(ms),
    busyS: ms.reduce((a, b) => a + b, 0) / 1000,
    pingMs,
  };
}

/**
 * Deliveries the adapter gave up on: it sends each event once (no retries configured here) and logs
 * "failed to send cloudevent" for a refused connection or an answer other than 2xx (knative.dev/eventing
 * pkg/adapter/apiserver/delegate.go). Each is an event lost until the next resync.
 */
export function failedSends(adapterLog: string): number {
  if (!existsSync(adapterLog)) return 0;
  return readFileSync(adapterLog, 'utf8')
    .split('\n')
    .filter((l) => l.includes('failed to send cloudevent')).length;
}
