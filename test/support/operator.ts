// Helpers for tests that drive the functions through their HTTP interface against the embedded
// cluster: operator manifests, clients acting as each function's ServiceAccount (so RBAC applies),
// CloudEvents shaped exactly as the ApiServerSource adapter sends them, and API-server request
// counts read from the audit log.
import { closeSync, openSync, readSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { type CloudEvent, HTTP } from 'cloudevents';
import { KubeClient } from '../../lib/k8s/client';
import { REPO_ROOT } from '../../localcluster/config';
import { OPERATOR_NAMESPACE } from '../../localcluster/operator';
import type { SharedCluster } from './cluster';

export { adapterEvent, pingEvent } from '../../localcluster/adapter-event';
export { OPERATOR_NAMESPACE };
export const AUDIT_LOG = join(REPO_ROOT, '.local', 'cluster', 'logs', 'audit.log');

export async function installOperator(c: SharedCluster): Promise<void> {
  for (const f of ['manifests/namespace.yaml', 'manifests/crd', 'manifests/rbac']) {
    const r = await c.kubectl(['apply', '--server-side', '--force-conflicts', '-f', join(REPO_ROOT, f)]);
    if (r.code !== 0) throw new Error(`applying ${f}: ${r.stderr}`);
  }
  const established = await c.kubectl([
    'wait',
    '--for=condition=Established',
    '--timeout=30s',
    'crd/gpssclusters.gpss.gpdb.io',
  ]);
  if (established.code !== 0) throw new Error(`CRD not established: ${established.stderr}`);
}

export function serviceAccountUser(fn: 'reconcile' | 'finalize' | 'health'): string {
  return `system:serviceaccount:${OPERATOR_NAMESPACE}:gpss-${fn}`;
}

export async function adminClient(c: SharedCluster): Promise<KubeClient> {
  return KubeClient.fromKubeconfig(c.kubeconfig);
}

/** A client with exactly the function's RBAC (impersonating its ServiceAccount). */
export async function functionClient(
  c: SharedCluster,
  fn: 'reconcile' | 'finalize' | 'health',
): Promise<KubeClient> {
  return KubeClient.fromKubeconfig(c.kubeconfig, {
    impersonate: { user: serviceAccountUser(fn) },
    userAgent: `test/${fn}`,
  });
}

export interface AppLike {
  request(path: string, init: RequestInit): Response | Promise<Response>;
}

export async function deliver(
  app: AppLike,
  ce: CloudEvent<unknown>,
  mode: 'binary' | 'structured' = 'binary',
): Promise<Response> {
  const m = mode === 'binary' ? HTTP.binary(ce) : HTTP.structured(ce);
  return app.request('/', {
    method: 'POST',
    headers: m.headers as Record<string, string>,
    body: m.body as string,
  });
}

export interface AuditMark {
  offset: number;
}

export function auditMark(): AuditMark {
  return { offset: statSync(AUDIT_LOG).size };
}

export interface AuditEvent {
  verb: string;
  requestURI?: string;
  userAgent?: string;
  user: { username: string };
  impersonatedUser?: { username: string };
  objectRef?: { resource?: string; subresource?: string; namespace?: string; name?: string };
  responseStatus?: { code?: number };
  stage: string;
  requestReceivedTimestamp: string;
  stageTimestamp: string;
}

/** Every completed request the API server audited since the mark. */
export function auditEventsSince(mark: AuditMark): AuditEvent[] {
  const size = statSync(AUDIT_LOG).size;
  const buf = Buffer.alloc(size - mark.offset);
  const fd = openSync(AUDIT_LOG, 'r');
  try {
    readSync(fd, buf, 0, buf.length, mark.offset);
  } finally {
    closeSync(fd);
  }
  return buf
    .toString('utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as AuditEvent)
    .filter((e) => e.stage === 'ResponseComplete');
}

/** Audit events since the mark, done as `user` (directly or through impersonation). */
export function auditSince(mark: AuditMark, user: string): AuditEvent[] {
  return auditEventsSince(mark).filter((e) => (e.impersonatedUser?.username ?? e.user.username) === user);
}

export const WRITE_VERBS = new Set(['create', 'update', 'patch', 'delete', 'deletecollection']);

/** Writes since the mark; dry runs (`?dryRun=All`) persist nothing and are not writes. */
export function writesSince(mark: AuditMark, user: string): AuditEvent[] {
  return auditSince(mark, user).filter(
    (e) => WRITE_VERBS.has(e.verb) && !/[?&]dryRun=/.test(e.requestURI ?? ''),
  );
}
