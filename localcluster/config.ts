// Where the embedded control plane keeps its binaries, state and logs, and how big it is.
// Everything is parameterised so tests can start a second, throwaway cluster in a temp dir.
import { join } from 'node:path';

export const REPO_ROOT = new URL('..', import.meta.url).pathname.replace(/\/$/, '');

export interface ClusterConfig {
  /** State dir: pki, etcd data, logs, state.json. */
  dir: string;
  /** Admin kubeconfig written here once the cluster is up. */
  kubeconfigPath: string;
  binDir: string;
  dataDir: string;
  nodes: number;
  /** Fixed ports (tests use this to provoke a busy port); free ports are picked otherwise. */
  ports: Partial<Record<'etcd' | 'etcdPeer' | 'apiserver', number>>;
  /** Extra flags per component, e.g. to make one exit on purpose in a test. */
  extraArgs: Partial<Record<ComponentName, string[]>>;
  readyTimeoutMs: number;
}

export type ComponentName = 'etcd' | 'kube-apiserver' | 'kube-controller-manager' | 'kube-scheduler' | 'kwok';

export const BINARIES: Record<ComponentName | 'kubectl' | 'apiserver_receive_adapter', string> = {
  etcd: 'etcd',
  'kube-apiserver': 'kube-apiserver',
  'kube-controller-manager': 'kube-controller-manager',
  'kube-scheduler': 'kube-scheduler',
  kwok: 'kwok',
  kubectl: 'kubectl',
  apiserver_receive_adapter: 'apiserver_receive_adapter',
};

export function defaultConfig(overrides: Partial<ClusterConfig> = {}): ClusterConfig {
  const local = join(REPO_ROOT, '.local');
  const envNodes = Number(process.env.GPSS_CLUSTER_NODES ?? '');
  return {
    dir: join(local, 'cluster'),
    kubeconfigPath: join(local, 'kubeconfig'),
    binDir: join(local, 'bin'),
    dataDir: join(local, 'data'),
    nodes: Number.isInteger(envNodes) && envNodes > 0 ? envNodes : 3,
    ports: {},
    extraArgs: {},
    readyTimeoutMs: 60_000,
    ...overrides,
  };
}

export const SERVICE_CIDR = '10.96.0.0/16';
export const POD_CIDR = '10.244.0.0/16';
