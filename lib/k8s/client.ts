// A thin Kubernetes client on node:http(s): JSON in and out, one keep-alive agent per connection,
// per-client request counters. Deliberately not @kubernetes/client-node (Node >= 22 only, ~400 ms to import).

import { readFileSync } from 'node:fs';
import * as http from 'node:http';
import * as https from 'node:https';
import { type ConnectionConfig, inClusterConnection, loadKubeconfig } from './config';
import { type Accounted, type Counters, count, describeRequest, newCounters } from './counters';
import { KubeApiError, type KubeStatusDetails } from './errors';
import {
  apiVersionOf,
  type ResourceDescriptor,
  type ResourceRef,
  resolveResource,
  resourceFor,
  resourcePath,
  type Subresource,
} from './resources';

export interface Impersonation {
  user: string;
  groups?: string[];
}

export interface ClientOptions {
  /** Act as another user (Impersonate-User/-Group headers): tests use it to prove a ServiceAccount's RBAC. */
  impersonate?: Impersonation;
  /** Whole-request deadline; default 30 s. */
  timeoutMs?: number;
  userAgent?: string;
  /** How often a token file is re-read; default 60 s (bound ServiceAccount tokens rotate). */
  tokenRefreshMs?: number;
  maxSockets?: number;
}

/** The fields every Kubernetes object has; concrete types (GpssCluster, ...) are passed as T. */
export interface KubeObject {
  apiVersion?: string;
  kind?: string;
  metadata?: {
    name?: string;
    namespace?: string;
    uid?: string;
    resourceVersion?: string;
    generation?: number;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    [k: string]: unknown;
  };
  [k: string]: unknown;
}

/**
 * What apply/create/update need to find an object's path; any other fields pass through. The index
 * signatures are `any`, not `unknown`, because only `any` admits interfaces without one (GpssCluster).
 */
export interface ObjectRef {
  apiVersion: string;
  kind: string;
  // biome-ignore lint/suspicious/noExplicitAny: see above
  metadata: { name?: string; namespace?: string; [field: string]: any };
  // biome-ignore lint/suspicious/noExplicitAny: see above
  [field: string]: any;
}

export type FieldValidation = 'Strict' | 'Warn' | 'Ignore';
export type PatchType = 'merge' | 'json' | 'strategic';

export interface ListOptions {
  labelSelector?: string;
  fieldSelector?: string;
  /** Page size; pages are followed through `continue` until the list is complete. */
  limit?: number;
}

export interface ListResult<T> {
  items: T[];
  resourceVersion: string;
}

export interface WriteOptions {
  fieldManager?: string;
  dryRun?: boolean;
  fieldValidation?: FieldValidation;
}

export interface ApplyOptions extends WriteOptions {
  fieldManager: string;
  /** Take ownership of conflicting fields; default true (the operator is the authority on what it applies). */
  force?: boolean;
  subresource?: 'status';
  /** For kinds missing from RESOURCES. */
  resource?: ResourceDescriptor;
}

export interface DeleteOptions {
  preconditions?: { uid?: string; resourceVersion?: string };
  propagationPolicy?: 'Foreground' | 'Background' | 'Orphan';
  gracePeriodSeconds?: number;
  dryRun?: boolean;
}

export type QueryValue = string | number | boolean | undefined;

export interface RequestOptions {
  body?: unknown;
  /** Defaults to application/json when there is a body. */
  contentType?: string;
  query?: Record<string, QueryValue>;
  timeoutMs?: number;
  /** Names the request in errors and counters when the default (from method and path) is not right. */
  verb?: string;
}

const PATCH_TYPES: Record<PatchType, string> = {
  merge: 'application/merge-patch+json',
  json: 'application/json-patch+json',
  strategic: 'application/strategic-merge-patch+json',
};

const APPLY_CONTENT_TYPE = 'application/apply-patch+yaml';
const DEFAULT_TIMEOUT_MS = 30_000;
const DEFAULT_PAGE_SIZE = 500;

/** The part shared by a client and its scoped copies: endpoint, TLS agent, credentials. */
interface Transport {
  base: URL;
  basePath: string;
  secure: boolean;
  agent: http.Agent;
  authorization: () => string | undefined;
}

interface RawResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
  statusText: string;
}

