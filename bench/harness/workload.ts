// The workload every benchmark shares: NodePort GpssClusters (the seed manifest's shape, so every
// instance gets a real allocated external address on the simulated nodes) and a convergence wait
// that uses the tests' own definition of converged (localcluster/convergence.ts), phase Ready included.
import type { GpssCluster } from '../../lib/api/types';
import type { KubeClient } from '../../lib/k8s/client';
import { differences, statusDifferences } from '../../localcluster/convergence';

export const BENCH_LABEL = 'gpss.gpdb.io/bench';

export function clusterManifest(ns: string, name: string, size: number, image: string, group: string) {
  return {
    apiVersion: 'gpss.gpdb.io/v1',
    kind: 'GpssCluster',
    metadata: { name, namespace: ns, labels: { [BENCH_LABEL]: group } },
    spec: {
      size,
      image,
      service: { gpss: 'NodePort', gpfdist: 'NodePort' },
      resources: { requests: { cpu: '100m', memory: '128Mi' }, limits: { cpu: '1', memory: '1Gi' } },
      termination_grace_seconds: 5,
      gpss_config: JSON.stringify({
        ListenAddress: { Host: '', Port: 5000 },
        Gpfdist: { Host: '', Port: 8090 },
        Cluster: { Id: `${ns}-${name}`, Port: 5001, Etcd: { Endpoints: ['etcd:2379'] } },
      }),
    },
  };
}

export async function createNamespaces(kube: KubeClient, names: string[]): Promise<void> {
  await Promise.all(
    names.map((n) =>
      kube
        .create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: n } })
        .catch((err: { status?: number }) => {
          if (err.status !== 409) throw err;
        }),
    ),
  );
}

/** True when the status says Ready for this generation and size; a cheap pre-check (one GET). */
export function looksReady(cr: GpssCluster | undefined): boolean {
  const st = cr?.status;
  return (
    !!cr &&
    st?.phase === 'Ready' &&
    st.observedGeneration === cr.metadata.generation &&
    st.readyReplicas === (cr.spec.size ?? 1)
  );
}

/** When a poll first saw the cluster converged (performance.now() values). */
export interface Converged {
  /** The read of the cluster whose status said Ready, in the poll whose check of every child then passed. */
  readyAt: number;
  /** That check done: its lists are consistent reads, which may wait on the API server's watch cache. */
  checkedAt: number;
}

/**
 * Polls until the cluster is converged: one GET until the cluster object says converged (status
 * Ready, every function's conditions at its generation), then the full check of every child. Timed at the GET that saw the status Ready: the check's lists are consistent reads the
 * API server may hold up to 100 ms (its watch cache asks etcd for progress at most every 100 ms per
 * resource, so a list of a kind another client has just listed waits), and timing them would time
 * the checker rather than the operator.
 */
export async function awaitConverged(
  kube: KubeClient,
  ns: string,
  name: string,
  timeoutMs: number,
  pollMs = 20,
): Promise<Converged> {
  const deadline = performance.now() + timeoutMs;
  let last: string[] = ['not Ready'];
  while (performance.now() < deadline) {
    const cr = await kube.get<GpssCluster>('gpssclusters', ns, name);
    const readyAt = performance.now();
    // Every function's report on the cluster object first: the children are read (lists that may wait
    // on the API server's watch cache) only once the object itself says converged.
    if (looksReady(cr) && statusDifferences(cr!).length === 0) {
      last = await differences(kube, ns, name);
      if (last.length === 0) return { readyAt, checkedAt: performance.now() };
    }
    await new Promise((r) => setTimeout(r, pollMs));
  }
  throw new Error(`${ns}/${name} not converged within ${timeoutMs} ms: ${last.join('; ')}`);
}

/** Runs fn over items with at most `limit` in flight. */
export async function pool<T, R>(
  items: T[],
  limit: number,
  fn: (item: T, i: number) => Promise<R>,
): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < items.length; i = next++) out[i] = await fn(items[i]!, i);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}
