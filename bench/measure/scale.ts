// Benchmark 5: S GpssClusters × 3 instances created at once (spread over namespaces, as tenants
// would), with the PingSource schedules armed as deployed. Time until every one is Ready, peak memory
// (VmHWM) of each function over that time, the requests it took; then one resync over all.
// Issue 14: the always-on baseline runs the same burst (burst() below, parametrised by who runs the
// operator) so the API server's CPU per cluster can be compared (scaleBaseline).

import type { GpssCluster } from '../../lib/api/types';
import { loadKubeConfig } from '../../lib/k8s/kubeconfig';
import { RESOURCES } from '../../lib/k8s/resources';
import { differences } from '../../localcluster/convergence';
import { startBaseline } from '../baseline/baseline';
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

/** Who runs the operator over a burst: the three functions behind their adapters, or the baseline controller. */
export interface BurstOperator {
  who: 'serverless' | 'baseline';
  /** The operator's own processes, for its CPU-seconds (a pid counts with its descendants). */
  processes: Record<string, number>;
  /** Processes whose peak memory (VmHWM) over the burst is reported, by name. */
  memory: Record<string, number>;
  isOperator: (user: string) => boolean;
  /** Arms the periodic resyncs as deployed (the PingSources); the disarm returns how many were sent. */
  armPings?: () => () => number;
  /** Stops the event flow once the operator is quiet, so trailing requests are counted once in-flight work ends. */
  stopEvents?: () => Promise<void>;
}

/** One burst, whoever ran the operator: the same creates, Ready criterion, verification and counts. */
export interface BurstResult {
  clusters: number;
  namespaces: number;
  /** Time to submit every create, ms. */
  submitMs: number;
  /** Request of the first create → every cluster Ready, ms; undefined when the deadline came first. */
  allReadyMs?: number;
  readyAtEnd: number;
  /** First create → the operator's last request (every event handled); undefined if still busy after the settle timeout. */
  settledMs?: number;
  /** Per operator user: its last request, s after the first create. */
  lastRequestS: Record<string, number>;
  /** [seconds since the first create, clusters Ready]. */
  timeline: Array<[number, number]>;
  /** Clusters checked child by child once all were Ready, and how many differed. */
  verified: number;
  verifyFailures: string[];
  peakKiB: Record<string, number>;
  requests: Record<string, Tally>;
  /** The operator's requests by verb and resource: how long the API server took on them. */
  apiLatency: Record<string, Latency>;
  /** The operator's share of every request the API server served meanwhile, by count and by server time. */
  apiShare: { requests: number; serverTime: number };
  pingsSent: number;
  /** CPU seconds per process from the first create to all Ready (or the deadline). */
  cpu: CpuUse;
  /**
   * CPU seconds per process over the whole burst: first create → the operator quiet (every event
   * handled), or the settle timeout when it stayed busy (then a lower bound). Absent in older runs.
   */
  cpuBurst?: CpuUse;
  /** kube-apiserver's CPU-seconds over cpuBurst's window, in all and per cluster created (issue 14). */
  apiServerCpuS?: number;
  apiServerCpuSPerCluster?: number;
  /** The operator's own processes' CPU-seconds over the same window. */
  operatorCpuS?: number;
}

/** Benchmark 5 as the serverless operator runs it: the burst, then what only it has (event logs, adapters, resync). */
export interface ScaleResult extends BurstResult {
  resync: ResyncResult[];
  resyncPeakKiB: Record<string, number>;
  /** From the functions' own logs, over the scale test (up to the resync). */
  events: Record<string, EventLog>;
  /** Per adapter, deliveries it gave up on (its log's "failed to send cloudevent" lines): events lost until a resync. */
  adapterFailedSends?: Record<string, number>;
}

/** The same burst run by the always-on baseline controller. */
export interface BaselineBurstResult extends BurstResult {
  /** The controller's start → synced and idle over what existed, before the burst (not in the burst's figures). */
  startupMs: number;
  existingClusters: number;
}

const GROUP = 'scale';
const SETTLE_TIMEOUT_MS = 120_000;

/**
 * Creates `clusters` GpssClusters × 3 at once in namespaces `${nsPrefix}-N`, follows them until all
 * are Ready (or the deadline), waits until the operator is quiet, counts its requests and CPU, and
 * checks a sample child by child. The operator is already up and stays up.
 */