export class KubeClient {
  /** The default namespace: the kubeconfig context's, the Pod's, or 'default'. */
  readonly namespace: string;
  readonly counters: Counters = newCounters();
  readonly server: string;

  private constructor(
    private readonly transport: Transport,
    private readonly options: ClientOptions,
    namespace: string,
  ) {
    this.namespace = namespace;
    this.server = transport.base.origin + transport.basePath;
  }

  /** A client for an explicit connection (tests, or a config assembled elsewhere). */
  static fromConfig(conn: ConnectionConfig, options: ClientOptions = {}): KubeClient {
    return new KubeClient(createTransport(conn, options), options, conn.namespace || 'default');
  }

  static async fromKubeconfig(
    path: string,
    options: ClientOptions & { context?: string } = {},
  ): Promise<KubeClient> {
    const { context, ...rest } = options;
    return KubeClient.fromConfig(await loadKubeconfig(path, context ? { context } : {}), rest);
  }

  static inCluster(options: ClientOptions = {}): KubeClient {
    return KubeClient.fromConfig(inClusterConnection(), options);
  }

  /** KUBECONFIG when set (the first file of a path list), otherwise the Pod's ServiceAccount. */
  static async fromEnv(options: ClientOptions = {}): Promise<KubeClient> {
    const kubeconfig = process.env.KUBECONFIG?.split(':').find(Boolean);
    return kubeconfig ? KubeClient.fromKubeconfig(kubeconfig, options) : KubeClient.inCluster(options);
  }

  /** Same agent and credentials, fresh counters: one per event. */
  scoped(): KubeClient {
    return new KubeClient(this.transport, this.options, this.namespace);
  }

  /** Same agent, acting as another user (or as itself again with undefined); fresh counters. */
  impersonating(impersonate: Impersonation | undefined): KubeClient {
    const { impersonate: _, ...rest } = this.options;
    return new KubeClient(this.transport, impersonate ? { ...rest, impersonate } : rest, this.namespace);
  }

  /** Closes idle keep-alive sockets; the client stays usable. */
  close(): void {
    this.transport.agent.destroy();
  }

  /** The object, or undefined when it does not exist (404). */
  async get<T = KubeObject>(
    res: ResourceRef,
    namespace: string | undefined,
    name: string,
    options: { subresource?: Subresource } = {},
  ): Promise<T | undefined> {
    const r = resolveResource(res);
    const path = resourcePath(r, { namespace: requireNamespace(r, namespace, 'get'), name, ...options });
    try {
      return await this.request<T>('GET', path, { verb: 'get' });
    } catch (err) {
      if (err instanceof KubeApiError && err.status === 404) return undefined;
      throw err;
    }
  }

  /** All matching objects (every page), each with apiVersion and kind filled in; namespace undefined = all. */
  async list<T = KubeObject>(
    res: ResourceRef,
    namespace: string | undefined,
    options: ListOptions = {},
  ): Promise<ListResult<T>> {
    const r = resolveResource(res);
    const path = resourcePath(r, { namespace });
    const apiVersion = apiVersionOf(r);
    for (let attempt = 0; ; attempt++) {
      const items: T[] = [];
      let cont: string | undefined;
      let resourceVersion = '';
      try {
        do {
          const page = await this.request<{
            items?: T[];
            metadata?: { resourceVersion?: string; continue?: string };
          }>('GET', path, {
            verb: 'list',
            query: {
              labelSelector: options.labelSelector,
              fieldSelector: options.fieldSelector,
              limit: options.limit ?? DEFAULT_PAGE_SIZE,
              continue: cont,
            },
          });
          for (const item of page.items ?? []) {
            // List items come without TypeMeta; fill it so they can be compared with or applied as objects.
            const o = item as KubeObject;
            o.apiVersion ??= apiVersion;
            o.kind ??= r.kind;
            items.push(item);
          }
          resourceVersion = page.metadata?.resourceVersion ?? resourceVersion;
          cont = page.metadata?.continue || undefined;
        } while (cont);
        return { items, resourceVersion };
      } catch (err) {
        // A continue token expires (410 Gone) when the list outlives etcd compaction: start over, once.
        if (attempt === 0 && cont && err instanceof KubeApiError && err.status === 410) continue;
        throw err;
      }
    }
  }

