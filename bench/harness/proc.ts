// Process plumbing for the bench: spawn a function bundle the way its Knative Service runs it (`node
// dist/<fn>.mjs`, configured by the environment, as its ServiceAccount through a kubeconfig with the
// account's token, with the image's compile cache), read its memory from /proc, stop exactly that pid.
import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { REPO_ROOT } from '../../localcluster/config';
import { OPERATOR_NAMESPACE } from '../../localcluster/operator';
import { freePort } from '../../localcluster/process';

export { OPERATOR_NAMESPACE };
/** A function's ServiceAccount, and the user name its token authenticates as (the audit log's user). */
export const fnAccount = (fn: string) => ({ namespace: OPERATOR_NAMESPACE, name: `gpss-${fn}` });
export const fnUser = (fn: string) => `system:serviceaccount:${OPERATOR_NAMESPACE}:gpss-${fn}`;

/** Preloaded by long-lived bench processes: they exit with the bench even if it dies uncleanly. */
const WATCHDOG = join(REPO_ROOT, 'localcluster', 'runner-watchdog.ts');

export interface Spawned {
  name: string;
  child: ChildProcess;
  pid: number;
  port: number;
  url: string;
  log: string;
  /** performance.now() just before spawn(). */
  spawnedAt: number;
  stop(): Promise<void>;
}

export interface SpawnOptions {
  name: string;
  /** The .mjs to run. */
  file: string;
  /** A ServiceAccount's kubeconfig (BenchCluster.accountKubeconfig), so its RBAC applies as in a cluster. */
  kubeconfig: string;
  log: string;
  port?: number;
  /** NODE_COMPILE_CACHE, as the image sets it (bench/harness/bundles.ts makes one per bundle). */
  compileCache?: string;
  /**
   * Preload localcluster/runner-watchdog.ts (default true). Cold starts go without: the preload is
   * not in the image and would be measured; those processes live for a second and are killed anyway.
   */
  watchdog?: boolean;
  env?: Record<string, string>;
}

const children = new Set<ChildProcess>();
process.on('exit', () => {
  for (const c of children) c.kill('SIGKILL');
});

export async function spawnNode(o: SpawnOptions): Promise<Spawned> {
  const port = o.port ?? (await freePort());
  const out = openSync(`${o.log}.stderr`, 'a');
  const spawnedAt = performance.now();
  const watchdog = o.watchdog ?? true;
  const child = spawn(process.execPath, [...(watchdog ? ['--import', WATCHDOG] : []), o.file], {
    stdio: ['ignore', out, out],
    env: {
      PATH: process.env.PATH,
      // With the watchdog: the process exits with the bench if the bench dies without cleaning up.
      ...(watchdog ? { RUNNER_PID: String(process.pid) } : {}),
      PORT: String(port),
      HOST: '127.0.0.1',
      KUBECONFIG: o.kubeconfig,
      LOG_FILE: o.log,
      LOG_LEVEL: 'info',
      // Profiling under the bench's load (bench/README.md); the bench's own NODE_OPTIONS are not passed on.
      ...(process.env.GPSS_FN_NODE_OPTIONS ? { NODE_OPTIONS: process.env.GPSS_FN_NODE_OPTIONS } : {}),
      ...(o.compileCache ? { NODE_COMPILE_CACHE: o.compileCache } : {}),
      ...o.env,
    },
  });
  closeSync(out);
  if (child.pid === undefined) throw new Error(`${o.name}: spawn failed`);
  children.add(child);
  const exited = new Promise<void>((r) =>
    child.once('exit', () => {
      children.delete(child);
      r();
    }),
  );
  return {
    name: o.name,
    child,
    pid: child.pid,
    port,
    url: `http://127.0.0.1:${port}/`,
    log: o.log,
    spawnedAt,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** Polls GET /healthz until the process answers; fails at once if it exits. */
export async function awaitHealthy(p: Spawned, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (true) {
    if (p.child.exitCode !== null)
      throw new Error(`${p.name} exited with ${p.child.exitCode}; see ${p.log}.stderr`);
    const r = await send(p.port, 'GET', '/healthz').catch(() => undefined);
    if (r && r.status < 300) return;
    if (Date.now() > deadline) throw new Error(`${p.name} did not answer /healthz within ${timeoutMs} ms`);
    await new Promise((res) => setTimeout(res, 20));
  }
}

export interface Answer {
  status: number;
  body: string;
}

/** One HTTP request on a fresh connection (no keep-alive, so a refused connect fails fast). */
export function send(
  port: number,
  method: string,
  path: string,
  headers: Record<string, string> = {},
  body?: string,
  agent?: import('node:http').Agent,
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(
      { host: '127.0.0.1', port, method, path, headers, agent: agent ?? false, timeout: 300_000 },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => {
          text += d;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
      },
    );
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end(body);
  });
}

let pingSeq = 0;
/** A PingSource CloudEvent in binary mode, as the PingSource dispatcher sends it. */
export function pingHeaders(): Record<string, string> {
  return {
    'ce-specversion': '1.0',
    'ce-id': `bench-ping-${process.pid}-${++pingSeq}`,
    'ce-type': 'dev.knative.sources.ping',
    'ce-source': `/apis/v1/namespaces/${OPERATOR_NAMESPACE}/pingsources/bench`,
    'content-type': 'application/json',
  };
}
export const PING_BODY = '{"resync":"all"}';

export function ping(port: number, agent?: import('node:http').Agent): Promise<Answer> {
  return send(port, 'POST', '/', pingHeaders(), PING_BODY, agent);
}

/** VmRSS and VmHWM (peak) in KiB, from /proc/<pid>/status. */
export function memory(pid: number): { rssKiB: number; hwmKiB: number } {
  const s = readFileSync(`/proc/${pid}/status`, 'utf8');
  const field = (k: string) => Number(new RegExp(`^${k}:\\s+(\\d+) kB`, 'm').exec(s)?.[1] ?? Number.NaN);
  return { rssKiB: field('VmRSS'), hwmKiB: field('VmHWM') };
}

/** Resets VmHWM to the current RSS, so a later read is the peak of what happened in between. */
export function resetPeak(pid: number): void {
  writeFileSync(`/proc/${pid}/clear_refs`, '5');
}
