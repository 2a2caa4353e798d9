// The serverless operator as it runs on Knative, built from what ships: each function's minified
// bundle (with its compile cache) as its own process authenticated as its ServiceAccount (a token
// from the TokenRequest API), and one real ApiServerSource receive adapter per source in eventing/,
// as the source's ServiceAccount, delivering to it. PingSource schedules are armed only when asked:
// the bench fires resyncs itself where it measures them, so a cron tick never lands inside another figure.
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type RunningAdapter, startAdapter } from '../../localcluster/adapter';
import { REPO_ROOT } from '../../localcluster/config';
import { parseCron } from '../../localcluster/cron';
import { readEventing } from '../../localcluster/eventing';
import { compileCacheOf } from './bundles';
import type { BenchCluster } from './cluster';
import { failedSends } from './fn-logs';
import { awaitHealthy, fnAccount, OPERATOR_NAMESPACE, ping, type Spawned, spawnNode } from './proc';

export interface Serverless {
  functions: Map<string, Spawned>;
  adapters: RunningAdapter[];
  /** Starts the PingSource schedules of eventing/ (cron, as deployed); returns how many pings were sent. */
  armPings(): () => number;
  adapterLog(name: string): string;
  /** Per adapter, the deliveries it gave up on so far (its "failed to send cloudevent" log lines). */
  failedSends(): Record<string, number>;
  stop(): Promise<void>;
}

export async function startServerless(
  c: BenchCluster,
  bundles: Record<string, string>,
  logDir: string,
  say: (m: string) => void,
): Promise<Serverless> {
  mkdirSync(logDir, { recursive: true });
  const { sources, pings } = readEventing(join(REPO_ROOT, 'eventing'));
  const functions = new Map<string, Spawned>();
  const adapters: RunningAdapter[] = [];
  const stop = async () => {
    await Promise.all(adapters.map((a) => a.stop()));
    await Promise.all([...functions.values()].map((f) => f.stop()));
  };
  try {
    for (const [fn, file] of Object.entries(bundles)) {
      const p = await spawnNode({
        name: fn,
        file,
        kubeconfig: await c.accountKubeconfig(fnAccount(fn)),
        compileCache: compileCacheOf(file),
        log: join(logDir, `${fn}.log`),
      });
      functions.set(fn, p);
      await awaitHealthy(p);
    }
    for (const s of sources.filter((x) => functions.has(x.target))) {
      adapters.push(
        startAdapter({
          name: s.name,
          namespace: s.namespace,
          binDir: c.binDir,
          kubeconfig: s.serviceAccount ? await c.accountKubeconfig(s.serviceAccount) : c.kubeconfig,
          sink: functions.get(s.target)!.url,
          config: s.config,
          logFile: join(logDir, `adapter-${s.name}.log`),
        }),
      );
    }
    await awaitSourcesLive(c, [...functions.values()]);
    say(`serverless operator up: ${[...functions.keys()].join(', ')} with ${adapters.length} adapters`);
  } catch (err) {
    await stop();
    throw err;
  }
  return {
    functions,
    adapters,
    armPings: () => {
      let sent = 0;
      let stopped = false;
      const timers: NodeJS.Timeout[] = [];
      for (const p of pings.filter((x) => functions.has(x.target))) {
        const cron = parseCron(p.schedule);
        const arm = () => {
          const t = setTimeout(async () => {
            if (stopped) return;
            sent++;
            await ping(functions.get(p.target)!.port).catch(() => undefined);
            arm();
          }, cron.next(new Date()).getTime() - Date.now());
          t.unref();
          timers.push(t);
        };
        arm();
      }
      return () => {
        stopped = true;
        for (const t of timers) clearTimeout(t);
        return sent;
      };
    },
    adapterLog: (name) => join(logDir, `adapter-${name}.log`),
    failedSends: () =>
      Object.fromEntries(adapters.map((a) => [a.name, failedSends(join(logDir, `adapter-${a.name}.log`))])),
    stop,
  };
}

/**
 * An adapter sends nothing for objects that exist before its watch starts: probe objects prove every
 * function receives events before anything is measured (as test/support/e2e.ts does for the e2e tests).
 */
async function awaitSourcesLive(c: BenchCluster, fns: Spawned[]): Promise<void> {
  const ns = `bench-probe-${Date.now().toString(36)}`;
  const labels = { 'app.kubernetes.io/managed-by': 'gpss-operator', 'app.kubernetes.io/instance': 'probe' };
  await c.kubectl(['create', 'namespace', ns]);
  const deadline = Date.now() + 60_000;
  try {
    for (let n = 0; ; n++) {
      const name = `probe-${n}`;
      const objs = [
        {
          apiVersion: 'v1',
          kind: 'Service',
          metadata: { name, namespace: ns, labels },
          spec: { ports: [{ port: 1 }] },
        },
        {
          apiVersion: 'v1',
          kind: 'Pod',
          metadata: { name, namespace: ns, labels },
          spec: { nodeSelector: { 'gpss.gpdb.io/probe': 'none' }, containers: [{ name: 'c', image: 'x' }] },
        },
      ];
      await c.kubectl(['create', '-f', '-'], JSON.stringify({ apiVersion: 'v1', kind: 'List', items: objs }));
      const seen = (f: Spawned) => {
        try {
          return readFileSync(f.log, 'utf8').includes(`/namespaces/${ns}/`);
        } catch {
          return false;
        }
      };
      if (fns.every(seen)) return;
      if (Date.now() > deadline)
        throw new Error(`sources not live after 60 s: ${fns.filter((f) => !seen(f)).map((f) => f.name)}`);
      await new Promise((r) => setTimeout(r, 300));
    }
  } finally {
    await c.kubectl(['delete', 'namespace', ns, '--wait=false']);
  }
}

export const adapterUser = (name: string) => `system:serviceaccount:${OPERATOR_NAMESPACE}:${name}`;
