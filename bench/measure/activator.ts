// Issue 15, scale to zero: event → answered latency through the local activator
// (localcluster/activator.ts, as `npm start` runs every function) when the function is at zero (the
// request starts the process and waits for it) and when it is warm (the process is up), beside the
// bare cold start of table 3. The activator starts each function's minified bundle as its image runs
// it (bench/harness/proc.ts: its ServiceAccount's token, its compile cache, nothing preloaded). The event is a
// PingSource resync, which every function answers 2xx without any cluster object.
//
// Then the time each function spends at zero with the shipped PingSource schedules (eventing/*.yaml)
// when nothing changes: computed from the schedule, the busy time measured here (the resync answered
// cold, then the process stopping) and the 60 s idle window, not observed over an hour.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { type Instance, knativeLimits, startActivator } from '../../localcluster/activator';
import { REPO_ROOT } from '../../localcluster/config';
import { parseCron } from '../../localcluster/cron';
import { readEventing } from '../../localcluster/eventing';
import { compileCacheOf } from '../harness/bundles';
import { ping, send, spawnNode } from '../harness/proc';
import { percentile, type Summary, summarize } from '../harness/stats';

/** A Summary with p90 as well (issue 15 asks for p50/p90). */
export type Latency = Summary & { p90: number };

export interface ActivatorFnResult {
  fn: string;
  /** containerConcurrency and timeoutSeconds from manifests/functions/<fn>.yaml, as the runner applies them. */
  concurrency: number;
  timeoutMs: number;
  /** Event → 2xx through the activator, the function at zero (the activator had just scaled it down), ms. */
  cold: Latency;
  /** The activator's own cold start of those requests: request → the process listening (stats.coldStartMs). */
  coldStart: Latency;
  /** Event → 2xx through the activator, the process up, ms. */
  warm: Latency;
  /** The same event sent straight to the process (no activator), between the warm ones, ms. */
  direct: Latency;
  /** Idle window over → the process gone (SIGTERM → exit, as the activator scales down), ms. */
  stop: Latency;
  /** Answers other than 2xx, and cold samples that did not find the function at zero (both should be 0). */
  non2xx: number;
  notCold: number;
  /** Processes started, and "event handled" lines the function logged with cold: true (should agree). */
  coldStarts: number;
  coldLogged: number;
}

export interface AtZero {
  fn: string;
  /** Its PingSource's schedule in eventing/ (absent: no PingSource targets it). */
  schedule?: string;
  pingsPerHour: number;
  /** One resync at zero: answered cold, then the process alive for the idle window and its stop, ms. */
  busyMs: number;
  idleMs: number;
  scaleDownsPerHour: number;
  /** Of an hour with nothing changing, the share with no process (0..1). */
  share: number;
}

export interface ActivatorResult {
  /** Idle window while measuring (short, so each cold sample follows a real scale-down). */
  idleMs: number;
  samples: number;
  warmPerCycle: number;
  functions: ActivatorFnResult[];
  /** Idle window assumed for the time at zero: the runner's default, Knative's stable window. */
  shippedIdleMs: number;
  atZero: AtZero[];
}

const IDLE_MS = 500;
const WARM_PER_CYCLE = 3;
/** As npm start's runner and Knative's stable window. */
export const SHIPPED_IDLE_MS = 60_000;
/** Readiness is polled as the cold-start phase polls (bench/measure/cold-start.ts). */
const POLL_MS = 5;

export const latency = (values: number[]): Latency => ({
  ...summarize(values),
  p90: percentile(
    [...values].sort((a, b) => a - b),
    90,
  ),
});

function limitsOf(fn: string): { concurrency: number; timeoutMs: number } {
  try {
    return knativeLimits(
      parse(readFileSync(join(REPO_ROOT, 'manifests', 'functions', `${fn}.yaml`), 'utf8')),
    );
  } catch {
    return { concurrency: 0, timeoutMs: 300_000 };
  }
}

