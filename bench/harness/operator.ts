// The serverless operator as it runs on Knative, built from what ships: each function's minified
// bundle (with its compile cache) as its own process authenticated as its ServiceAccount (a token
// from the TokenRequest API), and one real ApiServerSource receive adapter per source in eventing/,
// as the source's ServiceAccount, delivering to it. PingSource schedules are armed only when asked:
// the bench fires resyncs itself where it measures them, so a cron tick never lands inside another figure.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { type RunningAdapter, startAdapter } from '../../localcluster/adapter';
import { REPO_ROOT } from '../../localcluster/config';
import { parseCron } from '../../localcluster/cron';
import { readEventing } from '../../localcluster/eventing';
import { awaitSourcesLive } from '../../localcluster/sources-live';
import { awaitWatchable } from '../../localcluster/watchable';
import { compileCacheOf } from './bundles';
import type { BenchCluster } from './cluster';
import { failedSends } from './fn-logs';
import { awaitHealthy, fnAccount, OPERATOR_NAMESPACE, ping, type Spawned, spawnNode } from './proc';

export interface Serverless {
  functions: Map<string, Spawned>;
  adapters: RunningAdapter[];
  /** Its processes as they are now, by name ("function reconcile", "adapter gpss-reconcile"): for their CPU. */
  processes(): Record<string, number>;
  /** Starts the PingSource schedules of eventing/ (cron, as deployed); returns how many pings were sent. */
  armPings(): () => number;
  adapterLog(name: string): string;
  /** Per adapter, the deliveries it gave up on so far (its "failed to send cloudevent" log lines). */
  failedSends(): Record<string, number>;
  /**
   * Stops the adapters only: no event reaches the functions, whose processes stay up and warm (another
   * controller can then run on the same cluster without the functions acting on its clusters).
   */
  pause(): Promise<void>;
  /** Starts the adapters again and waits until each delivers (objects made meanwhile send no events). */
  resume(): Promise<void>;
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
  const startAdapters = async () => {
    const starting = sources.filter((x) => functions.has(x.target));
    await awaitWatchable(
      c.kubeconfig,
      starting.flatMap((s) => s.config.resources.map((r) => r.gvr)),
    );
    for (const s of starting) {
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
    await awaitSourcesLive((args, input) => c.kubectl(args, input), [...functions.values()], {
      prefix: 'bench-probe',
    });
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
    await startAdapters();
    say(`serverless operator up: ${[...functions.keys()].join(', ')} with ${adapters.length} adapters`);
  } catch (err) {
    await stop();
    throw err;
  }
  return {
    functions,
    adapters,
    processes: () => ({
      ...Object.fromEntries([...functions].map(([fn, p]) => [`function ${fn}`, p.pid])),
      ...Object.fromEntries(adapters.map((a) => [`adapter ${a.name}`, a.child.pid!])),
    }),
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
    pause: async () => {
      await Promise.all(adapters.map((a) => a.stop()));
      adapters.length = 0;
    },
    resume: async () => {
      if (adapters.length === 0) await startAdapters();
    },
    stop,
  };
}

export const adapterUser = (name: string) => `system:serviceaccount:${OPERATOR_NAMESPACE}:${name}`;
