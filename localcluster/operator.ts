// The operator run locally the way it runs on Knative: each function as its own HTTP server on
// loopback (acting as its ServiceAccount, so RBAC applies), one real ApiServerSource adapter per
// source in eventing/, and the PingSource schedules fired against the functions.
import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { closeSync, existsSync, mkdirSync, openSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { loadKubeConfig } from '../lib/k8s/kubeconfig';
import { type RunningAdapter, startAdapter } from './adapter';
import { REPO_ROOT } from './config';
import { parseCron } from './cron';
import { type LocalPing, readEventing } from './eventing';
import { kubectl } from './kubectl';
import { delay, freePort } from './process';
import { serviceAccountKubeconfig } from './service-account-kubeconfig';

export const OPERATOR_NAMESPACE = 'gpss-operator-system';

export interface OperatorOptions {
  kubeconfig: string;
  binDir: string;
  logDir: string;
  eventingDir?: string;
  /** Which functions to run; default every functions/<name>/main.ts. */
  functions?: string[];
  /** Where a source or ping delivers for a function (tests put a fault-injecting proxy here). */
  sinkFor?: (fn: string, url: string) => string;
  /** Test-only: fire every ping this often instead of on its cron schedule (cron's unit is a minute). */
  pingIntervalMs?: number;
  logLevel?: string;
  say?: (msg: string) => void;
}

export interface FunctionProcess {
  name: string;
  url: string;
  port: number;
  child: ChildProcess;
  log: string;
}

export interface RunningOperator {
  functions: Map<string, FunctionProcess>;
  adapters: Map<string, RunningAdapter>;
  /** Sends a resync ping to one function now, as its PingSource would. */
  ping(fn: string): Promise<number>;
  killFunction(fn: string): Promise<void>;
  startFunction(fn: string): Promise<FunctionProcess>;
  restartAdapter(name: string): Promise<void>;
  stop(): Promise<void>;
}

export function availableFunctions(): string[] {
  const dir = join(REPO_ROOT, 'functions');
  return readdirSync(dir)
    .filter((f) => existsSync(join(dir, f, 'main.ts')))
    .sort();
}

/** CRD, namespace and RBAC: what the functions and sources need before they start. */
export async function installOperatorManifests(binDir: string, kubeconfig: string): Promise<void> {
  for (const f of ['manifests/namespace.yaml', 'manifests/crd', 'manifests/rbac']) {
    const r = await kubectl(binDir, kubeconfig, [
      'apply',
      '--server-side',
      '--force-conflicts',
      '-f',
      join(REPO_ROOT, f),
    ]);
    if (r.code !== 0) throw new Error(`applying ${f}: ${r.stderr.trim()}`);
  }
  const r = await kubectl(binDir, kubeconfig, [
    'wait',
    '--for=condition=Established',
    '--timeout=30s',
    'crd/gpssclusters.gpss.gpdb.io',
  ]);
  if (r.code !== 0) throw new Error(`GpssCluster CRD not established: ${r.stderr.trim()}`);
}

const children = new Set<ChildProcess>();
process.on('exit', () => {
  for (const c of children) c.kill('SIGKILL');
});

/** The kubeconfig a function or adapter runs with: a fresh token of its own ServiceAccount. */
function accountKubeconfig(o: OperatorOptions, sa: { namespace: string; name: string }): Promise<string> {
  return serviceAccountKubeconfig(
    loadKubeConfig({ KUBECONFIG: o.kubeconfig }),
    sa,
    join(o.logDir, '..', 'run'),
  );
}

async function spawnFunction(o: OperatorOptions, name: string, reuse?: number): Promise<FunctionProcess> {
  const port = reuse ?? (await freePort());
  const kubeconfig = await accountKubeconfig(o, { namespace: OPERATOR_NAMESPACE, name: `gpss-${name}` });
  const log = join(o.logDir, `${name}.log`);
  const out = openSync(join(o.logDir, `${name}.stderr.log`), 'a');
  const watchdog = join(REPO_ROOT, 'localcluster', 'runner-watchdog.ts');
  const entry = join(REPO_ROOT, 'functions', name, 'main.ts');
  const child = spawn(process.execPath, ['--import', 'tsx', '--import', watchdog, entry], {
    stdio: ['ignore', out, out],
    env: {
      PATH: process.env.PATH,
      RUNNER_PID: String(process.pid),
      PORT: String(port),
      HOST: '127.0.0.1',
      KUBECONFIG: kubeconfig,
      LOG_FILE: log,
      LOG_LEVEL: o.logLevel ?? 'info',
    },
  });
  closeSync(out);
  children.add(child);
  child.on('exit', () => children.delete(child));
  const url = `http://127.0.0.1:${port}/`;
  const deadline = Date.now() + 20_000;
  while (true) {
    if (child.exitCode !== null)
      throw new Error(`function ${name} exited with ${child.exitCode}; see ${o.logDir}/${name}.stderr.log`);
    try {
      if ((await fetch(`${url}healthz`, { signal: AbortSignal.timeout(500) })).ok) break;
    } catch {}
    if (Date.now() > deadline) throw new Error(`function ${name} did not answer /healthz within 20 s`);
    await delay(50);
  }
  return { name, url, port, child, log };
}

/** Delivers like the PingSource dispatcher: binary mode, 5 retries with exponential backoff from 50 ms. */
async function sendPing(p: LocalPing, url: string): Promise<number> {
  let status = 0;
  for (let attempt = 0; attempt <= 5; attempt++) {
    try {
      const res = await fetch(url, {
        method: 'POST',
        headers: {
          'ce-specversion': '1.0',
          'ce-id': randomUUID(),
          'ce-type': 'dev.knative.sources.ping',
          'ce-source': `/apis/v1/namespaces/${p.namespace}/pingsources/${p.name}`,
          'ce-time': new Date().toISOString(),
          'content-type': p.contentType,
        },
        body: p.data,
        signal: AbortSignal.timeout(120_000),
      });
      status = res.status;
      await res.arrayBuffer();
      if (status < 300) return status;
    } catch {
      status = 0;
    }
    await delay(50 * 2 ** attempt);
  }
  return status;
}

export async function startOperator(o: OperatorOptions): Promise<RunningOperator> {
  const say = o.say ?? (() => {});
  mkdirSync(o.logDir, { recursive: true });
  const { sources, pings } = readEventing(o.eventingDir ?? join(REPO_ROOT, 'eventing'));
  const fns = o.functions ?? availableFunctions();
  const functions = new Map<string, FunctionProcess>();
  const adapters = new Map<string, RunningAdapter>();
  const timers: NodeJS.Timeout[] = [];
  const sink = (fn: string) => {
    const f = functions.get(fn);
    if (!f) throw new Error(`no function ${fn}`);
    return o.sinkFor ? o.sinkFor(fn, f.url) : f.url;
  };
  // A stopped function keeps its port reserved in the sink URL, so a restart reuses the same sink.
  const startFn = async (fn: string) => {
    const p = await spawnFunction(o, fn, functions.get(fn)?.port);
    functions.set(fn, p);
    say(`function ${fn} listening on ${p.url} (log ${p.log})`);
    return p;
  };
  const startSource = async (name: string) => {
    const s = sources.find((x) => x.name === name)!;
    const a = startAdapter({
      name: s.name,
      namespace: s.namespace,
      binDir: o.binDir,
      kubeconfig: s.serviceAccount ? await accountKubeconfig(o, s.serviceAccount) : o.kubeconfig,
      sink: sink(s.target),
      config: s.config,
      logFile: join(o.logDir, `adapter-${s.name}.log`),
    });
    adapters.set(s.name, a);
    return a;
  };

  const running: RunningOperator = {
    functions,
    adapters,
    ping: async (fn) => {
      const p = pings.find((x) => x.target === fn);
      if (!p) throw new Error(`no PingSource targets ${fn}`);
      return sendPing(p, sink(fn));
    },
    killFunction: async (fn) => {
      const f = functions.get(fn);
      if (!f || f.child.exitCode !== null) return;
      const exited = new Promise((r) => f.child.once('exit', r));
      f.child.kill('SIGKILL');
      await exited;
    },
    startFunction: startFn,
    restartAdapter: async (name) => {
      await adapters.get(name)?.stop();
      await startSource(name);
    },
    stop: async () => {
      for (const t of timers) clearTimeout(t);
      await Promise.all([...adapters.values()].map((a) => a.stop()));
      for (const f of functions.values()) {
        if (f.child.exitCode === null) {
          const exited = new Promise((r) => f.child.once('exit', r));
          f.child.kill('SIGTERM');
          await exited;
        }
      }
    },
  };

  try {
    for (const fn of fns) await startFn(fn);
    for (const s of sources.filter((x) => fns.includes(x.target))) {
      await startSource(s.name);
      say(
        `source ${s.name} → ${s.target} (${s.config.resources.map((r) => r.gvr.Resource).join(', ')}) as ${s.serviceAccount?.name}`,
      );
    }
    for (const p of pings.filter((x) => fns.includes(x.target))) {
      const cron = parseCron(p.schedule);
      const arm = () => {
        const wait = o.pingIntervalMs ?? cron.next(new Date()).getTime() - Date.now();
        const t = setTimeout(async () => {
          await sendPing(p, sink(p.target)).catch(() => 0);
          arm();
        }, wait);
        t.unref();
        timers.push(t);
      };
      arm();
      say(
        `ping ${p.name} → ${p.target} on "${o.pingIntervalMs ? `every ${o.pingIntervalMs} ms (test override)` : p.schedule}"`,
      );
    }
  } catch (err) {
    await running.stop();
    throw err;
  }
  return running;
}