  /**
   * Server-side apply: PATCH application/apply-patch+yaml (JSON is YAML) under `fieldManager`,
   * forcing conflicts by default. Returns the object as stored (or as it would be, with dryRun).
   */
  async apply<T = KubeObject>(obj: ObjectRef, options: ApplyOptions): Promise<T> {
    const r = options.resource ?? this.descriptorOf(obj);
    const path = resourcePath(r, {
      namespace: requireNamespace(r, obj.metadata.namespace, 'apply'),
      name: requireName(obj, 'apply'),
      subresource: options.subresource,
    });
    return this.request<T>('PATCH', path, {
      verb: 'apply',
      body: obj,
      contentType: APPLY_CONTENT_TYPE,
      query: {
        fieldManager: options.fieldManager,
        force: options.force ?? true,
        ...writeQuery(options),
      },
    });
  }

  async create<T = KubeObject>(
    obj: ObjectRef,
    options: WriteOptions & { resource?: ResourceDescriptor } = {},
  ): Promise<T> {
    const r = options.resource ?? this.descriptorOf(obj);
    const path = resourcePath(r, { namespace: requireNamespace(r, obj.metadata.namespace, 'create') });
    return this.request<T>('POST', path, {
      verb: 'create',
      body: obj,
      query: { fieldManager: options.fieldManager, ...writeQuery(options) },
    });
  }

  /** PUT: replaces the object; with metadata.resourceVersion set, fails with 409 if it changed meanwhile. */
  async update<T = KubeObject>(
    obj: ObjectRef,
    options: WriteOptions & { subresource?: 'status'; resource?: ResourceDescriptor } = {},
  ): Promise<T> {
    const r = options.resource ?? this.descriptorOf(obj);
    const path = resourcePath(r, {
      namespace: requireNamespace(r, obj.metadata.namespace, 'update'),
      name: requireName(obj, 'update'),
      subresource: options.subresource,
    });
    return this.request<T>('PUT', path, {
      verb: 'update',
      body: obj,
      query: { fieldManager: options.fieldManager, ...writeQuery(options) },
    });
  }

  async patch<T = KubeObject>(
    res: ResourceRef,
    namespace: string | undefined,
    name: string,
    body: unknown,
    type: PatchType,
    options: WriteOptions & { subresource?: Subresource } = {},
  ): Promise<T> {
    const r = resolveResource(res);
    const path = resourcePath(r, {
      namespace: requireNamespace(r, namespace, 'patch'),
      name,
      subresource: options.subresource,
    });
    return this.request<T>('PATCH', path, {
      verb: 'patch',
      body,
      contentType: PATCH_TYPES[type],
      query: { fieldManager: options.fieldManager, ...writeQuery(options) },
    });
  }

  /** True when deleted (or deletion started), false when it was already gone (404). */
  async delete(
    res: ResourceRef,
    namespace: string | undefined,
    name: string,
    options: DeleteOptions = {},
  ): Promise<boolean> {
    const r = resolveResource(res);
    const path = resourcePath(r, { namespace: requireNamespace(r, namespace, 'delete'), name });
    const body: Record<string, unknown> = { apiVersion: 'v1', kind: 'DeleteOptions' };
    if (options.preconditions) body.preconditions = options.preconditions;
    if (options.propagationPolicy) body.propagationPolicy = options.propagationPolicy;
    if (options.gracePeriodSeconds !== undefined) body.gracePeriodSeconds = options.gracePeriodSeconds;
    try {
      await this.request('DELETE', path, { verb: 'delete', body, query: writeQuery(options) });
      return true;
    } catch (err) {
      if (err instanceof KubeApiError && err.status === 404) return false;
      throw err;
    }
  }

