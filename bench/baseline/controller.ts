// The comparison baseline (issue 9, item 6): a conventional always-on controller in ONE process,
// built from the same lib/ and calling the same per-cluster logic as the three functions
// (reconcileCluster, finalizeCluster, checkCluster), but fed by @kubernetes/client-node's list+watch
// informers with reads served from their caches and a work queue keyed by cluster, as
// controller-runtime does. Run as a bundle by bench/baseline/baseline.ts; env: KUBECONFIG (a ServiceAccount
// bound to cluster-admin: one process does all three concerns, so it needs their union, and the
// audit log tells its requests apart by that account), PORT, LOG_FILE, WORKERS.
import { createServer } from 'node:http';
import { finalizeCluster } from '../../functions/finalize/finalize';
import { checkCluster } from '../../functions/health/health';
import { reconcileCluster } from '../../functions/reconcile/reconcile';
import { KIND, LABELS, MANAGED_BY } from '../../lib/api/types';
import { KubeClient, type KubeObject } from '../../lib/k8s/client';
import { loadKubeConfig } from '../../lib/k8s/kubeconfig';
import { RESOURCES } from '../../lib/k8s/resources';
import { clusterRefOf } from '../../lib/runtime/cluster-key';
import { createLogger } from '../../lib/runtime/log';
import { type CachedResource, cachedClient, cachedResource } from './cached-client';
import { WorkQueue } from './workqueue';

const logger = createLogger({
  name: 'baseline',
  ...(process.env.LOG_FILE ? { destination: process.env.LOG_FILE } : {}),
});
const kc = loadKubeConfig(process.env);
const real = KubeClient.fromKubeConfig(kc, { userAgent: 'gpss-bench/baseline' });
const queue = new WorkQueue();
const stats = { reconciles: 0, errors: 0 };

const children = `${LABELS.managedBy}=${MANAGED_BY}`;
const watched = [
  [RESOURCES.gpssclusters, undefined],
  [RESOURCES.statefulsets, children],
  [RESOURCES.services, children],
  [RESOURCES.pods, children],
  [RESOURCES.configmaps, children],
  [RESOURCES.poddisruptionbudgets, children],
  // Nodes only feed the cache (NodePort addresses, failover): no key is queued for them.
  [RESOURCES.nodes, undefined],
] as const;

function enqueue(_type: string, o: KubeObject): void {
  if (o.kind === 'Node') return;
  try {
    const ref = clusterRefOf(
      {
        verb: 'update',
        mode: 'resource',
        apiVersion: o.apiVersion ?? '',
        kind: o.kind ?? '',
        name: o.metadata?.name ?? '',
        ...(o.metadata?.namespace ? { namespace: o.metadata.namespace } : {}),
        object: o,
      },
      [KIND, 'StatefulSet', 'Service', 'Pod', 'ConfigMap', 'PodDisruptionBudget'],
    );
    queue.add(`${ref.namespace}/${ref.name}`);
  } catch {
    // A child without an owning cluster (a probe object): nothing to reconcile.
  }
}

const caches = new Map<string, CachedResource>(
  watched.map(([res, sel]) => [res.plural, cachedResource(kc, real, res, sel, enqueue)]),
);
const kube = cachedClient(real, caches);

async function worker(): Promise<never> {
  while (true) {
    const key = await queue.next();
    const [namespace, name] = key.split('/') as [string, string];
    const log = logger.child({ cluster: key });
    const ctx = { kube, log, now: () => new Date() };
    let failed = false;
    try {
      const r = await reconcileCluster(ctx, namespace, name);
      const f = await finalizeCluster(ctx, namespace, name);
      const h = await checkCluster(ctx, namespace, name);
      log.info({ reconcile: r.outcome, finalize: f.outcome, health: h.outcome }, 'reconciled');
    } catch (err) {
      failed = true;
      stats.errors++;
      log.warn({ err }, 'reconcile failed; requeued with backoff');
    }
    stats.reconciles++;
    queue.done(key, failed);
  }
}

await Promise.all([...caches.values()].map((c) => c.start()));
const workers = Number(process.env.WORKERS ?? 4);
for (let i = 0; i < workers; i++) void worker();

const server = createServer((_req, res) => {
  res.setHeader('content-type', 'application/json');
  const restarts = [...caches.values()].reduce((a, c) => a + c.restarts, 0);
  res.end(JSON.stringify({ synced: true, depth: queue.depth, ...stats, informerRestarts: restarts }));
});
server.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () =>
  logger.info('baseline controller synced and serving /healthz'),
);

const stop = async () => {
  await Promise.all([...caches.values()].map((c) => c.stop()));
  server.close();
  real.close();
  process.exit(0);
};
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
const parent = Number(process.env.RUNNER_PID ?? 0);
if (parent > 0)
  setInterval(() => {
    try {
      process.kill(parent, 0);
    } catch {
      void stop();
    }
  }, 1000).unref();
