// Where the API server is and who we are, as @kubernetes/client-node's KubeConfig reads it (exec
// plugins, OIDC, token files, client certificates, proxy-url, in-cluster with rotating tokens). Ours
// is only what the library leaves out: errors that name the file and the reason, kubectl's rule for
// which current-context wins in a KUBECONFIG list, and no silent fallback to http://localhost:8080.

import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, dirname, join, resolve } from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
// The library's own YAML parser (already in every bundle through it), for the keys it drops.
import { load as loadYaml } from 'js-yaml';

export const SERVICE_ACCOUNT_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';

/** A kubeconfig that cannot be used, with the file(s) and the reason; `message` is one line. */
export class KubeConfigError extends Error {
  constructor(
    readonly source: string,
    readonly reason: string,
    options?: { cause?: unknown },
  ) {
    super(`kubeconfig ${source}: ${reason}`, options);
    this.name = 'KubeConfigError';
  }
}

/**
 * Loads the kubeconfig the way kubectl finds it: the files of $KUBECONFIG (a path list, merged; the
 * first file that sets current-context wins), else ~/.kube/config, else the Pod's ServiceAccount.
 * Throws KubeConfigError when none is found or the chosen context lacks a cluster or user.
 */
export function loadKubeConfig(env: NodeJS.ProcessEnv = process.env, home = homedir()): KubeConfig {
  const kc = new KubeConfig();
  const files = (env.KUBECONFIG ?? '').split(delimiter).filter(Boolean);
  let source: string;
  if (files.length > 0) {
    source = files.join(delimiter);
    const missing = files.filter((f) => !existsSync(f));
    // kubectl skips missing files of a list; only an all-missing list is an error.
    const present = files.filter((f) => existsSync(f));
    if (present.length === 0)
      throw new KubeConfigError(source, `no such file${missing.length > 1 ? 's' : ''}`);
    load(kc, present, source);
  } else if (existsSync(join(home, '.kube', 'config'))) {
    source = join(home, '.kube', 'config');
    load(kc, [source], source);
  } else if (existsSync(join(SERVICE_ACCOUNT_DIR, 'token'))) {
    source = `in-cluster (${SERVICE_ACCOUNT_DIR})`;
    try {
      kc.loadFromCluster();
    } catch (cause) {
      throw new KubeConfigError(source, reasonOf(cause), { cause });
    }
  } else {
    throw new KubeConfigError(
      '(none)',
      `KUBECONFIG is not set, ${join(home, '.kube', 'config')} does not exist and this is not a Pod`,
    );
  }
  validate(kc, source);
  return kc;
}

function load(kc: KubeConfig, files: string[], source: string): void {
  try {
    kc.loadFromFile(files[0]!);
    withTokenFiles(kc, files[0]!);
    for (const f of files.slice(1)) {
      const next = new KubeConfig();
      try {
        next.loadFromFile(f);
        withTokenFiles(next, f);
      } catch (cause) {
        throw new KubeConfigError(f, reasonOf(cause), { cause });
      }
      // kubectl: the first file to set current-context wins (the library's default is the last).
      kc.mergeConfig(next, Boolean(kc.getCurrentContext()));
    }
  } catch (cause) {
    if (cause instanceof KubeConfigError) throw cause;
    throw new KubeConfigError(files.length > 1 ? source : files[0]!, reasonOf(cause), { cause });
  }
}

/**
 * Token files, as kubectl writes them (`tokenFile`, which the library ignores) or as the library
 * reads them (`token-file`, read once at load), become the library's `tokenFile` auth provider, which
 * re-reads the file every minute: a rotated token is picked up, as kubectl and in-cluster do.
 */
function withTokenFiles(kc: KubeConfig, file: string): void {
  const text = readFileSync(file, 'utf8');
  if (!/token-?file/i.test(text)) return;
  const doc = loadYaml(text) as
    | { users?: Array<{ name?: string; user?: Record<string, unknown> }> }
    | undefined;
  const raw = new Map((doc?.users ?? []).map((u) => [u.name, u.user ?? {}]));
  kc.users = kc.users.map((u) => {
    const r = raw.get(u.name) ?? {};
    const tokenFile = r.tokenFile ?? r['token-file'];
    if (typeof tokenFile !== 'string' || r.token || u.authProvider || u.exec) return u;
    const { token: _, ...rest } = u;
    return {
      ...rest,
      authProvider: { name: 'tokenFile', config: { tokenFile: resolve(dirname(file), tokenFile) } },
    };
  });
}

function validate(kc: KubeConfig, source: string): void {
  const name = kc.getCurrentContext();
  if (!name) throw new KubeConfigError(source, 'no current-context is set');
  const ctx = kc.getContextObject(name);
  if (!ctx) throw new KubeConfigError(source, `current-context "${name}" is not defined`);
  const cluster = kc.getCluster(ctx.cluster);
  if (!cluster)
    throw new KubeConfigError(
      source,
      `context "${name}" names cluster "${ctx.cluster}", which is not defined`,
    );
  if (!cluster.server) throw new KubeConfigError(source, `cluster "${cluster.name}" has no server`);
  try {
    new URL(cluster.server);
  } catch {
    throw new KubeConfigError(
      source,
      `cluster "${cluster.name}" has an invalid server URL "${cluster.server}"`,
    );
  }
  if (ctx.user && !kc.getUser(ctx.user)) {
    throw new KubeConfigError(source, `context "${name}" names user "${ctx.user}", which is not defined`);
  }
}

function reasonOf(err: unknown): string {
  const e = err as NodeJS.ErrnoException;
  if (e?.code === 'ENOENT') return 'no such file';
  if (e?.code === 'EACCES') return 'permission denied';
  const first = String(e?.message ?? err).split('\n')[0]!;
  return first.length > 200 ? `${first.slice(0, 200)}…` : first;
}

/** A kubeconfig for a server that needs no credentials (tests' stand-ins and unreachable servers). */
export function kubeConfigFor(server: string): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: 'c', server, skipTLSVerify: true }],
    users: [{ name: 'u' }],
    contexts: [{ name: 'ctx', cluster: 'c', user: 'u' }],
    currentContext: 'ctx',
  });
  return kc;
}