  /**
   * Any API call: JSON body in, parsed JSON out (text when the response is not JSON, undefined when empty).
   * Throws KubeApiError for non-2xx responses and for network failures and timeouts (status 0).
   */
  async request<T = unknown>(method: string, path: string, options: RequestOptions = {}): Promise<T> {
    const query = encodeQuery(options.query);
    const fullPath = query ? `${path}${path.includes('?') ? '&' : '?'}${query}` : path;
    const contentType = options.body === undefined ? undefined : (options.contentType ?? 'application/json');
    const accounted: Accounted = describeRequest(method, fullPath, contentType);
    if (options.verb) accounted.verb = options.verb;
    if (/[?&]dryRun=/.test(fullPath)) accounted.dryRun = true;
    count(this.counters, accounted);

    let payload: Buffer | undefined;
    if (options.body !== undefined) {
      payload = Buffer.from(typeof options.body === 'string' ? options.body : JSON.stringify(options.body));
    }
    const target = { method: method.toUpperCase(), path: fullPath, verb: accounted.verb };
    // A keep-alive socket the server closed while idle fails with ECONNRESET on reuse; idempotent
    // requests are safe to send once more on a fresh socket.
    const idempotent = target.method === 'GET' || accounted.verb === 'apply';
    let res: RawResponse;
    try {
      res = await this.send(target, contentType, payload, options.timeoutMs);
    } catch (err) {
      if (!(idempotent && err instanceof ReusedSocketReset)) throw err;
      res = await this.send(target, contentType, payload, options.timeoutMs);
    }
    if (res.status >= 200 && res.status < 300) return decodeBody(res) as T;
    throw apiError(target, res);
  }

  private descriptorOf(obj: ObjectRef): ResourceDescriptor {
    const r = resourceFor(obj.apiVersion, obj.kind);
    if (!r) {
      throw new Error(
        `no resource known for ${obj.apiVersion} ${obj.kind}: add it to RESOURCES or pass options.resource`,
      );
    }
    return r;
  }

  private send(
    target: { method: string; path: string; verb: string },
    contentType: string | undefined,
    payload: Buffer | undefined,
    timeoutMs: number | undefined,
  ): Promise<RawResponse> {
    const t = this.transport;
    const headers: http.OutgoingHttpHeaders = {
      Accept: 'application/json',
      'User-Agent': this.options.userAgent ?? 'gpss-operator',
    };
    const authorization = t.authorization();
    if (authorization) headers.Authorization = authorization;
    const imp = this.options.impersonate;
    if (imp) {
      headers['Impersonate-User'] = imp.user;
      if (imp.groups?.length) headers['Impersonate-Group'] = imp.groups;
    }
    if (payload) {
      headers['Content-Type'] = contentType;
      headers['Content-Length'] = payload.length;
    }
    const ms = timeoutMs ?? this.options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    const mod = t.secure ? https : http;

    return new Promise<RawResponse>((resolvePromise, reject) => {
      const req = mod.request({
        protocol: t.base.protocol,
        hostname: t.base.hostname.replace(/^\[|\]$/g, ''),
        port: t.base.port || (t.secure ? 443 : 80),
        method: target.method,
        path: t.basePath + target.path,
        headers,
        agent: t.agent,
      });
      let timedOut = false;
      const fail = (err: Error) => {
        clearTimeout(timer);
        const code = (err as NodeJS.ErrnoException).code;
        if (timedOut) {
          reject(
            new KubeApiError({
              ...target,
              status: 0,
              reason: 'Timeout',
              code: 'ETIMEDOUT',
              message: `no complete response within ${ms} ms`,
              cause: err,
            }),
          );
        } else if (req.reusedSocket && code === 'ECONNRESET') {
          reject(new ReusedSocketReset(target, err));
        } else {
          reject(
            new KubeApiError({
              ...target,
              status: 0,
              reason: 'NetworkError',
              ...(code ? { code } : {}),
              message: err.message,
              cause: err,
            }),
          );
        }
      };
      // A whole-request deadline (socket timeouts only see idle gaps). Settling first makes the errors
      // that destroy() raises afterwards no-ops.
      const timer = setTimeout(() => {
        timedOut = true;
        fail(new Error('request timed out'));
        req.destroy();
      }, ms);
      req.on('response', (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          clearTimeout(timer);
          resolvePromise({
            status: res.statusCode ?? 0,
            statusText: res.statusMessage ?? '',
            headers: res.headers,
            body: Buffer.concat(chunks),
          });
        });
        res.on('error', (err) => fail(err));
      });
      req.on('error', (err) => fail(err));
      req.end(payload);
    });
  }
}

/** A reset on a reused keep-alive socket: retried once for idempotent requests, else a network error. */
class ReusedSocketReset extends KubeApiError {
  constructor(target: { method: string; path: string; verb: string }, cause: Error) {
    super({
      ...target,
      status: 0,
      reason: 'NetworkError',
      code: 'ECONNRESET',
      message: cause.message,
      cause,
    });
  }
}