/** Starts one process of the bundle as the image runs it; resolves once it answers /healthz. */
async function startBundle(fn: string, file: string, kubeconfig: string, log: string): Promise<Instance> {
  const p = await spawnNode({
    name: fn,
    file,
    kubeconfig,
    log,
    compileCache: compileCacheOf(file),
    watchdog: false,
  });
  const exited = new Promise<unknown>((r) => {
    if (p.child.exitCode !== null || p.child.signalCode !== null) r(p.child.exitCode);
    else p.child.once('exit', r);
  });
  const deadline = performance.now() + 20_000;
  while (true) {
    if (p.child.exitCode !== null)
      throw new Error(`${fn} exited with ${p.child.exitCode}; see ${log}.stderr`);
    const r = await send(p.port, 'GET', '/healthz').catch(() => undefined);
    if (r && r.status < 300) break;
    if (performance.now() > deadline) {
      await p.stop();
      throw new Error(`${fn} did not answer /healthz within 20 s`);
    }
    await new Promise((res) => setTimeout(res, POLL_MS));
  }
  return {
    url: p.url,
    pid: p.pid,
    exited,
    stop: () => p.stop(),
    kill: async () => {
      if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill('SIGKILL');
      await exited;
    },
  };
}

const ok = (s: number) => s >= 200 && s < 300;

interface Measured {
  /** One cycle: a request at zero, warm ones, then idle until the activator has scaled the function down. */
  cycle(record: boolean): Promise<void>;
  result(): ActivatorFnResult;
  close(): Promise<void>;
}

async function measured(fn: string, file: string, kubeconfig: string, logDir: string): Promise<Measured> {
  const log = join(logDir, `activator-${fn}.log`);
  const limits = limitsOf(fn);
  let downAt = 0;
  const act = await startActivator({
    name: fn,
    idleMs: IDLE_MS,
    ...limits,
    start: () => startBundle(fn, file, kubeconfig, log),
    say: (m) => {
      if (m.includes('1 → 0')) downAt = performance.now();
    },
  });
  const port = Number(new URL(act.url).port);
  const cold: number[] = [];
  const warm: number[] = [];
  const direct: number[] = [];
  const stop: number[] = [];
  let non2xx = 0;
  let notCold = 0;
  const timed = async (req: () => Promise<{ status: number }>) => {
    const t = performance.now();
    const r = await req();
    if (!ok(r.status)) non2xx++;
    return performance.now() - t;
  };
  const cycle = async (record: boolean) => {
    if (act.instance()) throw new Error(`${fn}: not at zero before a cold sample`);
    const starts = act.stats.coldStarts;
    const downs = act.stats.scaleDowns;
    const c = await timed(() => ping(port));
    if (act.stats.coldStarts !== starts + 1) notCold++;
    const w: number[] = [];
    const d: number[] = [];
    for (let i = 0; i < WARM_PER_CYCLE; i++) {
      w.push(await timed(() => ping(port)));
      // Straight to the process: what the activator adds to a warm request. Its idle timer is armed
      // meanwhile, so a direct request must not outlast the window (it is a few ms against 500).
      const inst = act.instance();
      if (inst) d.push(await timed(() => ping(Number(new URL(inst.url).port))));
    }
    // The last request through the activator re-arms its idle timer.
    w.push(await timed(() => ping(port)));
    const lastAnswer = performance.now();
    const deadline = lastAnswer + IDLE_MS + 20_000;
    while (act.stats.scaleDowns === downs || act.instance()) {
      if (performance.now() > deadline) throw new Error(`${fn}: not scaled to zero ${IDLE_MS} ms after idle`);
      await new Promise((r) => setTimeout(r, POLL_MS));
    }
    if (!record) return;
    cold.push(c);
    warm.push(...w);
    direct.push(...d);
    stop.push(Math.max(0, downAt - lastAnswer - IDLE_MS));
  };
  let coldSkip = 0;
  const result = (): ActivatorFnResult => {
    const coldLogged = readFileSync(log, 'utf8')
      .split('\n')
      .filter((l) => l.includes('"event handled"') && l.includes('"cold":true')).length;
    return {
      fn,
      ...limits,
      cold: latency(cold),
      coldStart: latency(act.stats.coldStartMs.slice(coldSkip)),
      warm: latency(warm),
      direct: latency(direct),
      stop: latency(stop),
      non2xx,
      notCold,
      coldStarts: act.stats.coldStarts,
      coldLogged,
    };
  };
  return {
    cycle: async (record) => {
      await cycle(record);
      if (!record) coldSkip = act.stats.coldStartMs.length;
    },
    result,
    close: () => act.close(),
  };
}

/**
 * The share of an hour with no process, for pings on `schedule` when nothing else arrives: simulated
 * over a day of the schedule's ticks. A ping at zero keeps the process for busyColdMs + idleMs; one that
 * finds it up (a tick within the window) keeps it warmMs + idleMs past the ping.
 */