export async function burst(o: {
  c: BenchCluster;
  audit: AuditLog;
  operator: BurstOperator;
  clusters: number;
  namespaces: number;
  nsPrefix: string;
  /** Value of the bench label on this burst's clusters (what the Ready watch selects). */
  group: string;
  deadlineMs: number;
  say: (m: string) => void;
}): Promise<BurstResult> {
  const { c, operator: op } = o;
  const label = op.who === 'serverless' ? 'scale' : `scale (${op.who})`;
  const say = (m: string) => o.say(`${label}: ${m}`);
  const nss = Array.from({ length: o.namespaces }, (_, i) => `${o.nsPrefix}-${i}`);
  await createNamespaces(c.admin, nss);
  for (const pid of Object.values(op.memory)) resetPeak(pid);
  const disarm = op.armPings?.();
  const tracked: Tracked = {
    ...c.pids(),
    ...op.processes,
    'bench (this process)': { self: process.pid },
  };
  const cpu0 = cpuSnapshot(tracked);
  const mark = o.audit.mark();
  const names = Array.from({ length: o.clusters }, (_, i) => ({ ns: nss[i % nss.length]!, name: `s${i}` }));
  const t0 = performance.now();
  const wall0 = Date.now();
  await pool(names, 32, (x) =>
    c.admin.create(clusterManifest(x.ns, x.name, 3, 'example.invalid/gpss:1', o.group)),
  );
  const submitMs = performance.now() - t0;
  say(`${o.clusters} GpssClusters submitted in ${Math.round(submitMs)} ms`);

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
    `${BENCH_LABEL}=${o.group}`,
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
    if (timeline.length % 3 === 0) say(`${readySet.size}/${o.clusters} Ready after ${timeline.at(-1)![0]} s`);
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
  // Which clusters, as a fresh list shows them (the watch's view may lag): so that a miss can be told
  // apart from a watch that lost an event, and looked into.
  if (ready < o.clusters) {
    const all = (
      await c.admin.list<GpssCluster>('gpssclusters', undefined, {
        labelSelector: `${BENCH_LABEL}=${o.group}`,
      })
    ).items;
    const notReady = all.filter((x) => !looksReady(x));
    say(`the watch saw ${ready} Ready, a list now ${all.length - notReady.length}`);
    for (const x of notReady.slice(0, 10)) {
      const { instances: _, ...st } = x.status ?? {};
      say(
        `not Ready: ${x.metadata.namespace}/${x.metadata.name} generation ${x.metadata.generation} ${JSON.stringify(st)}`,
      );
    }
  }
  const pingsSent = disarm?.() ?? 0;
  say(
    allReadyMs
      ? `all ${o.clusters} Ready after ${(allReadyMs / 1000).toFixed(1)} s`
      : `${ready}/${o.clusters} Ready at the deadline`,
  );
  // Ready is health's verdict; the operator may still be working through its backlog of events (an
  // adapter delivers one event per resource at a time). Done means the operator is quiet; the burst's
  // CPU is counted up to then, so a backlog worked off after Ready is part of its cost.
  const seen = await o.audit.quiet(op.isOperator, 1000, SETTLE_TIMEOUT_MS).catch(() => undefined);
  const cpuBurst = cpuUse(cpu0, cpuSnapshot(tracked));
  // quiet() returns the last request it saw while waiting, 0 when the operator had finished before
  // the wait began (the baseline often has): then its last request is read from the log.
  const lastRequest =
    seen === 0
      ? (await o.audit.since(mark)).reduce((a, r) => (op.isOperator(r.user) ? Math.max(a, r.at) : a), wall0)
      : seen;
  const settledMs = lastRequest === undefined ? undefined : lastRequest - wall0;
  say(
    settledMs === undefined
      ? 'operator still busy'
      : `operator quiet after ${(settledMs / 1000).toFixed(1)} s`,
  );
  const peakKiB = Object.fromEntries(Object.entries(op.memory).map(([k, pid]) => [k, memory(pid).hwmKiB]));
  const apiServerCpuS = cpuBurst.components['kube-apiserver'] ?? Number.NaN;
  const operatorCpuS = Object.keys(op.processes).reduce((a, k) => a + (cpuBurst.components[k] ?? 0), 0);
  say(
    `over ${cpuBurst.wallS.toFixed(0)} s the API server used ${apiServerCpuS.toFixed(0)} CPU-seconds (${(apiServerCpuS / o.clusters).toFixed(2)} per cluster), the operator ${operatorCpuS.toFixed(0)}`,
  );

  // Stop the event flow (serverless: so the resync after is measured alone); in-flight events finish first.
  await op.stopEvents?.();
  await o.audit.quiet(op.isOperator, QUIET_MS, 120_000).catch(() => 0);
  const everything = await o.audit.since(mark);
  const records = everything.filter((r) => op.isOperator(r.user));
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

  // Ready per the status must mean converged child by child: a sample of the Ready ones is checked.
  const readyNames = names.filter((x) => readySet.has(`${x.ns}/${x.name}`));
  const checked = readyNames.filter((_, i) => i % Math.max(1, Math.floor(readyNames.length / 20)) === 0);
  const verifyFailures: string[] = [];
  for (const x of checked) {
    const d = await differences(c.admin, x.ns, x.name);
    if (d.length) verifyFailures.push(`${x.ns}/${x.name}: ${d.join('; ')}`);
  }
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
    cpu,
    cpuBurst,
    apiServerCpuS,
    apiServerCpuSPerCluster: apiServerCpuS / o.clusters,
    operatorCpuS,
  };
}

