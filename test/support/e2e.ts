// End-to-end plumbing: the operator as `npm start` runs it (functions + real adapters from eventing/),
// a check that every source's watch is live before a scenario starts, and timed convergence.
import { join } from 'node:path';
import type { KubeClient } from '../../lib/k8s/client';
import { REPO_ROOT } from '../../localcluster/config';
import { differences } from '../../localcluster/convergence';
import { type OperatorOptions, type RunningOperator, startOperator } from '../../localcluster/operator';
import { awaitSourcesLive } from '../../localcluster/sources-live';
import { type SharedCluster, waitFor } from './cluster';

/**
 * Scale to zero is on in the e2e and chaos suites, with an idle window short enough that every
 * function stops and starts many times in a scenario, as on Knative between events.
 */
export const E2E_IDLE_MS = 1500;

export async function startE2eOperator(
  c: SharedCluster,
  label: string,
  extra: Partial<OperatorOptions> = {},
): Promise<{ op: RunningOperator; logDir: string }> {
  const logDir = join(REPO_ROOT, '.local', 'logs', `${label}-${Date.now()}`);
  const op = await startOperator({
    kubeconfig: c.kubeconfig,
    binDir: c.binDir,
    logDir,
    idleMs: E2E_IDLE_MS,
    ...extra,
  });
  await awaitSourcesLive((args, input) => c.kubectl(args, { input }), [...op.functions.values()]);
  return { op, logDir };
}

/** Waits until the cluster matches its spec; prints and returns the time it took. */
export async function timedConvergence(
  kube: KubeClient,
  ns: string,
  name: string,
  what: string,
  boundMs: number,
): Promise<number> {
  const t0 = Date.now();
  let last: string[] = [];
  try {
    await waitFor(
      what,
      async () => {
        last = await differences(kube, ns, name);
        return last.length === 0;
      },
      { timeoutMs: boundMs, intervalMs: 100 },
    );
  } catch (err) {
    throw new Error(`${what}: not converged within ${boundMs} ms; still differs: ${last.join('; ')}`, {
      cause: err,
    });
  }
  const ms = Date.now() - t0;
  console.log(`  ${what}: converged in ${ms} ms (bound ${boundMs} ms)`);
  return ms;
}

/** How many times each function has scaled to zero so far. */
export function scaleDowns(op: RunningOperator): Record<string, number> {
  return Object.fromEntries([...op.functions].map(([fn, f]) => [fn, f.activator.stats.scaleDowns]));
}

/**
 * Waits until every function has scaled to zero since `mark` (scaleDowns(op) taken at the start of
 * a scenario): the scenario ran through stops and cold starts, not through warm processes.
 */
export async function assertScaledToZero(op: RunningOperator, mark: Record<string, number>): Promise<void> {
  await waitFor(
    'every function to scale to zero at least once in the scenario',
    async () => [...op.functions].every(([fn, f]) => f.activator.stats.scaleDowns > (mark[fn] ?? 0)),
    { timeoutMs: 30_000, intervalMs: 100 },
  );
  const cold = [...op.functions].map(([fn, f]) => `${fn} ${f.activator.stats.coldStarts}`).join(', ');
  console.log(`  scale to zero: every function stopped at least once; cold starts so far: ${cold}`);
}
