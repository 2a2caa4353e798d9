// Benchmark 3, cold start: spawn → first CloudEvent answered (a PingSource event POSTed until the
// first 2xx), and RSS right after, for each function bundle; bare `node -e 0` in the same run is the
// floor. Starts are interleaved across functions so background noise spreads evenly over them.
import { spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fnUser, memory, ping, spawnNode } from './proc';
import { type Summary, summarize } from './stats';

export interface ColdStartResult {
  fn: string;
  /** spawn → first 2xx, ms */
  total: Summary;
  /** spawn → the server accepted a connection (boot, module evaluation, kubeconfig), ms */
  listen: Summary;
  /** that first event's handling (TLS handshake, the resync's lists), ms */
  firstEvent: Summary;
  rssKiB: Summary;
}

const POLL_MS = 5;

async function oneStart(fn: string, file: string, kubeconfig: string, logDir: string) {
  const p = await spawnNode({
    name: fn,
    file,
    kubeconfig,
    log: join(logDir, `cold-${fn}.log`),
    impersonate: fnUser(fn),
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
  kubeconfig: string;
  logDir: string;
  starts: number;
  say: (m: string) => void;
}): Promise<{ functions: ColdStartResult[]; node: { total: Summary; rssKiB: number } }> {
  mkdirSync(opts.logDir, { recursive: true });
  const fns = Object.keys(opts.bundles);
  const samples = new Map(fns.map((f) => [f, [] as Awaited<ReturnType<typeof oneStart>>[]]));
  const bare: number[] = [];
  // One warm-up round: the first spawn pays for the page cache, not for the function.
  await runToExit(['-e', '0']);
  for (const fn of fns) await oneStart(fn, opts.bundles[fn]!, opts.kubeconfig, opts.logDir);
  for (let i = 0; i < opts.starts; i++) {
    bare.push((await runToExit(['-e', '0'])).ms);
    for (const fn of fns)
      samples.get(fn)!.push(await oneStart(fn, opts.bundles[fn]!, opts.kubeconfig, opts.logDir));
  }
  const rss = await runToExit(['-e', 'process.stdout.write(String(process.resourceUsage().maxRSS))']);
  const functions = fns.map((fn) => {
    const s = samples.get(fn)!;
    return {
      fn,
      total: summarize(s.map((x) => x.total)),
      listen: summarize(s.map((x) => x.listen)),
      firstEvent: summarize(s.map((x) => x.firstEvent)),
      rssKiB: summarize(s.map((x) => x.rssKiB)),
    };
  });
  for (const f of functions)
    opts.say(
      `cold start ${f.fn}: p50 ${Math.round(f.total.p50)} ms, RSS ${(f.rssKiB.p50 / 1024).toFixed(1)} MiB`,
    );
  return { functions, node: { total: summarize(bare), rssKiB: Number(rss.stdout) } };
}

export { runToExit };
