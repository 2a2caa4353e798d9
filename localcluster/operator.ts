// The operator run locally the way it runs on Knative: each function behind an activator that
// starts it on the first event and stops it when idle (scale to zero), as its own HTTP server on
// loopback acting as its ServiceAccount (so RBAC applies); one real ApiServerSource adapter per
// source in eventing/, and the PingSource schedules fired at the activators.
import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { closeSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { parse } from 'yaml';
import { bundleFunction } from '../build/bundle';
import { loadKubeConfig } from '../lib/k8s/kubeconfig';
import { type Activator, type Instance, knativeLimits, startActivator } from './activator';
import { type RunningAdapter, startAdapter } from './adapter';
import { REPO_ROOT } from './config';
import { parseCron } from './cron';
import { type LocalPing, readEventing } from './eventing';
import { kubectl } from './kubectl';
import { delay, freePort } from './process';
import { serviceAccountKubeconfig } from './service-account-kubeconfig';
import { awaitWatchable } from './watchable';

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
  /**
   * Test-only: fire every ping this often instead of on its cron schedule (cron's unit is a minute);
   * Infinity fires none (resync off: a test drives pings itself with `ping`, or proves events alone).
   */
  pingIntervalMs?: number;
  logLevel?: string;
  /**
   * Scale to zero: a function stops after this long without a request and starts again on the next
   * one. Default 60 s (Knative's stable window); Infinity keeps every function running.
   */
  idleMs?: number;
  /** Send every PingSource's event once at start; default true. */
  initialResync?: boolean;
  say?: (msg: string) => void;
}

export interface FunctionProcess {
  name: string;
  url: string;
  port: number;
  child: ChildProcess;
  log: string;
}

/** A function as the event sources see it: its activator, and the process when one runs. */
export interface LocalFunction {
  name: string;
  /** Where sources and pings deliver: the activator. */
  url: string;
  /** The function's JSON log; every process of it appends to the same file. */
  log: string;
  activator: Activator;
}

