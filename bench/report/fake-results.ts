// Small fabricated runs for the report's unit tests: only the figures a test sets matter, the rest
// is the least a Results needs to render.

import type { BaselineResult } from '../baseline/baseline';
import { type Tally, tally as tallyOf } from '../harness/audit';
import type { EventLog } from '../harness/fn-logs';
import { type Summary, summarize } from '../harness/stats';
import type { ColdStartResult } from '../measure/cold-start';
import type { ConvergenceResult, StepCpu } from '../measure/convergence';
import type { FailoverResult, FailoverRun } from '../measure/failover';
import type { BaselineBurstResult, BurstResult, ScaleResult } from '../measure/scale';
import type { Results } from './results';

/** A Summary of one sample: every percentile is that value. */
export const one = (v: number): Summary => summarize([v]);

/** An empty tally (as the harness counts one) with the given counts. */
export const tally = (over: Partial<Tally> = {}): Tally => ({ ...tallyOf([]), ...over });

export function fakeResults(over: Partial<Results> = {}): Results {
  return {
    startedAt: '2026-01-01T00:00:00.000Z',
    quick: false,
    machine: { nproc: 2, memTotalGiB: 8, cpuModel: 'test', node: 'v24', go: 'go1', kernel: '6' },
    load: { start: '0 0 0', end: '0 0 0' },
    sizes: {
      nodes: 1,
      starts: 1,
      importRuns: 1,
      clusters: 1,
      rounds: 1,
      noopRepeats: 1,
      throughputEvents: 1,
      concurrency: [1],
      scaleClusters: 500,
      scaleNamespaces: 1,
      scaleDeadlineMs: 300_000,
    },
    functions: ['reconcile'],
    bundles: [],
    errors: [],
    ...over,
  };
}

/** A cold-start phase: one shipped function at `ms` p50 and `rssMiB`, bare node at 50 ms and 50 MiB. */
export function coldPhase(ms: number, rssMiB: number): Pick<Results, 'coldStart' | 'importCosts'> {
  const f: ColdStartResult = {
    fn: 'reconcile',
    compileCache: true,
    total: one(ms),
    listen: one(ms / 2),
    firstEvent: one(ms / 2),
    rssKiB: one(rssMiB * 1024),
  };
  return {
    coldStart: { functions: [f], node: { total: one(50), rssKiB: 50 * 1024 } },
    importCosts: [
      { entry: 'empty', ms: one(50), rssKiB: one(40 * 1024) },
      { entry: 'functions/reconcile/app', ms: one(90), rssKiB: one(55 * 1024) },
    ],
  };
}

export function convergencePhase(createMs: number): ConvergenceResult {
  const step = (ms: number) => ({
    latency: one(ms),
    settle: one(ms),
    perCluster: one(10),
    meanByUser: {},
    samples: [],
  });
  return { create: step(createMs), scale: step(500), image: step(800) };
}

const events = (n: number, transient = 0): EventLog => ({
  events: n,
  byResource: { gpssclusters: n },
  byOutcome: { unchanged: n - transient, ...(transient ? { 'transient-error': transient } : {}) },
  handlingMs: one(100),
  busyS: n / 10,
  pingMs: [],
});

/** A burst of `clusters`, all Ready after `readyMs` (undefined: 400 at the deadline); settled (operator quiet) when settledMs is set. */
export function burstPhase(o: {
  clusters: number;
  readyMs?: number;
  settledMs?: number;
  /** The API server's CPU-seconds per cluster over the burst (issue 14). */
  apiCpuPerCluster?: number;
}): BurstResult {
  const api = o.apiCpuPerCluster;
  return {
    clusters: o.clusters,
    namespaces: 1,
    submitMs: 1000,
    ...(o.readyMs !== undefined ? { allReadyMs: o.readyMs } : {}),
    readyAtEnd: o.readyMs !== undefined ? o.clusters : 400,
    ...(o.settledMs !== undefined ? { settledMs: o.settledMs } : {}),
    lastRequestS: {},
    timeline: [],
    verified: 0,
    verifyFailures: [],
    peakKiB: {},
    requests: { 'gpss-reconcile': tally({ total: 100, reads: 90, writes: 10 }) },
    apiLatency: {},
    apiShare: { requests: 0.8, serverTime: 0.8 },
    pingsSent: 0,
    cpu: {
      wallS: 300,
      components: { 'kube-apiserver': 300, 'function reconcile': 100 },
      others: 0,
      capacity: 600,
      idle: 5,
    },
    ...(api !== undefined
      ? { apiServerCpuS: api * o.clusters, apiServerCpuSPerCluster: api, operatorCpuS: 100 }
      : {}),
  };
}

