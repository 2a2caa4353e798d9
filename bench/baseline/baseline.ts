// Benchmark 6: the conventional controller (bench/baseline/controller.ts, bundled like the functions)
// on the same workload as the serverless operator, with the serverless operator stopped.
import { join } from 'node:path';
import { ROOT } from '../../build/bundle';
import { type AuditLog, type Tally, tally } from '../harness/audit';
import { bundleEntry } from '../harness/bundles';
import type { BenchCluster } from '../harness/cluster';
import { memory, OPERATOR_NAMESPACE, resetPeak, type Spawned, send, spawnNode } from '../harness/proc';
import { type ConvergenceResult, convergence, QUIET_MS } from '../measure/convergence';

/**
 * The baseline runs as a ServiceAccount of its own bound to cluster-admin (it does what all three
 * functions do; a kubeconfig user cannot carry impersonated groups), so the audit log tells its
 * requests apart by this user name.
 */
export const BASELINE_ACCOUNT = { namespace: OPERATOR_NAMESPACE, name: 'bench-baseline-controller' };
export const BASELINE_USER = `system:serviceaccount:${BASELINE_ACCOUNT.namespace}:${BASELINE_ACCOUNT.name}`;

async function ensureBaselineAccount(c: BenchCluster): Promise<void> {
  const objects = [
    {
      apiVersion: 'v1',
      kind: 'ServiceAccount',
      metadata: { name: BASELINE_ACCOUNT.name, namespace: BASELINE_ACCOUNT.namespace },
    },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRoleBinding',
      metadata: { name: BASELINE_ACCOUNT.name },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'cluster-admin' },
      subjects: [{ kind: 'ServiceAccount', ...BASELINE_ACCOUNT }],
    },
  ];
  const r = await c.kubectl(
    ['apply', '--server-side', '-f', '-'],
    JSON.stringify({ apiVersion: 'v1', kind: 'List', items: objects }),
  );
  if (r.code !== 0) throw new Error(`baseline ServiceAccount: ${r.stderr}`);
}

export interface BaselineResult {
  /** spawn → caches synced and the initial queue drained (or, over clusters still converging, the first pass done), ms */
  startupMs: number;
  reconciles: number;
  /** Requests from spawn to idle: the lists and watches every restart pays, plus the initial pass over existing clusters. */
  startup: Tally;
  existingClusters: number;
  /** Absent when only the start-up over existing clusters was measured. */
  convergence?: ConvergenceResult;
  rssKiB: number;
  hwmKiB: number;
}

/** The baseline controller spawned and come up: synced, its initial queue drained (or first pass done). */
export interface StartedBaseline {
  p: Spawned;
  isOperator: (user: string) => boolean;
  startupMs: number;
  reconciles: number;
  startup: Tally;
  existingClusters: number;
}

/**
 * Spawns the baseline controller and waits until it is up over what exists. firstPassOnly: over
 * clusters still converging the queue may not drain for minutes, so there the first pass over every
 * existing cluster is the mark. The caller stops it (p.stop()); on a failure here it is stopped.
 */
export async function startBaseline(o: {
  c: BenchCluster;
  audit: AuditLog;
  distDir: string;
  logDir: string;
  /** The controller's log file name under logDir. */
  log?: string;
  firstPassOnly: boolean;
  say: (m: string) => void;
}): Promise<StartedBaseline> {
  const file = await bundleEntry(join(ROOT, 'bench/baseline/controller.ts'), join(o.distDir, 'baseline.mjs'));
  await ensureBaselineAccount(o.c);
  const kubeconfig = await o.c.accountKubeconfig(BASELINE_ACCOUNT);
  const isOperator = (u: string) => u === BASELINE_USER;
  const existingClusters = (await o.c.admin.list('gpssclusters', undefined)).items.length;
  const mark = o.audit.mark();
  const p = await spawnNode({
    name: 'baseline',
    file,
    kubeconfig,
    log: join(o.logDir, o.log ?? 'baseline.log'),
    env: { WORKERS: '4' },
  });
  try {
    // Synced once /healthz answers; idle once its queue is empty.
    const { firstPassOnly } = o;
    const deadline = Date.now() + (firstPassOnly ? 90_000 : 120_000);
    let reconciles = 0;
    while (true) {
      if (p.child.exitCode !== null) throw new Error(`baseline controller exited; see ${p.log}.stderr`);
      const r = await send(p.port, 'GET', '/healthz').catch(() => undefined);
      const h = r ? (JSON.parse(r.body) as { depth: number; reconciles: number }) : undefined;
      reconciles = h?.reconciles ?? 0;
      if (h && (h.depth === 0 || (firstPassOnly && h.reconciles >= existingClusters))) break;
      if (Date.now() > deadline) {
        if (firstPassOnly) break;
        throw new Error('baseline controller not idle within 120 s');
      }
      await new Promise((res) => setTimeout(res, 20));
    }
    const startupMs = performance.now() - p.spawnedAt;
    if (!firstPassOnly) await o.audit.quiet(isOperator, QUIET_MS);
    const startup = tally((await o.audit.since(mark)).filter((r) => isOperator(r.user)));
    o.say(
      `baseline controller: ${reconciles} reconciles, ${startup.total} requests in ${Math.round(startupMs)} ms over ${existingClusters} existing clusters`,
    );
    return { p, isOperator, startupMs, reconciles, startup, existingClusters };
  } catch (err) {
    await p.stop();
    throw err;
  }
}

export async function runBaseline(o: {
  c: BenchCluster;
  audit: AuditLog;
  distDir: string;
  logDir: string;
  n: number;
  timeoutMs: number;
  say: (m: string) => void;
}): Promise<BaselineResult> {
  const { p, isOperator, startupMs, reconciles, startup, existingClusters } = await startBaseline({
    ...o,
    firstPassOnly: o.n === 0,
  });
  try {
    if (o.n === 0) {
      const mem = memory(p.pid);
      return { startupMs, reconciles, startup, existingClusters, rssKiB: mem.rssKiB, hwmKiB: mem.hwmKiB };
    }
    resetPeak(p.pid);
    const conv = await convergence({
      c: o.c,
      audit: o.audit,
      prefix: 'bench-base',
      n: o.n,
      isOperator,
      timeoutMs: o.timeoutMs,
      say: o.say,
    });
    const mem = memory(p.pid);
    return {
      startupMs,
      reconciles,
      startup,
      existingClusters,
      convergence: conv,
      rssKiB: mem.rssKiB,
      hwmKiB: mem.hwmKiB,
    };
  } finally {
    await p.stop();
  }
}
