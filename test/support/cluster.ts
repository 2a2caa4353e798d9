// Gives integration tests one embedded cluster per test run (started on first use, reused by every
// later test file) and a fresh namespace per suite.
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { health, up } from '../../localcluster/cluster';
import { defaultConfig, REPO_ROOT } from '../../localcluster/config';
import { type RunResult, kubectl as runKubectl } from '../../localcluster/kubectl';
import { delay } from '../../localcluster/process';

export const OWNED_MARKER = join(REPO_ROOT, '.local', 'cluster-started-by-tests');
const LOCK = join(REPO_ROOT, '.local', 'cluster-start.lock');

export interface SharedCluster {
  kubeconfig: string;
  binDir: string;
  dataDir: string;
  kubectl(args: string[], opts?: { input?: string; timeoutMs?: number }): Promise<RunResult>;
}

let cached: Promise<SharedCluster> | undefined;

export function sharedCluster(): Promise<SharedCluster> {
  cached ??= start();
  return cached;
}

async function start(): Promise<SharedCluster> {
  const cfg = defaultConfig();
  if (!(await health(cfg))?.running) {
    mkdirSync(join(REPO_ROOT, '.local'), { recursive: true });
    await withLock(async () => {
      if ((await health(cfg))?.running) return;
      await up(cfg, (m) => console.log(`[cluster] ${m}`));
      // Names the test run (scripts/run-tests.ts) that started it, so only that run stops it.
      writeFileSync(OWNED_MARKER, `${process.env.GPSS_TEST_RUN ?? 'standalone'}\n`);
    });
  }
  return {
    kubeconfig: cfg.kubeconfigPath,
    binDir: cfg.binDir,
    dataDir: cfg.dataDir,
    kubectl: (args, opts) => runKubectl(cfg.binDir, cfg.kubeconfigPath, args, opts),
  };
}

async function withLock(fn: () => Promise<void>): Promise<void> {
  const deadline = Date.now() + 120_000;
  while (true) {
    try {
      mkdirSync(LOCK);
      break;
    } catch {
      if (Date.now() > deadline)
        throw new Error(`could not take ${LOCK}; remove it if no test run is active`);
      await delay(200);
    }
  }
  try {
    await fn();
  } finally {
    rmSync(LOCK, { recursive: true, force: true });
  }
}

/** A new namespace named after the suite; delete it with the returned cleanup when the suite ends. */
export async function freshNamespace(prefix: string): Promise<string> {
  const c = await sharedCluster();
  const ns = `${prefix}-${randomBytes(3).toString('hex')}`.toLowerCase();
  const r = await c.kubectl(['create', 'namespace', ns]);
  if (r.code !== 0) throw new Error(`creating namespace ${ns}: ${r.stderr}`);
  return ns;
}

/**
 * Deletes a namespace and, unless `wait: false`, waits until it is gone. Teardown never edits
 * finalizers: whatever holds the namespace must be released by the operator's own functions (a suite
 * that runs a function in-process passes `drive`, called on every poll, to deliver its events). A
 * namespace still there after the timeout fails the suite, naming every object that still carries a
 * finalizer, so a stuck finalizer is a test failure, never hidden.
 */
export async function deleteNamespace(
  ns: string,
  opts: { wait?: boolean; timeoutMs?: number; drive?: () => Promise<void> } = {},
): Promise<void> {
  const c = await sharedCluster();
  await c.kubectl(['delete', 'namespace', ns, '--wait=false', '--ignore-not-found']);
  if (opts.wait === false) return;
  try {
    await waitFor(
      `namespace ${ns} to be gone`,
      async () => {
        await opts.drive?.();
        const r = await c.kubectl(['get', 'namespace', ns, '--ignore-not-found', '-o', 'name']);
        return r.stdout.trim() === '';
      },
      { timeoutMs: opts.timeoutMs ?? 60_000, intervalMs: 250 },
    );
  } catch (err) {
    const held = await finalizersIn(c, ns);
    throw new Error(
      `namespace ${ns} is not gone after ${opts.timeoutMs ?? 60_000} ms; ${
        held.length ? `finalizers left: ${held.join('; ')}` : 'no object there carries a finalizer'
      }`,
      { cause: err },
    );
  }
}

/** `kind/name: finalizer, …` for every object of the kinds this operator touches that still has one. */
export async function finalizersIn(c: SharedCluster, ns: string): Promise<string[]> {
  const out: string[] = [];
  const kinds =
    'gpssclusters.gpss.gpdb.io,pods,services,statefulsets.apps,configmaps,poddisruptionbudgets.policy';
  const r = await c.kubectl(['get', kinds, '-n', ns, '-o', 'json', '--ignore-not-found']);
  if (r.code !== 0 || !r.stdout.trim()) return out;
  for (const o of (JSON.parse(r.stdout).items ?? []) as Array<{
    kind: string;
    metadata: { name: string; finalizers?: string[] };
  }>) {
    if (o.metadata.finalizers?.length)
      out.push(`${o.kind}/${o.metadata.name}: ${o.metadata.finalizers.join(', ')}`);
  }
  return out;
}

/** Polls cond until it returns a truthy value; fails with what was last seen after the timeout. */
export async function waitFor<T>(
  what: string,
  cond: () => Promise<T | undefined | false>,
  { timeoutMs = 30_000, intervalMs = 100 } = {},
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastErr: unknown;
  while (Date.now() < deadline) {
    try {
      const v = await cond();
      if (v) return v;
    } catch (err) {
      lastErr = err;
    }
    await delay(intervalMs);
  }
  throw new Error(
    `timed out after ${timeoutMs} ms waiting for ${what}${lastErr ? `: ${String(lastErr)}` : ''}`,
  );
}

/**
 * Plays one round of events (the suite's stand-in for the event sources) before each check, until
 * the check holds; prints how long convergence took.
 */
export async function convergeBy<T>(
  deliverRound: () => Promise<void>,
  what: string,
  check: () => Promise<T | undefined | false>,
  timeoutMs = 30_000,
): Promise<T> {
  const t0 = Date.now();
  const v = await waitFor(
    what,
    async () => {
      await deliverRound();
      return check();
    },
    { timeoutMs, intervalMs: 100 },
  );
  console.log(`  converged: ${what} in ${Date.now() - t0} ms`);
  return v;
}

export function clusterIsOwnedByTests(): boolean {
  return existsSync(OWNED_MARKER);
}
