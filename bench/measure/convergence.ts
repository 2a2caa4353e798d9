// Benchmarks 1 and 2 (per cluster): create a size-3 GpssCluster, scale it 3 → 5, change its image;
// one cluster at a time, each in its own namespace, timed from the request to converged (phase Ready
// and every child as specified). After each, the bench waits until the operator is quiet, so the API
// requests of that step (trailing events included) are attributed to it and the next starts clean.
import { type AuditLog, type AuditRecord, combine, type Tally, tally } from '../harness/audit';
import type { BenchCluster } from '../harness/cluster';
import { type Summary, summarize } from '../harness/stats';
import { awaitConverged, clusterManifest, createNamespaces } from '../harness/workload';
import { type CpuUse, cpuSnapshot, cpuUse, type Tracked } from './cpu';

export const STEPS = ['create', 'scale', 'image'] as const;
export type Step = (typeof STEPS)[number];
export const STEP_LABEL: Record<Step, string> = {
  create: 'create (size 3) → Ready',
  scale: 'scale 3 → 5 → Ready',
  image: 'image change (5 instances) → Ready',
};

const NAME = 'gc';
const IMAGES = ['example.invalid/gpss:1', 'example.invalid/gpss:2'];
/** The operator counts as done once none of its users has made a request for this long. */
export const QUIET_MS = 300;

export interface StepResult {
  /** request → converged (the status read that saw it Ready, its children then checked), ms */
  latency: Summary;
  /** request → that check of every child done, ms (absent in runs before it was recorded) */
  checked?: Summary;
  /** request → the operator's last request for that step, ms */
  settle: Summary;
  /** Requests per cluster for this step: total per cluster, and the mean breakdown per user. */
  perCluster: Summary;
  meanByUser: Record<string, Tally>;
  samples: Array<{ ns: string; ms: number; checkedMs: number; settleMs: number; requests: number }>;
  /** CPU-seconds from each request to its check done, summed over the clusters (absent in older runs). */
  cpu?: StepCpu;
}

/**
 * CPU-seconds over a step's clusters, each from its request to its check done, summed (cpuUse's
 * figures: per tracked process, everything else on the machine, idle, capacity).
 */
export interface StepCpu extends Omit<CpuUse, 'wallS'> {
  clusters: number;
}

/** CPU-seconds the machine was busy: every tracked process and everything else. */
export const cpuBusy = (u: StepCpu) => Object.values(u.components).reduce((a, b) => a + b, 0) + u.others;

/** `a` and `b` together (either may be undefined: a step that tracked no CPU). */
export function addCpu(a: StepCpu | undefined, b: StepCpu | undefined): StepCpu | undefined {
  if (!a || !b) return a ?? b;
  const components = { ...a.components };
  for (const [k, v] of Object.entries(b.components)) components[k] = (components[k] ?? 0) + v;
  return {
    clusters: a.clusters + b.clusters,
    components,
    others: a.others + b.others,
    idle: a.idle + b.idle,
    capacity: a.capacity + b.capacity,
  };
}

const oneCluster = ({ wallS: _, ...u }: CpuUse): StepCpu => ({ clusters: 1, ...u });

export type ConvergenceResult = Record<Step, StepResult>;

/** A step's summaries, each taken over its samples. */
function stepResult(
  samples: StepResult['samples'],
  meanByUser: Record<string, Tally>,
  cpu: StepCpu | undefined,
): StepResult {
  return {
    ...(cpu ? { cpu } : {}),
    latency: summarize(samples.map((x) => x.ms)),
    checked: summarize(samples.map((x) => x.checkedMs)),
    settle: summarize(samples.map((x) => x.settleMs)),
    perCluster: summarize(samples.map((x) => x.requests)),
    meanByUser,
    samples,
  };
}

/** Requests of one cluster's step: its namespace, plus cluster-scoped ones (nodes, ...) made in its time slot. */
function attribute(records: AuditRecord[], namespaces: string[], starts: number[]): AuditRecord[][] {
  const out = namespaces.map(() => [] as AuditRecord[]);
  const index = new Map(namespaces.map((n, i) => [n, i]));
  for (const r of records) {
    let i = r.namespace !== undefined ? index.get(r.namespace) : undefined;
    if (i === undefined) {
      i = starts.findLastIndex((s) => r.at >= s);
      if (i < 0) continue;
    }
    out[i]!.push(r);
  }
  return out;
}

