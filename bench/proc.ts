// Process plumbing for the bench: spawn a function bundle the way its Knative Service runs it (`node
// dist/<fn>.mjs`, configured by the environment), read its memory from /proc, stop exactly that pid.
import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { freePort } from '../localcluster/process';

export const OPERATOR_NAMESPACE = 'gpss-operator-system';
export const fnUser = (fn: string) => `system:serviceaccount:${OPERATOR_NAMESPACE}:gpss-${fn}`;

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
  kubeconfig: string;
  log: string;
  port?: number;
  /** Act as the function's ServiceAccount, so its RBAC applies as on a real cluster. */
  impersonate?: string;
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
  const child = spawn(process.execPath, [o.file], {
    stdio: ['ignore', out, out],
    env: {
      PATH: process.env.PATH,
      // The function exits with the bench if the bench dies without cleaning up (lib/main.ts).
      RUNNER_PID: String(process.pid),
      PORT: String(port),
      HOST: '127.0.0.1',
      KUBECONFIG: o.kubeconfig,
      LOG_FILE: o.log,
      LOG_LEVEL: 'info',
      ...(o.impersonate ? { IMPERSONATE_USER: o.impersonate } : {}),
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
