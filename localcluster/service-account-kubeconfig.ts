// Local runs act as real ServiceAccounts, as the functions and adapters do in a cluster: the runner
// asks the API server for a token of each account (TokenRequest) and writes a kubeconfig that uses
// it, so the API server authenticates the account itself (no impersonation) and its RBAC applies.
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CoreV1Api, type KubeConfig } from '@kubernetes/client-node';
import { stringify } from 'yaml';

export interface ServiceAccountRef {
  namespace: string;
  name: string;
}

/** Tokens live this long; a function or adapter started later gets a fresh one. */
const TOKEN_SECONDS = 24 * 3600;

/**
 * Requests a token for `sa` with the caller's kubeconfig (any auth mode the library has) and writes
 * `<dir>/<namespace>-<name>.kubeconfig` (cluster and CA as in the caller's, user = the token file
 * beside it, both mode 0600). Returns the kubeconfig path.
 */
export async function serviceAccountKubeconfig(
  admin: KubeConfig,
  sa: ServiceAccountRef,
  dir: string,
): Promise<string> {
  const cluster = admin.getCurrentCluster();
  if (!cluster) throw new Error('the kubeconfig has no current cluster');
  const core = admin.makeApiClient(CoreV1Api);
  let token: string;
  try {
    const tr = await core.createNamespacedServiceAccountToken({
      name: sa.name,
      namespace: sa.namespace,
      body: { spec: { audiences: [], expirationSeconds: TOKEN_SECONDS } },
    });
    token = tr.status?.token ?? '';
  } catch (cause) {
    const code = (cause as { code?: number }).code;
    throw new Error(
      `requesting a token for ServiceAccount ${sa.namespace}/${sa.name}${code ? ` (HTTP ${code})` : ''}`,
      { cause },
    );
  }
  if (!token)
    throw new Error(`the API server returned no token for ServiceAccount ${sa.namespace}/${sa.name}`);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const base = join(dir, `${sa.namespace}-${sa.name}`);
  writeFileSync(`${base}.token`, token, { mode: 0o600 });
  chmodSync(`${base}.token`, 0o600);
  const clusterEntry: Record<string, unknown> = { server: cluster.server };
  if (cluster.caData) clusterEntry['certificate-authority-data'] = cluster.caData;
  else if (cluster.caFile) clusterEntry['certificate-authority'] = cluster.caFile;
  if (cluster.skipTLSVerify) clusterEntry['insecure-skip-tls-verify'] = true;
  if (cluster.tlsServerName) clusterEntry['tls-server-name'] = cluster.tlsServerName;
  if (cluster.proxyUrl) clusterEntry['proxy-url'] = cluster.proxyUrl;
  const user = `${sa.namespace}:${sa.name}`;
  const kubeconfig = {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'cluster', cluster: clusterEntry }],
    // client-go reads `tokenFile`, @kubernetes/client-node `token-file`.
    users: [{ name: user, user: { tokenFile: `${base}.token`, 'token-file': `${base}.token` } }],
    contexts: [{ name: user, context: { cluster: 'cluster', user, namespace: sa.namespace } }],
    'current-context': user,
  };
  writeFileSync(`${base}.kubeconfig`, stringify(kubeconfig), { mode: 0o600 });
  chmodSync(`${base}.kubeconfig`, 0o600);
  return `${base}.kubeconfig`;
}