export async function convergence(o: {
  c: BenchCluster;
  audit: AuditLog;
  prefix: string;
  n: number;
  /** Index of the first namespace (`<prefix>-<first>`): a later round of the same workload goes on from there. */
  first?: number;
  /** Whose requests are the operator's. */
  isOperator: (user: string) => boolean;
  timeoutMs: number;
  /** The processes whose CPU is counted per cluster (asked before each, as a pid may change). */
  tracked?: () => Tracked;
  say: (m: string) => void;
}): Promise<ConvergenceResult> {
  const { c, audit } = o;
  const namespaces = Array.from({ length: o.n }, (_, i) => `${o.prefix}-${(o.first ?? 0) + i}`);
  await createNamespaces(c.admin, namespaces);
  await audit.quiet(o.isOperator, QUIET_MS);
  const result = {} as ConvergenceResult;
  for (const step of STEPS) {
    const mark = audit.mark();
    const starts: number[] = [];
    const timing: Array<{ ms: number; checkedMs: number; settleMs: number }> = [];
    let cpu: StepCpu | undefined;
    for (const ns of namespaces) {
      const tracked = o.tracked?.();
      const cpu0 = tracked && cpuSnapshot(tracked);
      const wall0 = Date.now();
      const t0 = performance.now();
      starts.push(wall0);
      if (step === 'create') await c.admin.create(clusterManifest(ns, NAME, 3, IMAGES[0]!, o.prefix));
      else {
        const spec = step === 'scale' ? { size: 5 } : { image: IMAGES[1] };
        await c.admin.patch('gpssclusters', ns, NAME, { spec }, 'merge');
      }
      const at = await awaitConverged(c.admin, ns, NAME, o.timeoutMs);
      const [ms, checkedMs] = [at.readyAt - t0, at.checkedAt - t0];
      if (tracked && cpu0) cpu = addCpu(cpu, oneCluster(cpuUse(cpu0, cpuSnapshot(tracked))));
      const last = await audit.quiet(o.isOperator, QUIET_MS);
      timing.push({ ms, checkedMs, settleMs: Math.max(checkedMs, last - wall0) });
    }
    const records = (await audit.since(mark)).filter((r) => o.isOperator(r.user));
    const per = attribute(records, namespaces, starts);
    const users = [...new Set(records.map((r) => r.user))].sort();
    const meanByUser: Record<string, Tally> = {};
    for (const u of users)
      meanByUser[u] = combine(
        per.map((rs) => tally(rs.filter((r) => r.user === u))),
        1 / o.n,
      );
    result[step] = stepResult(
      namespaces.map((ns, i) => ({ ns, ...timing[i]!, requests: per[i]!.length })),
      meanByUser,
      cpu,
    );
    o.say(
      `${o.prefix} ${step}: p50 ${Math.round(result[step].latency.p50)} ms, p95 ${Math.round(result[step].latency.p95)} ms, ${result[step].perCluster.p50} requests/cluster`,
    );
  }
  return result;
}

/**
 * One result from rounds of the same workload (each round's clusters its own): the samples of every
 * round together, the summaries taken over all of them, and the per-user means weighted by each
 * round's cluster count.
 */
export function mergeConvergence(parts: ConvergenceResult[]): ConvergenceResult {
  if (parts.length === 1) return parts[0]!;
  const out = {} as ConvergenceResult;
  for (const step of STEPS) {
    const rounds = parts.map((p) => p[step]);
    const samples = rounds.flatMap((r) => r.samples);
    const total = samples.length;
    const users = [...new Set(rounds.flatMap((r) => Object.keys(r.meanByUser)))].sort();
    const meanByUser: Record<string, Tally> = {};
    for (const u of users)
      meanByUser[u] = combine(
        rounds.flatMap((r) => (r.meanByUser[u] ? [combine([r.meanByUser[u]], r.samples.length)] : [])),
        1 / total,
      );
    out[step] = stepResult(
      samples,
      meanByUser,
      rounds.reduce<StepCpu | undefined>((a, r) => addCpu(a, r.cpu), undefined),
    );
  }
  return out;
}