/** Benchmark 5: the burst with the serverless operator (PingSources armed), then one resync over all. */
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
  const pids = new Map([...op.functions].map(([fn, p]) => [fn, p.pid]));
  const b = await burst({
    c,
    audit: o.audit,
    operator: {
      who: 'serverless',
      processes: op.processes(),
      memory: Object.fromEntries(pids),
      isOperator: o.isOperator,
      armPings: () => op.armPings(),
      stopEvents: async () => {
        await Promise.all(op.adapters.map((a) => a.stop()));
      },
    },
    clusters: o.clusters,
    namespaces: o.namespaces,
    nsPrefix: 'bench-scale',
    group: GROUP,
    deadlineMs: o.deadlineMs,
    say: o.say,
  });
  const events = Object.fromEntries([...op.functions].map(([fn, p]) => [fn, readEventLog(p.log)]));
  const adapterFailedSends = op.failedSends();

  for (const pid of pids.values()) resetPeak(pid);
  const ports = new Map([...op.functions].map(([fn, p]) => [fn, p.port]));
  // All at once, as the PingSources fire on the same minute.
  const resync = await resyncs({ c, audit: o.audit, ports, isOperator: o.isOperator, concurrent: true });
  const resyncPeakKiB = Object.fromEntries([...pids].map(([fn, pid]) => [fn, memory(pid).hwmKiB]));
  for (const r of resync)
    o.say(
      `scale: resync ${r.fn} over ${r.clusters} clusters in ${Math.round(r.ms)} ms, ${r.own.total} requests (${r.own.writes} writes)`,
    );
  return { ...b, resync, resyncPeakKiB, events, adapterFailedSends };
}

/**
 * Issue 14: the same burst (sizes, namespaces, names, deadline, Ready criterion, verification) run by
 * the always-on baseline controller, started and idle before the first create. bench/run.ts gives
 * each burst a freshly started bench cluster, so nothing of this one is left for the serverless one.
 */
export async function scaleBaseline(o: {
  c: BenchCluster;
  audit: AuditLog;
  distDir: string;
  logDir: string;
  clusters: number;
  namespaces: number;
  deadlineMs: number;
  say: (m: string) => void;
}): Promise<BaselineBurstResult> {
  const base = await startBaseline({ ...o, log: 'baseline-scale.log', firstPassOnly: false });
  try {
    const b = await burst({
      c: o.c,
      audit: o.audit,
      operator: {
        who: 'baseline',
        processes: { 'baseline controller': base.p.pid },
        memory: { baseline: base.p.pid },
        isOperator: base.isOperator,
      },
      clusters: o.clusters,
      namespaces: o.namespaces,
      nsPrefix: 'bench-scale',
      group: GROUP,
      deadlineMs: o.deadlineMs,
      say: o.say,
    });
    return { ...b, startupMs: base.startupMs, existingClusters: base.existingClusters };
  } finally {
    await base.p.stop();
  }
}
