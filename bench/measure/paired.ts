// Benchmarks 1 and 6 side by side: the serverless operator and the always-on baseline converge the same
// workload in alternating rounds (S B, B S, S B, ...), so both sides sample the same stretch of time on
// this shared machine. Run one after the other, minutes apart, the two p50s drifted with the machine's
// load: the same code gave create → Ready ratios from 1.23× to 1.52× in four back-to-back quick runs.
// Between its rounds the serverless operator is paused (its adapters stopped, the functions up and
// warm), so the functions never act on the baseline's clusters; the baseline is started afresh for each
// of its rounds, as it starts in the sequential run. Each round begins with one untimed cluster (its own
// namespace, bench-warm-*): the first create after a start or a resume paid fresh connections and
// fresh watches (630 ms against a 395 ms p50 in a quick run), and is the cold start's figure (table 3),
// not the steady state this table compares.
import { type BaselineResult, startBaseline } from '../baseline/baseline';
import type { AuditLog } from '../harness/audit';
import type { BenchCluster } from '../harness/cluster';
import type { Serverless } from '../harness/operator';
import { memory, resetPeak } from '../harness/proc';
import { type ConvergenceResult, convergence, mergeConvergence } from './convergence';
import type { Tracked } from './cpu';

/** `n` clusters split into `rounds` consecutive ranges, the larger ranges first. */
export function splitRounds(n: number, rounds: number): Array<{ first: number; n: number }> {
  const r = Math.max(1, Math.min(rounds, n));
  const out: Array<{ first: number; n: number }> = [];
  let first = 0;
  for (let i = 0; i < r; i++) {
    const size = Math.floor(n / r) + (i < n % r ? 1 : 0);
    out.push({ first, n: size });
    first += size;
  }
  return out;
}

/** Which side goes first in round i: the serverless operator in even rounds, the baseline in odd ones. */
export const sidesOf = (i: number) =>
  i % 2 === 0 ? (['serverless', 'baseline'] as const) : (['baseline', 'serverless'] as const);

export interface PairedResult {
  serverless: ConvergenceResult;
  baseline: BaselineResult;
  rounds: number;
}

export async function pairedConvergence(o: {
  c: BenchCluster;
  audit: AuditLog;
  op: Serverless;
  isFunction: (u: string) => boolean;
  distDir: string;
  logDir: string;
  n: number;
  rounds: number;
  timeoutMs: number;
  /** After the first serverless round, with only its clusters on the cluster (the no-op and resync tables). */
  afterFirstServerless?: () => Promise<void>;
  say: (m: string) => void;
}): Promise<PairedResult> {
  const serverless: ConvergenceResult[] = [];
  const baseline: ConvergenceResult[] = [];
  let base: Omit<BaselineResult, 'convergence' | 'rssKiB' | 'hwmKiB'> | undefined;
  let mem = { rssKiB: Number.NaN, hwmKiB: Number.NaN };
  const ranges = splitRounds(o.n, o.rounds);
  // Where each side's creates spend the machine's CPU (table 1b): the control plane, the operator's
  // processes, and this bench (its polls).
  const tracked = (operator: Record<string, number>) => (): Tracked => ({
    ...o.c.pids(),
    ...operator,
    'bench (this process)': { self: process.pid },
  });
  for (const [i, range] of ranges.entries()) {
    for (const side of sidesOf(i)) {
      o.say(
        `round ${i + 1}/${ranges.length}: ${side}, clusters ${range.first}..${range.first + range.n - 1}`,
      );
      const warmUp = (isOperator: (u: string) => boolean) =>
        convergence({
          c: o.c,
          audit: o.audit,
          prefix: `bench-warm-${side}`,
          first: i,
          n: 1,
          isOperator,
          timeoutMs: o.timeoutMs,
          say: () => undefined,
        });
      if (side === 'serverless') {
        await o.op.resume();
        await probesGone(o.c);
        await warmUp(o.isFunction);
        serverless.push(
          await convergence({
            c: o.c,
            audit: o.audit,
            prefix: 'bench-conv',
            first: range.first,
            n: range.n,
            isOperator: o.isFunction,
            timeoutMs: o.timeoutMs,
            tracked: tracked(o.op.processes()),
            say: o.say,
          }),
        );
        if (serverless.length === 1) await o.afterFirstServerless?.();
        await o.op.pause();
      } else {
        const b = await startBaseline({ ...o, firstPassOnly: false });
        try {
          base ??= {
            startupMs: b.startupMs,
            reconciles: b.reconciles,
            startup: b.startup,
            existingClusters: b.existingClusters,
          };
          await warmUp(b.isOperator);
          resetPeak(b.p.pid);
          baseline.push(
            await convergence({
              c: o.c,
              audit: o.audit,
              prefix: 'bench-base',
              first: range.first,
              n: range.n,
              isOperator: b.isOperator,
              timeoutMs: o.timeoutMs,
              tracked: tracked({ 'baseline controller': b.p.pid }),
              say: o.say,
            }),
          );
          mem = memory(b.p.pid);
        } finally {
          await b.p.stop();
        }
      }
    }
  }
  await o.op.resume();
  return {
    serverless: mergeConvergence(serverless),
    baseline: { ...base!, convergence: mergeConvergence(baseline), ...mem },
    rounds: ranges.length,
  };
}

/**
 * The sources' probe namespaces (localcluster/sources-live.ts) are deleted in the background; their
 * deletion (the namespace controller listing every kind) must not overlap a timed create.
 */
async function probesGone(c: BenchCluster, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const left = (await c.admin.list('namespaces', undefined)).items.filter((n) =>
      n.metadata?.name?.startsWith('bench-probe'),
    );
    if (left.length === 0) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`probe namespaces still there after ${timeoutMs} ms`);
}
