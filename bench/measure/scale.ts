// Benchmark 5: S GpssClusters × 3 instances created at once (spread over namespaces, as tenants
// would), with the PingSource schedules armed as deployed. Time until every one is Ready, peak memory
// (VmHWM) of each function over that time, the requests it took; then one resync over all.

import type { GpssCluster } from '../../lib/api/types';
import { loadKubeConfig } from '../../lib/k8s/kubeconfig';
import { RESOURCES } from '../../lib/k8s/resources';
import { differences } from '../../localcluster/convergence';
import { cachedResource } from '../baseline/cached-client';
import { type AuditLog, type Latency, latencies, type Tally, tally } from '../harness/audit';
import type { BenchCluster } from '../harness/cluster';
import { type EventLog, readEventLog } from '../harness/fn-logs';
import type { Serverless } from '../harness/operator';
import { memory, resetPeak } from '../harness/proc';
import { BENCH_LABEL, clusterManifest, createNamespaces, looksReady, pool } from '../harness/workload';
import { QUIET_MS } from './convergence';
import { type CpuUse, cpuSnapshot, cpuUse, type Tracked } from './cpu';
import { type ResyncResult, resyncs } from './economy';

export interface ScaleResult {
  clusters: number;
  namespaces: number;
  /** Time to submit every create, ms. */
  submitMs: number;
  /** Request of the first create → every cluster Ready, ms; undefined when the deadline came first. */
  allReadyMs?: number;
  readyAtEnd: number;
  /** First create → the operator's last request (every event handled); undefined if still busy after the settle timeout. */
  settledMs?: number;
  /** Per function user: its last request, s after the first create. */
  lastRequestS: Record<string, number>;
  /** [seconds since the first create, clusters Ready]. */
  timeline: Array<[number, number]>;
  /** Clusters checked child by child once all were Ready, and how many differed. */
  verified: number;
  verifyFailures: string[];
  peakKiB: Record<string, number>;
  requests: Record<string, Tally>;
  /** The functions' requests by verb and resource: how long the API server took on them. */
  apiLatency: Record<string, Latency>;
  /** The functions' share of every request the API server served meanwhile, by count and by server time. */
  apiShare: { requests: number; serverTime: number };
  pingsSent: number;
  resync: ResyncResult[];
  resyncPeakKiB: Record<string, number>;
  /** From the functions' own logs, over the scale test (up to the resync). */
  events: Record<string, EventLog>;
  /** Per adapter, deliveries it gave up on (its log's "failed to send cloudevent" lines): events lost until a resync. */
  adapterFailedSends?: Record<string, number>;
  /** CPU seconds per process from the first create to all Ready (or the deadline). */
  cpu: CpuUse;
}

const GROUP = 'scale';
const SETTLE_TIMEOUT_MS = 120_000;

