// Benchmark 3, cold start: spawn → first CloudEvent answered (a PingSource event POSTed until the
// first 2xx), and RSS right after, for each function bundle as its image runs it (its ServiceAccount's
// token, its compile cache); bare `node -e 0` in the same run is the floor. One function is also
// started without the compile cache, so each run shows what the cache saves. Starts are interleaved
// across functions so background noise spreads evenly over them.
import { spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { compileCacheOf } from '../harness/bundles';
import { memory, ping, spawnNode } from '../harness/proc';
import { type Summary, summarize } from '../harness/stats';

export interface ColdStartResult {
  fn: string;
  /** Started with its compile cache, as the image does (absent in runs before the cache existed: no). */
  compileCache?: boolean;
  /** spawn → first 2xx, ms */
  total: Summary;
  /** spawn → the server accepted a connection (boot, module evaluation, kubeconfig), ms */
  listen: Summary;
  /** that first event's handling (TLS handshake, the resync's lists), ms */
  firstEvent: Summary;
  rssKiB: Summary;
}

const POLL_MS = 5;

interface Variant {
  fn: string;
  file: string;
  kubeconfig: string;
  compileCache: boolean;
}

async function oneStart(v: Variant, logDir: string) {
  const fn = v.fn;
  const p = await spawnNode({
    name: fn,
    file: v.file,
    kubeconfig: v.kubeconfig,
    log: join(logDir, `cold-${fn}${v.compileCache ? '' : '-nocache'}.log`),
    ...(v.compileCache ? { compileCache: compileCacheOf(v.file) } : {}),
    // As in the image: nothing preloaded.
    watchdog: false,
  });
  try {
    while (true) {
      if (p.child.exitCode !== null) throw new Error(`${fn} exited during cold start; see ${p.log}.stderr`);
      const sentAt = performance.now();
      const r = await ping(p.port).catch(() => undefined);
      if (r && r.status >= 200 && r.status < 300) {
        const doneAt = performance.now();
        const { rssKiB } = memory(p.pid);
        return {
          total: doneAt - p.spawnedAt,
          listen: sentAt - p.spawnedAt,
          firstEvent: doneAt - sentAt,
          rssKiB,
        };
      }
      if (performance.now() - p.spawnedAt > 20_000)
        throw new Error(`${fn}: no 2xx within 20 s (last ${r?.status})`);
      await new Promise((res) => setTimeout(res, POLL_MS));
    }
  } finally {
    await p.stop();
  }
}

function runToExit(args: string[], env?: Record<string, string>): Promise<{ ms: number; stdout: string }> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const c = spawn(process.execPath, args, {
      stdio: ['ignore', 'pipe', 'inherit'],
      ...(env ? { env: { PATH: process.env.PATH, ...env } } : {}),
    });
    let stdout = '';
    c.stdout.on('data', (d: Buffer) => {
      stdout += d;
    });
    c.on('error', reject);
    c.on('exit', () => resolve({ ms: performance.now() - t0, stdout }));
  });
}

export async function coldStarts(opts: {
  bundles: Record<string, string>;
  /** The function's ServiceAccount kubeconfig. */
  kubeconfig: (fn: string) => Promise<string>;
  logDir: string;
  starts: number;
  say: (m: string) => void;
}): Promise<{ functions: ColdStartResult[]; node: { total: Summary; rssKiB: number } }> {
  mkdirSync(opts.logDir, { recursive: true });
  const fns = Object.keys(opts.bundles);
  const variants: Variant[] = [];
  for (const fn of fns)
    variants.push({ fn, file: opts.bundles[fn]!, kubeconfig: await opts.kubeconfig(fn), compileCache: true });
  // The control: the same bundle compiled at start, as without the image's cache.
  const control = fns.includes('reconcile') ? 'reconcile' : fns[0];
  if (control) variants.push({ ...variants.find((v) => v.fn === control)!, compileCache: false });
  const samples = new Map(variants.map((v) => [v, [] as Awaited<ReturnType<typeof oneStart>>[]]));
  const bare: number[] = [];
  const bareRss: number[] = [];
  // The floor gets the functions' environment (PATH only), not the bench's own.
  const floor = (code: string) => runToExit(['-e', code], {});
  // One warm-up round: the first spawn pays for the page cache, not for the function.
  await floor('0');
  for (const v of variants) await oneStart(v, opts.logDir);
  for (let i = 0; i < opts.starts; i++) {
    bare.push((await floor('0')).ms);
    // Its RSS as the functions' is read: the current RSS, here once node is up (KiB).
    bareRss.push(
      Number((await floor('process.stdout.write(String(process.memoryUsage().rss / 1024))')).stdout),
    );
    for (const v of variants) samples.get(v)!.push(await oneStart(v, opts.logDir));
  }
  const node = { total: summarize(bare), rssKiB: summarize(bareRss).p50 };
  const functions = variants.map((v) => {
    const s = samples.get(v)!;
    return {
      fn: v.fn,
      compileCache: v.compileCache,
      total: summarize(s.map((x) => x.total)),
      listen: summarize(s.map((x) => x.listen)),
      firstEvent: summarize(s.map((x) => x.firstEvent)),
      rssKiB: summarize(s.map((x) => x.rssKiB)),
    };
  });
  for (const f of functions)
    opts.say(
      `cold start ${f.fn}${f.compileCache ? '' : ' (no compile cache)'}: p50 ${Math.round(f.total.p50)} ms ` +
        `(${(f.total.p50 / node.total.p50).toFixed(2)}× node -e 0), RSS ${(f.rssKiB.p50 / 1024).toFixed(1)} MiB ` +
        `(${(f.rssKiB.p50 / node.rssKiB).toFixed(2)}× node)`,
    );
  return { functions, node };
}

export { runToExit };