export interface RunningOperator {
  functions: Map<string, LocalFunction>;
  adapters: Map<string, RunningAdapter>;
  /** Sends a resync ping to one function now, as its PingSource would. */
  ping(fn: string): Promise<number>;
  /** Kills the function's running process abruptly (a crash); the next event starts a new one. */
  killFunction(fn: string): Promise<void>;
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

/** Tokens are minted for 24 h; a process started later than this after minting gets a new one. */
const TOKEN_REUSE_MS = 12 * 3600_000;
const minted = new Map<string, { path: string; at: number }>();

/** The kubeconfig a function or adapter runs with: a token of its own ServiceAccount (TokenRequest). */
async function accountKubeconfig(
  o: OperatorOptions,
  sa: { namespace: string; name: string },
): Promise<string> {
  const dir = join(o.logDir, '..', 'run');
  const key = `${dir}|${sa.namespace}/${sa.name}`;
  const had = minted.get(key);
  if (had && Date.now() - had.at < TOKEN_REUSE_MS) return had.path;
  const path = await serviceAccountKubeconfig(loadKubeConfig({ KUBECONFIG: o.kubeconfig }), sa, dir);
  minted.set(key, { path, at: Date.now() });
  return path;
}

/**
 * Starts one process of a function: its production bundle (dist/<fn>.mjs, built when the operator
 * starts) on plain node with a compile cache, as the image runs it, so a local cold start costs what
 * a Knative one does; the watchdog preload ends it with the runner.
 */
async function spawnFunction(o: OperatorOptions, name: string, bundle: string): Promise<FunctionProcess> {
  const port = await freePort();
  const kubeconfig = await accountKubeconfig(o, { namespace: OPERATOR_NAMESPACE, name: `gpss-${name}` });
  const log = join(o.logDir, `${name}.log`);
  const out = openSync(join(o.logDir, `${name}.stderr.log`), 'a');
  const watchdog = join(REPO_ROOT, 'localcluster', 'runner-watchdog.ts');
  const child = spawn(process.execPath, ['--import', watchdog, bundle], {
    stdio: ['ignore', out, out],
    env: {
      PATH: process.env.PATH,
      RUNNER_PID: String(process.pid),
      PORT: String(port),
      HOST: '127.0.0.1',
      KUBECONFIG: kubeconfig,
      LOG_FILE: log,
      LOG_LEVEL: o.logLevel ?? 'info',
      NODE_COMPILE_CACHE: join(dirname(bundle), 'compile-cache'),
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
  const t0 = Date.now();
  const built = await Promise.all(fns.map((fn) => bundleFunction(fn, { outDir: join(o.logDir, 'dist') })));
  const bundles = new Map(built.map((b) => [b.name, b.file]));
  say(
    `bundled ${fns.join(', ')} in ${Date.now() - t0} ms (the functions run as the bundles the images ship)`,
  );
  const functions = new Map<string, LocalFunction>();
  const adapters = new Map<string, RunningAdapter>();
  const timers: NodeJS.Timeout[] = [];
  const sink = (fn: string) => {
    const f = functions.get(fn);
    if (!f) throw new Error(`no function ${fn}`);
    return o.sinkFor ? o.sinkFor(fn, f.url) : f.url;
  };
  const startFn = async (fn: string) => {
    const activator = await startActivator({
      name: fn,
      idleMs: o.idleMs ?? DEFAULT_IDLE_MS,
      ...limitsOf(fn),
      start: async () => instanceOf(await spawnFunction(o, fn, bundles.get(fn)!)),
      say,
    });
    const f: LocalFunction = { name: fn, url: activator.url, log: join(o.logDir, `${fn}.log`), activator };
    functions.set(fn, f);
    say(`function ${fn}: activator on ${f.url}, at zero until an event arrives (log ${f.log})`);
    return f;
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
      await functions.get(fn)?.activator.kill();
    },
    restartAdapter: async (name) => {
      await adapters.get(name)?.stop();
      await startSource(name);
    },
    stop: async () => {
      for (const t of timers) clearTimeout(t);
      await Promise.all([...adapters.values()].map((a) => a.stop()));
      await Promise.all([...functions.values()].map((f) => f.activator.close()));
    },
  };

  try {
    for (const fn of fns) await startFn(fn);
    const starting = sources.filter((x) => fns.includes(x.target));
    await awaitWatchable(
      o.kubeconfig,
      starting.flatMap((s) => s.config.resources.map((r) => r.gvr)),
    );
    for (const s of starting) {
      await startSource(s.name);
      say(
        `source ${s.name} → ${s.target} (${s.config.resources.map((r) => r.gvr.Resource).join(', ')}) as ${s.serviceAccount?.name}`,
      );
    }
    for (const p of pings.filter((x) => o.pingIntervalMs !== Infinity && fns.includes(x.target))) {
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
    // One resync of every function now: the adapters send nothing for what happened while the
    // operator was down (a cluster deleted meanwhile would wait for the next ping, up to 5 minutes).
    if (o.initialResync ?? true) {
      for (const p of pings.filter((x) => fns.includes(x.target)))
        void sendPing(p, sink(p.target)).catch(() => 0);
      say('initial resync sent to every function (what changed while the operator was down)');
    }
  } catch (err) {
    await running.stop();
    throw err;
  }
  return running;
}

const DEFAULT_IDLE_MS = 60_000;
/** SIGTERM, then SIGKILL after this long: Knative's default termination grace for a revision's pod. */
const GRACE_MS = 30_000;

/** containerConcurrency and timeoutSeconds from the function's Knative Service in manifests/functions/. */
function limitsOf(fn: string): { concurrency: number; timeoutMs: number } {
  const file = join(REPO_ROOT, 'manifests', 'functions', `${fn}.yaml`);
  return existsSync(file)
    ? knativeLimits(parse(readFileSync(file, 'utf8')))
    : { concurrency: 0, timeoutMs: 300_000 };
}

function instanceOf(p: FunctionProcess): Instance {
  const exited = new Promise<unknown>((r) => {
    if (p.child.exitCode !== null || p.child.signalCode !== null) r(p.child.exitCode);
    else p.child.once('exit', r);
  });
  const signal = async (sig: NodeJS.Signals, graceMs?: number) => {
    if (p.child.exitCode !== null || p.child.signalCode !== null) return;
    p.child.kill(sig);
    const timer = graceMs ? setTimeout(() => p.child.kill('SIGKILL'), graceMs) : undefined;
    await exited;
    if (timer) clearTimeout(timer);
  };
  return {
    url: p.url,
    pid: p.child.pid,
    exited,
    stop: () => signal('SIGTERM', GRACE_MS),
    kill: () => signal('SIGKILL'),
  };
}