export async function scale(o: {
  c: BenchCluster;
  audit: AuditLog;
  op: Serverless;
  clusters: number;
  namespaces: number;
  deadlineMs: number;
  isOperator: (u: string) => boolean;
  say: (m: string) => void;
}): Promise<ScaleResult> {
  const { c, op } = o;
  const nss = Array.from({ length: o.namespaces }, (_, i) => `bench-scale-${i}`);
  await createNamespaces(c.admin, nss);
  const pids = new Map([...op.functions].map(([fn, p]) => [fn, p.pid]));
  for (const pid of pids.values()) resetPeak(pid);
  const disarm = op.armPings();
  const tracked: Tracked = {
    ...c.pids(),
    ...Object.fromEntries([...op.functions].map(([fn, p]) => [`function ${fn}`, p.pid])),
    ...Object.fromEntries(op.adapters.map((a) => [`adapter ${a.name}`, a.child.pid!])),
    'bench (this process)': { self: process.pid },
  };
  const cpu0 = cpuSnapshot(tracked);
  const mark = o.audit.mark();
  const names = Array.from({ length: o.clusters }, (_, i) => ({ ns: nss[i % nss.length]!, name: `s${i}` }));
  const t0 = performance.now();
  const wall0 = Date.now();
  await pool(names, 32, (x) =>
    c.admin.create(clusterManifest(x.ns, x.name, 3, 'example.invalid/gpss:1', GROUP)),
  );
  const submitMs = performance.now() - t0;
  o.say(`scale: ${o.clusters} GpssClusters submitted in ${Math.round(submitMs)} ms`);

  // Followed with a watch, not by polling lists: listing 500 CRs every second would itself load the
  // API server that everything under test depends on.
  const readySet = new Set<string>();
  let allReadyMs: number | undefined;
  let allReady: () => void = () => {};
  const done = new Promise<void>((r) => {
    allReady = r;
  });
  const informer = cachedResource(
    loadKubeConfig({ KUBECONFIG: c.kubeconfig }),
    c.admin,
    RESOURCES.gpssclusters,
    `${BENCH_LABEL}=${GROUP}`,
    (type, obj) => {
      const key = `${obj.metadata?.namespace}/${obj.metadata?.name}`;
      if (type !== 'delete' && looksReady(obj as unknown as GpssCluster)) readySet.add(key);
      else readySet.delete(key);
      if (readySet.size === o.clusters && allReadyMs === undefined) {
        allReadyMs = performance.now() - t0;
        allReady();
      }
    },
  );
  await informer.start();
  const timeline: Array<[number, number]> = [];
  const sample = () => timeline.push([Math.round((performance.now() - t0) / 1000), readySet.size]);
  const ticker = setInterval(() => {
    sample();
    if (timeline.length % 3 === 0)
      o.say(`scale: ${readySet.size}/${o.clusters} Ready after ${timeline.at(-1)![0]} s`);
  }, 5000);
  await Promise.race([
    done,
    new Promise((r) => setTimeout(r, Math.max(0, o.deadlineMs - (performance.now() - t0)))),
  ]);
  const cpu = cpuUse(cpu0, cpuSnapshot(tracked));
  clearInterval(ticker);
  await informer.stop();
  sample();
  const ready = readySet.size;
  const pingsSent = disarm();
  o.say(
    allReadyMs
      ? `scale: all ${o.clusters} Ready after ${(allReadyMs / 1000).toFixed(1)} s`
      : `scale: ${ready}/${o.clusters} Ready at the deadline`,
  );
  // Ready is health's verdict; the other functions may still be working through their backlog of
  // events (an adapter delivers one event per resource at a time). Done means the operator is quiet.
  const lastRequest = await o.audit.quiet(o.isOperator, 1000, SETTLE_TIMEOUT_MS).catch(() => undefined);
  const settledMs = lastRequest === undefined ? undefined : lastRequest - wall0;
  o.say(
    settledMs === undefined
      ? 'scale: operator still busy'
      : `scale: operator quiet after ${(settledMs / 1000).toFixed(1)} s`,
  );
  const peakKiB = Object.fromEntries([...pids].map(([fn, pid]) => [fn, memory(pid).hwmKiB]));

  // Stop the event flow so the resync below is measured alone (if clusters were still converging,
  // they would otherwise keep every function busy); in-flight events finish first.
  await Promise.all(op.adapters.map((a) => a.stop()));
  await o.audit.quiet(o.isOperator, QUIET_MS, 120_000).catch(() => 0);
  const everything = await o.audit.since(mark);
  const records = everything.filter((r) => o.isOperator(r.user));
  const serverS = (l: typeof everything) => l.reduce((a, r) => a + (r.ms ?? 0), 0) / 1000;
  const apiShare = {
    requests: records.length / Math.max(1, everything.length),
    serverTime: serverS(records) / Math.max(1e-9, serverS(everything)),
  };
  const apiLatency = latencies(records);
  const lastRequestS: Record<string, number> = {};
  for (const r of records) lastRequestS[r.user] = Math.max(lastRequestS[r.user] ?? 0, (r.at - wall0) / 1000);
  const requests: Record<string, Tally> = {};
  for (const u of [...new Set(records.map((r) => r.user))].sort())
    requests[u] = tally(records.filter((r) => r.user === u));
  const events = Object.fromEntries([...op.functions].map(([fn, p]) => [fn, readEventLog(p.log)]));
  const adapterFailedSends = op.failedSends();

  // Ready per the status must mean converged child by child: a sample of the Ready ones is checked.
  const readyNames = names.filter((x) => readySet.has(`${x.ns}/${x.name}`));
  const checked = readyNames.filter((_, i) => i % Math.max(1, Math.floor(readyNames.length / 20)) === 0);
  const verifyFailures: string[] = [];
  for (const x of checked) {
    const d = await differences(c.admin, x.ns, x.name);
    if (d.length) verifyFailures.push(`${x.ns}/${x.name}: ${d.join('; ')}`);
  }

  for (const pid of pids.values()) resetPeak(pid);
  const ports = new Map([...op.functions].map(([fn, p]) => [fn, p.port]));
  // All at once, as the PingSources fire on the same minute.
  const resync = await resyncs({ c, audit: o.audit, ports, isOperator: o.isOperator, concurrent: true });
  const resyncPeakKiB = Object.fromEntries([...pids].map(([fn, pid]) => [fn, memory(pid).hwmKiB]));
  for (const r of resync)
    o.say(
      `scale: resync ${r.fn} over ${r.clusters} clusters in ${Math.round(r.ms)} ms, ${r.own.total} requests (${r.own.writes} writes)`,
    );
  return {
    clusters: o.clusters,
    namespaces: o.namespaces,
    submitMs,
    ...(allReadyMs !== undefined ? { allReadyMs } : {}),
    readyAtEnd: ready,
    ...(settledMs !== undefined ? { settledMs } : {}),
    lastRequestS,
    timeline,
    verified: checked.length,
    verifyFailures,
    peakKiB,
    requests,
    apiLatency,
    apiShare,
    pingsSent,
    resync,
    resyncPeakKiB,
    events,
    adapterFailedSends,
    cpu,
  };
}