/** A scale phase of `clusters`, all Ready after `readyMs` (undefined: 400 at the deadline). */
export function scalePhase(o: {
  clusters: number;
  readyMs?: number;
  settledMs?: number;
  apiCpuPerCluster?: number;
  failedSends?: Record<string, number>;
  transient?: number;
}): ScaleResult {
  return {
    ...burstPhase(o),
    resync: [],
    resyncPeakKiB: {},
    events: { reconcile: events(1000, o.transient) },
    ...(o.failedSends ? { adapterFailedSends: o.failedSends } : {}),
  };
}

/** The same burst run by the baseline. */
export function baselineBurstPhase(o: Parameters<typeof burstPhase>[0]): BaselineBurstResult {
  return { ...burstPhase(o), startupMs: 500, existingClusters: 0 };
}

/** A failover phase: one run per `readyS` (undefined: not recovered), window 60 s, health at zero unless `up` names the run. */
export function failoverPhase(readyS: Array<number | undefined>, up: number[] = []): FailoverResult {
  const runs: FailoverRun[] = readyS.map((s, i) => ({
    pod: `fo-${i % 3}`,
    from: `kwok-zfo-${i}`,
    ...(s !== undefined ? { to: `kwok-zfo-${i + 1}`, readyMs: s * 1000 } : {}),
    lostAt: '2026-01-01T00:00:00Z',
    graceMs: 50_000,
    evictedMs: 62_500,
    forcedMs: 63_000,
    releasedMs: 63_500,
    recreatedMs: 63_600,
    healthAtZero: !up.includes(i),
    ...(!up.includes(i) ? { zeroForMs: 20_000 } : {}),
    coldAtEviction: true,
    healthDeletes: 1,
    healthStarts: 2,
  }));
  const ready = runs.flatMap((x) => (x.readyMs !== undefined ? [x.readyMs] : []));
  return {
    windowS: 60,
    tolerationSeconds: 62,
    idleMs: 60_000,
    pingsSent: 0,
    runs,
    ready: summarize(ready),
    evicted: summarize(runs.map((x) => x.evictedMs!)),
  };
}

const withCpu = (cpu: StepCpu | undefined): ConvergenceResult => {
  const c = convergencePhase(300);
  return { create: { ...c.create, ...(cpu ? { cpu } : {}) }, scale: c.scale, image: c.image };
};

/** A run whose create step tracked CPU (table 1b) on the serverless side, and on the baseline's if given. */
export const cpuRun = (serverless: StepCpu | undefined, baseline?: StepCpu): Results =>
  fakeResults({
    convergence: withCpu(serverless),
    ...(baseline ? { baseline: baselinePhase(withCpu(baseline)) } : {}),
  });

/** The baseline's side of a run: its convergence, the rest the least it needs. */
export const baselinePhase = (convergence: ConvergenceResult): BaselineResult => ({
  startupMs: 1,
  reconciles: 0,
  startup: tally(),
  existingClusters: 0,
  rssKiB: 1,
  hwmKiB: 1,
  convergence,
});

export const serverlessCpu: StepCpu = {
  clusters: 4,
  components: { 'kube-apiserver': 0.8, 'function reconcile': 0.4, 'adapter gpss-reconcile': 0.2 },
  others: 0.04,
  idle: 0.56,
  capacity: 2,
};
export const baselineCpu: StepCpu = {
  clusters: 4,
  components: { 'kube-apiserver': 0.6, 'baseline controller': 0.2 },
  others: 0.04,
  idle: 0.76,
  capacity: 1.6,
};
