// A throwaway embedded cluster of its own for the benchmarks: separate dir, ports and kubeconfig, so the
// shared dev cluster other people's tests use is never touched or slowed by a leftover of ours.
import { join } from 'node:path';
import { KubeClient } from '../../lib/k8s/client';
import { loadKubeConfig } from '../../lib/k8s/kubeconfig';
import { down, readState, up } from '../../localcluster/cluster';
import { type ClusterConfig, defaultConfig } from '../../localcluster/config';
import { kubectl, type RunResult } from '../../localcluster/kubectl';
import { installOperatorManifests } from '../../localcluster/operator';
import {
  type ServiceAccountRef,
  serviceAccountKubeconfig,
} from '../../localcluster/service-account-kubeconfig';

// GPSS_BENCH_DIR lets two runs (say, one phase being developed beside another) keep apart.
export const BENCH_DIR = process.env.GPSS_BENCH_DIR ?? '/tmp/gpss-bench';

export interface BenchCluster {
  cfg: ClusterConfig;
  kubeconfig: string;
  binDir: string;
  auditLog: string;
  /** Admin client for the bench's own reads and writes (its requests are not counted as the operator's). */
  admin: KubeClient;
  /**
   * A kubeconfig holding a real token of the ServiceAccount (TokenRequest), as the functions and
   * adapters get in a cluster: the API server authenticates the account itself and its RBAC applies.
   * One per account and run (tokens last a day).
   */
  accountKubeconfig(sa: ServiceAccountRef): Promise<string>;
  kubectl(args: string[], input?: string): Promise<RunResult>;
  /** Control-plane process ids by component name (etcd, kube-apiserver, ...). */
  pids(): Record<string, number>;
  stop(): Promise<void>;
}

export async function startBenchCluster(nodes: number, say: (m: string) => void): Promise<BenchCluster> {
  const cfg = defaultConfig({
    dir: join(BENCH_DIR, 'cluster'),
    kubeconfigPath: join(BENCH_DIR, 'kubeconfig'),
    nodes,
    readyTimeoutMs: 120_000,
    extraArgs: {
      // The audit log is how requests are counted; the default 200 MB would rotate mid-scale-test.
      'kube-apiserver': ['--audit-log-maxsize=4000', '--max-requests-inflight=800'],
      // 1,500 pods at once: the default client QPS of the controllers would be the bottleneck measured.
      'kube-controller-manager': [
        '--kube-api-qps=500',
        '--kube-api-burst=1000',
        '--concurrent-statefulset-syncs=20',
      ],
      'kube-scheduler': ['--kube-api-qps=500', '--kube-api-burst=1000'],
    },
  });
  await up(cfg, (m) => say(`cluster: ${m}`));
  try {
    await installOperatorManifests(cfg.binDir, cfg.kubeconfigPath);
  } catch (err) {
    await down(cfg);
    throw err;
  }
  // One kept-alive connection pool serves every request of the bench's own client.
  const admin = KubeClient.fromKubeconfig(cfg.kubeconfigPath, { userAgent: 'gpss-bench' });
  const accounts = new Map<string, Promise<string>>();
  const accountKubeconfig = (sa: ServiceAccountRef) => {
    const key = `${sa.namespace}/${sa.name}`;
    let p = accounts.get(key);
    if (!p) {
      p = serviceAccountKubeconfig(
        loadKubeConfig({ KUBECONFIG: cfg.kubeconfigPath }),
        sa,
        join(BENCH_DIR, 'accounts'),
      );
      // A failed request is not remembered: the next caller asks again.
      p.catch(() => accounts.delete(key));
      accounts.set(key, p);
    }
    return p;
  };
  return {
    cfg,
    kubeconfig: cfg.kubeconfigPath,
    binDir: cfg.binDir,
    auditLog: join(cfg.dir, 'logs', 'audit.log'),
    admin,
    accountKubeconfig,
    kubectl: (args, input) =>
      kubectl(cfg.binDir, cfg.kubeconfigPath, args, input === undefined ? {} : { input }),
    pids: () => Object.fromEntries((readState(cfg)?.components ?? []).map((p) => [p.name, p.pid])),
    stop: async () => {
      admin.close();
      await down(cfg, (m) => say(`cluster: ${m}`));
    },
  };
}
