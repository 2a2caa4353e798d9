// Where the API server is and how to authenticate: from a kubeconfig file or from inside a Pod.

import { existsSync, readFileSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';

export interface ConnectionConfig {
  /** Base URL, e.g. https://127.0.0.1:6443 (a path prefix is kept). */
  server: string;
  ca?: Buffer;
  cert?: Buffer;
  key?: Buffer;
  /** A static bearer token. */
  token?: string;
  /** A bearer token file, re-read periodically because projected tokens rotate. */
  tokenFile?: string;
  insecureSkipTlsVerify?: boolean;
  tlsServerName?: string;
  /** The namespace of the kubeconfig context or of the Pod's ServiceAccount. */
  namespace?: string;
}

export const SERVICE_ACCOUNT_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';

/**
 * Reads a kubeconfig file. The YAML parser is imported here, lazily, because in-cluster functions never
 * need it and it costs tens of milliseconds of cold start.
 */
export async function loadKubeconfig(
  path: string,
  options: { context?: string } = {},
): Promise<ConnectionConfig> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (cause) {
    throw new Error(`cannot read kubeconfig ${path}`, { cause });
  }
  const { parse } = await import('yaml');
  let doc: unknown;
  try {
    doc = parse(text);
  } catch (cause) {
    throw new Error(`kubeconfig ${path} is not valid YAML`, { cause });
  }
  return kubeconfigToConnection(doc, { baseDir: dirname(resolve(path)), source: path, ...options });
}

/**
 * Turns a parsed kubeconfig into a connection: current-context (or `context`), its cluster's server and
 * CA, and its user's client certificate or token. Relative file paths are relative to the kubeconfig.
 */
export function kubeconfigToConnection(
  doc: unknown,
  options: { baseDir?: string; context?: string; source?: string } = {},
): ConnectionConfig {
  const source = options.source ?? 'kubeconfig';
  const baseDir = options.baseDir ?? process.cwd();
  if (!isRecord(doc)) throw new Error(`${source}: not a kubeconfig (expected a mapping)`);
  const contextName = options.context ?? str(doc['current-context']);
  if (!contextName) throw new Error(`${source}: no current-context set and no context given`);
  const context = findNamed(doc.contexts, contextName, 'context');
  if (!context) throw new Error(`${source}: context "${contextName}" not found`);
  const clusterName = str(context.cluster);
  const cluster = clusterName ? findNamed(doc.clusters, clusterName, 'cluster') : undefined;
  if (!cluster)
    throw new Error(`${source}: cluster "${clusterName ?? ''}" of context "${contextName}" not found`);
  const server = str(cluster.server);
  if (!server) throw new Error(`${source}: cluster "${clusterName}" has no server`);

  const conn: ConnectionConfig = { server: server.replace(/\/+$/, '') };
  const file = (p: string) => (isAbsolute(p) ? p : resolve(baseDir, p));
  const read = (p: string, what: string) => {
    try {
      return readFileSync(file(p));
    } catch (cause) {
      throw new Error(`${source}: cannot read ${what} ${p}`, { cause });
    }
  };
  const b64 = (s: string) => Buffer.from(s, 'base64');

  if (str(cluster['certificate-authority-data'])) conn.ca = b64(str(cluster['certificate-authority-data'])!);
  else if (str(cluster['certificate-authority']))
    conn.ca = read(str(cluster['certificate-authority'])!, 'CA');
  if (cluster['insecure-skip-tls-verify'] === true) conn.insecureSkipTlsVerify = true;
  if (str(cluster['tls-server-name'])) conn.tlsServerName = str(cluster['tls-server-name'])!;
  if (str(context.namespace)) conn.namespace = str(context.namespace)!;

  const userName = str(context.user);
  const user = userName ? findNamed(doc.users, userName, 'user') : undefined;
  if (userName && !user)
    throw new Error(`${source}: user "${userName}" of context "${contextName}" not found`);
  if (user) {
    if (user.exec || user['auth-provider']) {
      throw new Error(
        `${source}: user "${userName}" uses an exec or auth-provider plugin, which is not supported`,
      );
    }
    if (str(user['client-certificate-data'])) conn.cert = b64(str(user['client-certificate-data'])!);
    else if (str(user['client-certificate']))
      conn.cert = read(str(user['client-certificate'])!, 'client certificate');
    if (str(user['client-key-data'])) conn.key = b64(str(user['client-key-data'])!);
    else if (str(user['client-key'])) conn.key = read(str(user['client-key'])!, 'client key');
    if (str(user.token)) conn.token = str(user.token)!;
    else if (str(user.tokenFile)) conn.tokenFile = file(str(user.tokenFile)!);
    if (!conn.cert !== !conn.key) {
      throw new Error(
        `${source}: user "${userName}" has a client certificate without a key, or a key without one`,
      );
    }
  }
  return conn;
}

/** The Pod's own credentials: KUBERNETES_SERVICE_HOST/PORT and the mounted ServiceAccount files. */
export function inClusterConnection(
  env: NodeJS.ProcessEnv = process.env,
  dir: string = SERVICE_ACCOUNT_DIR,
): ConnectionConfig {
  const host = env.KUBERNETES_SERVICE_HOST;
  const port = env.KUBERNETES_SERVICE_PORT;
  if (!host || !port) {
    throw new Error(
      'not running in a cluster: KUBERNETES_SERVICE_HOST/PORT are not set (set KUBECONFIG instead)',
    );
  }
  const tokenFile = `${dir}/token`;
  if (!existsSync(tokenFile)) throw new Error(`not running in a cluster: ${tokenFile} does not exist`);
  const conn: ConnectionConfig = {
    server: `https://${host.includes(':') ? `[${host}]` : host}:${port}`,
    tokenFile,
    ca: readFileSync(`${dir}/ca.crt`),
  };
  try {
    conn.namespace = readFileSync(`${dir}/namespace`, 'utf8').trim();
  } catch {
    // Optional: only a default for callers that do not name a namespace.
  }
  return conn;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' && v !== '' ? v : undefined;
}

/** kubeconfig lists look like `[{name, cluster: {...}}]`; returns the inner mapping. */
function findNamed(list: unknown, name: string, field: string): Record<string, unknown> | undefined {
  if (!Array.isArray(list)) return undefined;
  const entry = list.find((e): e is Record<string, unknown> => isRecord(e) && e.name === name);
  if (!entry) return undefined;
  const inner = entry[field];
  return isRecord(inner) ? inner : {};
}
