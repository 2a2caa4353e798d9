// Benchmark 4: how many events one function instance handles per second against the embedded API
// server with every cluster converged: no-op update events of the GpssClusters, round-robin, sent
// by `concurrency` clients at once to one fresh instance (not attached to the adapters).
import { join } from 'node:path';
import type { KubeObject } from '../../lib/k8s/client';
import { type AuditLog, combine, type Tally, tally } from '../harness/audit';
import { compileCacheOf } from '../harness/bundles';
import type { BenchCluster } from '../harness/cluster';
import { keepAlive, liveObject, postEvent } from '../harness/events';
import { awaitHealthy, fnAccount, fnUser, memory, spawnNode } from '../harness/proc';
import { type Summary, summarize } from '../harness/stats';
import { pool } from '../harness/workload';
import { QUIET_MS } from './convergence';

export interface ThroughputResult {
  fn: string;
  concurrency: number;
  events: number;
  perSecond: number;
  latency: Summary;
  non2xx: number;
  /** Per event (mean). */
  requests: Tally;
  /** Peak RSS of the instance over the run, KiB. */
  hwmKiB: number;
}

export async function throughput(o: {
  c: BenchCluster;
  audit: AuditLog;
  bundles: Record<string, string>;
  clusters: Array<{ ns: string; name: string }>;
  events: number;
  concurrency: number[];
  logDir: string;
  isOperator: (u: string) => boolean;
  say: (m: string) => void;
}): Promise<ThroughputResult[]> {
  const objs: KubeObject[] = [];
  for (const c of o.clusters) objs.push(await liveObject(o.c.admin, 'GpssCluster', c.ns, c.name));
  const out: ThroughputResult[] = [];
  for (const [fn, file] of Object.entries(o.bundles)) {
    const p = await spawnNode({
      name: fn,
      file,
      kubeconfig: await o.c.accountKubeconfig(fnAccount(fn)),
      compileCache: compileCacheOf(file),
      log: join(o.logDir, `throughput-${fn}.log`),
    });
    const agent = keepAlive();
    try {
      await awaitHealthy(p);
      for (const obj of objs.slice(0, 10)) await postEvent(p.port, obj, agent); // warm: TLS sessions, JIT
      for (const concurrency of o.concurrency) {
        await o.audit.quiet(o.isOperator, QUIET_MS);
        const mark = o.audit.mark();
        const latencies: number[] = [];
        let non2xx = 0;
        const t0 = performance.now();
        await pool(
          Array.from({ length: o.events }, (_, i) => objs[i % objs.length]!),
          concurrency,
          async (obj) => {
            const s = performance.now();
            const r = await postEvent(p.port, obj, agent);
            latencies.push(performance.now() - s);
            if (r.status < 200 || r.status >= 300) non2xx++;
          },
        );
        const wall = performance.now() - t0;
        await o.audit.quiet(o.isOperator, QUIET_MS);
        const own = tally((await o.audit.since(mark)).filter((r) => r.user === fnUser(fn)));
        const res: ThroughputResult = {
          fn,
          concurrency,
          events: o.events,
          perSecond: (o.events / wall) * 1000,
          latency: summarize(latencies),
          non2xx,
          requests: combine([own], 1 / o.events),
          hwmKiB: memory(p.pid).hwmKiB,
        };
        out.push(res);
        o.say(
          `throughput ${fn} ×${concurrency}: ${res.perSecond.toFixed(0)} events/s, p50 ${Math.round(res.latency.p50)} ms`,
        );
      }
    } finally {
      agent.destroy();
      await p.stop();
    }
  }
  return out;
}