export function zeroShare(
  schedule: string | undefined,
  busyColdMs: number,
  warmMs: number,
  idleMs: number,
): { share: number; pingsPerHour: number; scaleDownsPerHour: number } {
  if (!schedule) return { share: 1, pingsPerHour: 0, scaleDownsPerHour: 0 };
  const cron = parseCron(schedule);
  const day = 24 * 3600_000;
  // From a UTC midnight, with an hour of ticks before it so the day starts in the steady state.
  const from = Date.UTC(2026, 0, 5);
  const to = from + day;
  let upUntil = Number.NEGATIVE_INFINITY;
  let zero = 0;
  let pings = 0;
  let downs = 0;
  for (
    let t = cron.next(new Date(from - 3600_000 - 1)).getTime();
    t < to;
    t = cron.next(new Date(t)).getTime()
  ) {
    if (t >= upUntil) {
      // At zero until this ping (counted inside the day only).
      if (Number.isFinite(upUntil)) {
        zero += Math.max(0, Math.min(t, to) - Math.max(upUntil, from));
        if (upUntil >= from) downs++;
      }
      upUntil = t + busyColdMs + idleMs;
    } else upUntil = Math.max(upUntil, t + warmMs + idleMs);
    if (t >= from) pings++;
  }
  if (upUntil < to) {
    zero += to - Math.max(upUntil, from);
    if (upUntil >= from) downs++;
  }
  return { share: zero / day, pingsPerHour: pings / 24, scaleDownsPerHour: downs / 24 };
}

/** Pings an hour on a cron schedule (averaged over a day). */
export const pingsPerHour = (schedule: string) => zeroShare(schedule, 0, 0, 0).pingsPerHour;

/** Each function's PingSource schedule in eventing/. */
export function pingSchedules(): Record<string, string> {
  return Object.fromEntries(
    readEventing(join(REPO_ROOT, 'eventing')).pings.map((p) => [p.target, p.schedule]),
  );
}

export async function activatorBench(opts: {
  bundles: Record<string, string>;
  kubeconfig: (fn: string) => Promise<string>;
  logDir: string;
  samples: number;
  say: (m: string) => void;
}): Promise<ActivatorResult> {
  const all: Measured[] = [];
  const functions: ActivatorFnResult[] = [];
  try {
    for (const [fn, file] of Object.entries(opts.bundles))
      all.push(await measured(fn, file, await opts.kubeconfig(fn), opts.logDir));
    // One unrecorded cycle each: the first spawn pays for the page cache, not for the function. Then
    // rounds across the functions, so background noise spreads evenly over them (as bench/measure/cold-start.ts);
    // a cycle ends with its process gone, so a stop never overlaps another function's cold start.
    for (const m of all) await m.cycle(false);
    for (let i = 0; i < opts.samples; i++) for (const m of all) await m.cycle(true);
    functions.push(...all.map((m) => m.result()));
  } finally {
    await Promise.all(all.map((m) => m.close()));
  }
  for (const f of functions) {
    opts.say(
      `activator ${f.fn}: at zero p50 ${Math.round(f.cold.p50)} ms / p90 ${Math.round(f.cold.p90)} ms, warm p50 ` +
        `${Math.round(f.warm.p50)} ms / p90 ${Math.round(f.warm.p90)} ms (direct ${Math.round(f.direct.p50)} ms), ` +
        `stop ${Math.round(f.stop.p50)} ms; ${f.non2xx} non-2xx, ${f.notCold} not cold, ${f.coldLogged}/${f.coldStarts} logged cold`,
    );
  }
  const { pings } = readEventing(join(REPO_ROOT, 'eventing'));
  const atZero = functions.map((f): AtZero => {
    const schedule = pings.find((p) => p.target === f.fn)?.schedule;
    const busyMs = f.cold.p50 + f.stop.p50;
    const z = zeroShare(schedule, busyMs, f.warm.p50, SHIPPED_IDLE_MS);
    opts.say(
      `${f.fn} at zero ${(100 * z.share).toFixed(1)}% of an hour (computed: ping "${schedule ?? 'none'}", ` +
        `busy ${Math.round(busyMs)} ms + ${SHIPPED_IDLE_MS / 1000} s idle)`,
    );
    return { fn: f.fn, ...(schedule ? { schedule } : {}), busyMs, idleMs: SHIPPED_IDLE_MS, ...z };
  });
  return {
    idleMs: IDLE_MS,
    samples: opts.samples,
    warmPerCycle: WARM_PER_CYCLE + 1,
    functions,
    shippedIdleMs: SHIPPED_IDLE_MS,
    atZero,
  };
}