function createTransport(conn: ConnectionConfig, options: ClientOptions): Transport {
  let base: URL;
  try {
    base = new URL(conn.server);
  } catch (cause) {
    throw new Error(`invalid API server URL "${conn.server}"`, { cause });
  }
  const secure = base.protocol === 'https:';
  if (!secure && base.protocol !== 'http:') throw new Error(`unsupported API server scheme ${base.protocol}`);
  const agentOptions: https.AgentOptions = { keepAlive: true, maxSockets: options.maxSockets ?? 32 };
  if (secure) {
    if (conn.ca) agentOptions.ca = conn.ca;
    if (conn.cert) agentOptions.cert = conn.cert;
    if (conn.key) agentOptions.key = conn.key;
    if (conn.tlsServerName) agentOptions.servername = conn.tlsServerName;
    agentOptions.rejectUnauthorized = !conn.insecureSkipTlsVerify;
  }
  return {
    base,
    basePath: base.pathname.replace(/\/+$/, ''),
    secure,
    agent: secure ? new https.Agent(agentOptions) : new http.Agent(agentOptions),
    authorization: tokenSource(conn, options.tokenRefreshMs ?? 60_000),
  };
}

/** Bearer header from a static token or a token file re-read every `refreshMs`. */
function tokenSource(conn: ConnectionConfig, refreshMs: number): () => string | undefined {
  if (conn.token) {
    const header = `Bearer ${conn.token}`;
    return () => header;
  }
  const file = conn.tokenFile;
  if (!file) return () => undefined;
  let token = '';
  let readAt = Number.NEGATIVE_INFINITY;
  return () => {
    const now = Date.now();
    if (now - readAt >= refreshMs) {
      try {
        token = readFileSync(file, 'utf8').trim();
        readAt = now;
      } catch (cause) {
        // Keep the last good token while the kubelet swaps the file; fail only if there never was one.
        if (!token) throw new Error(`cannot read the API token file ${file}`, { cause });
      }
    }
    return token ? `Bearer ${token}` : undefined;
  };
}

function requireNamespace(
  r: ResourceDescriptor,
  namespace: string | undefined,
  verb: string,
): string | undefined {
  if (!r.namespaced) return undefined;
  if (!namespace)
    throw new Error(`${verb} ${r.plural}: a namespace is required (the resource is namespaced)`);
  return namespace;
}

function requireName(obj: ObjectRef, verb: string): string {
  const name = obj.metadata?.name;
  if (!name) throw new Error(`${verb} ${obj.kind}: metadata.name is required`);
  return name;
}

function writeQuery(o: { dryRun?: boolean; fieldValidation?: FieldValidation }): Record<string, QueryValue> {
  return { dryRun: o.dryRun ? 'All' : undefined, fieldValidation: o.fieldValidation };
}

function encodeQuery(query: Record<string, QueryValue> | undefined): string {
  if (!query) return '';
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) if (v !== undefined && v !== '') params.append(k, String(v));
  return params.toString();
}

function decodeBody(res: RawResponse): unknown {
  if (res.body.length === 0) return undefined;
  const text = res.body.toString('utf8');
  if (!/json/.test(String(res.headers['content-type'] ?? ''))) return text;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

interface StatusBody {
  kind?: string;
  reason?: string;
  message?: string;
  details?: KubeStatusDetails;
}

function apiError(target: { method: string; path: string; verb: string }, res: RawResponse): KubeApiError {
  const decoded = decodeBody(res);
  const status: StatusBody = typeof decoded === 'object' && decoded !== null ? (decoded as StatusBody) : {};
  const text = typeof decoded === 'string' ? decoded.trim().slice(0, 300) : '';
  const retryAfter = Number(res.headers['retry-after']);
  return new KubeApiError({
    ...target,
    status: res.status,
    reason: status.reason || res.statusText || 'Unknown',
    message: status.message || text || '(no message)',
    ...(status.details ? { details: status.details } : {}),
    ...(Number.isFinite(retryAfter) && retryAfter > 0 ? { retryAfterSeconds: retryAfter } : {}),
  });
}
