// Benchmark 2 (events): what one no-op event costs each function (a converged cluster's object sent
// again: the target is zero writes), and what one resync ping costs over N clusters. The operator is
// quiet before each measurement, so every request in the window is caused by it.
import { type AuditLog, combine, type Tally, tally } from '../harness/audit';
import type { BenchCluster } from '../harness/cluster';
import { keepAlive, liveObject, postEvent, watchedKinds } from '../harness/events';
import { fnUser, ping } from '../harness/proc';
import { QUIET_MS } from './convergence';

export interface NoopResult {
  fn: string;
  kind: string;
  repeats: number;
  /** Per event (mean): the function's own requests. */
  own: Tally;
  /** Per event (mean): every operator request in the window (cascades, if a write caused any). */
  allOperator: number;
  statuses: number[];
}

export interface ResyncResult {
  fn: string;
  clusters: number;
  ms: number;
  status: number;
  own: Tally;
}

export async function noopEvents(o: {
  c: BenchCluster;
  audit: AuditLog;
  ports: Map<string, number>;
  ns: string;
  cluster: string;
  repeats: number;
  isOperator: (u: string) => boolean;
}): Promise<NoopResult[]> {
  const out: NoopResult[] = [];
  const agent = keepAlive();
  try {
    for (const [fn, port] of o.ports) {
      for (const kind of await watchedKinds(fn)) {
        const obj = await liveObject(o.c.admin, kind, o.ns, o.cluster);
        await o.audit.quiet(o.isOperator, QUIET_MS);
        const mark = o.audit.mark();
        const statuses: number[] = [];
        for (let i = 0; i < o.repeats; i++) statuses.push((await postEvent(port, obj, agent)).status);
        await o.audit.quiet(o.isOperator, QUIET_MS);
        const records = (await o.audit.since(mark)).filter((r) => o.isOperator(r.user));
        const own = tally(records.filter((r) => r.user === fnUser(fn)));
        out.push({
          fn,
          kind,
          repeats: o.repeats,
          own: combine([own], 1 / o.repeats),
          allOperator: records.length / o.repeats,
          statuses,
        });
      }
    }
  } finally {
    agent.destroy();
  }
  return out;
}

export async function resyncs(o: {
  c: BenchCluster;
  audit: AuditLog;
  ports: Map<string, number>;
  isOperator: (u: string) => boolean;
  /** Ping every function at once (as their PingSources fire on the same minute) instead of one by one. */
  concurrent?: boolean;
}): Promise<ResyncResult[]> {
  const clusters = (await o.c.admin.list('gpssclusters', undefined)).items.length;
  const one = async (fn: string, port: number) => {
    const t0 = performance.now();
    const r = await ping(port);
    return { fn, status: r.status, ms: performance.now() - t0 };
  };
  const measure = async (fns: Array<[string, number]>): Promise<ResyncResult[]> => {
    await o.audit.quiet(o.isOperator, QUIET_MS, 600_000);
    const mark = o.audit.mark();
    const answers = await Promise.all(fns.map(([fn, port]) => one(fn, port)));
    await o.audit.quiet(o.isOperator, QUIET_MS, 600_000);
    const records = await o.audit.since(mark);
    return answers.map((a) => ({
      ...a,
      clusters,
      own: tally(records.filter((x) => x.user === fnUser(a.fn))),
    }));
  };
  if (o.concurrent) return measure([...o.ports]);
  const out: ResyncResult[] = [];
  for (const entry of o.ports) out.push(...(await measure([entry])));
  return out;
}
