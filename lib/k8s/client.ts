// The operator's only door to the API server: @kubernetes/client-node's KubeConfig (every auth mode
// it supports) and its typed APIs, behind a small adapter that keeps what the library does not have:
// 404 → undefined, errors that say what was being done (KubeApiError, judged transient or permanent),
// per-event request counters, one kept-alive connection pool, list pagination, and the
// server-side-apply content type. The typed APIs are used rather than KubernetesObjectApi because
// that one sends a discovery request per apiVersion on every cold start.

import { createHash } from 'node:crypto';
import {
  AppsV1Api,
  type ConfigurationOptions,
  CoreV1Api,
  CustomObjectsApi,
  createConfiguration,
  type KubeConfig,
  type Middleware,
  PatchStrategy,
  PolicyV1Api,
  type RequestContext,
  type ResponseContext,
  ServerConfiguration,
  setHeaderOptions,
} from '@kubernetes/client-node';
import { Agent, type Dispatcher } from 'undici';
import { type Accounted, type Counters, count, describeRequest, newCounters } from './counters';
import { fromClientError, hasStatus } from './errors';
import { undiciHttpLibrary } from './http-library';
import { loadKubeConfig } from './kubeconfig';
import {
  type ApiName,
  apiVersionOf,
  type ResourceDescriptor,
  type ResourceRef,
  resolveResource,
  resourceFor,
  type Subresource,
} from './resources';

export interface ClientOptions {
  /** Whole-request deadline; default 30 s (the library sets none). */
  timeoutMs?: number;
  userAgent?: string;
}

/** The fields every Kubernetes object has; concrete types (V1Pod, GpssCluster, ...) are passed as T. */
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
 * What apply/create/update need to find an object's resource; any other fields pass through. The
 * index signatures are `any`, not `unknown`, because only `any` admits interfaces without one.
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
  /**
   * Data at least as new as this resourceVersion (resourceVersionMatch=NotOlderThan) instead of a
   * consistent read: see lib/k8s/as-of.ts.
   */
  notOlderThan?: string;
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

const PATCH_CONTENT_TYPES: Record<PatchType | 'apply', string> = {
  merge: PatchStrategy.MergePatch,
  json: PatchStrategy.JsonPatch,
  strategic: PatchStrategy.StrategicMergePatch,
  apply: PatchStrategy.ServerSideApply,
};

const DEFAULT_TIMEOUT_MS = 30_000;
const DEFAULT_PAGE_SIZE = 500;
/** How often the TLS material is re-read, so rotated client certificates and CAs are picked up. */
const TLS_RECHECK_MS = 60_000;

const API_CLASSES = {
  core: CoreV1Api,
  apps: AppsV1Api,
  policy: PolicyV1Api,
  custom: CustomObjectsApi,
} as const;

/** A typed API seen as its methods, called by name (see call()); results are typed by the caller. */
type AnyApi = Record<
  string,
  (params: Record<string, unknown>, options?: ConfigurationOptions) => Promise<unknown>
>;

/**
 * One connection pool for all requests of a process (the library builds a new undici Agent, hence a
 * TLS handshake, per request). Rebuilt when the kubeconfig's TLS material changes; not used when the
 * cluster has a proxy-url (the library's proxy dispatcher must carry those requests).
 */
class ConnectionPool {
  private agent: Dispatcher | undefined;
  private fingerprint = '';
  private checkedAt = Number.NEGATIVE_INFINITY;

  constructor(private readonly kc: KubeConfig) {}

  async dispatcher(): Promise<Dispatcher | undefined> {
    if (this.kc.getCurrentCluster()?.proxyUrl) return undefined;
    const now = Date.now();
    if (this.agent && now - this.checkedAt < TLS_RECHECK_MS) return this.agent;
    this.checkedAt = now;
    const tls: {
      ca?: unknown;
      cert?: unknown;
      key?: unknown;
      servername?: string;
      rejectUnauthorized?: boolean;
    } = {};
    await this.kc.applyToHTTPSOptions(tls);
    const fingerprint = createHash('sha256')
      .update(JSON.stringify([tls.ca, tls.cert, tls.key, tls.servername, tls.rejectUnauthorized].map(String)))
      .digest('hex');
    if (!this.agent || fingerprint !== this.fingerprint) {
      const old = this.agent;
      this.agent = new Agent({
        connect: {
          ...(tls.ca ? { ca: tls.ca as string } : {}),
          ...(tls.cert ? { cert: tls.cert as string } : {}),
          ...(tls.key ? { key: tls.key as string } : {}),
          ...(tls.servername ? { servername: tls.servername } : {}),
          ...(tls.rejectUnauthorized !== undefined ? { rejectUnauthorized: tls.rejectUnauthorized } : {}),
          keepAlive: true,
          keepAliveInitialDelay: 30_000,
        },
      });
      this.fingerprint = fingerprint;
      void old?.close();
    }
    return this.agent;
  }

  close(): void {
    void this.agent?.destroy();
    this.agent = undefined;
  }
}

/** What a client and its per-event copies share: the kubeconfig and the connection pool. */
interface Shared {
  kc: KubeConfig;
  pool: ConnectionPool;
  options: ClientOptions;
  server: string;
}

export class KubeClient {
  /** The default namespace: the kubeconfig context's, the Pod's, or 'default'. */
  readonly namespace: string;
  readonly counters: Counters = newCounters();
  readonly server: string;
  private readonly apis = new Map<ApiName, AnyApi>();

  private constructor(private readonly shared: Shared) {
    this.server = shared.server;
    this.namespace = shared.kc.getContextObject(shared.kc.getCurrentContext())?.namespace || 'default';
  }

  /** A client for a loaded KubeConfig. */
  static fromKubeConfig(kc: KubeConfig, options: ClientOptions = {}): KubeClient {
    const cluster = kc.getCurrentCluster();
    if (!cluster) throw new Error(`the kubeconfig has no cluster for context "${kc.getCurrentContext()}"`);
    return new KubeClient({ kc, pool: new ConnectionPool(kc), options, server: cluster.server });
  }

  /**
   * A client for one kubeconfig file (tests, the local runner, the bench). `impersonate` acts as
   * another user through the kubeconfig's own `as` (tests prove a ServiceAccount's RBAC with it).
   */
  static fromKubeconfig(
    path: string,
    options: ClientOptions & { impersonate?: { user: string } } = {},
  ): KubeClient {
    const { impersonate, ...rest } = options;
    const kc = loadKubeConfig({ KUBECONFIG: path });
    if (impersonate) {
      const current = kc.getCurrentUser()?.name;
      kc.users = kc.users.map((u) => (u.name === current ? { ...u, impersonateUser: impersonate.user } : u));
    }
    return KubeClient.fromKubeConfig(kc, rest);
  }

  /** The library's default: $KUBECONFIG (a path list), ~/.kube/config, or the Pod's ServiceAccount. */
  static fromEnv(options: ClientOptions = {}): KubeClient {
    return KubeClient.fromKubeConfig(loadKubeConfig(process.env), options);
  }

  /** Same kubeconfig and connections, fresh counters: one per event. */
  scoped(): KubeClient {
    return new KubeClient(this.shared);
  }

  /** Closes the pooled connections; the client stays usable (a new pool is made on the next request). */
  close(): void {
    this.shared.pool.close();
  }

  /** The object, or undefined when it does not exist (404). */
  async get<T = KubeObject>(
    res: ResourceRef,
    namespace: string | undefined,
    name: string,
    options: { subresource?: Subresource } = {},
  ): Promise<T | undefined> {
    const r = resolveResource(res);
    try {
      return await this.call<T>(
        r,
        'read',
        'get',
        { ...this.target(r, namespace, 'get'), name },
        options.subresource,
      );
    } catch (err) {
      if (hasStatus(err, 404)) return undefined;
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
    const apiVersion = apiVersionOf(r);
    const scope = r.namespaced && namespace ? { namespace } : {};
    for (let attempt = 0; ; attempt++) {
      const items: T[] = [];
      let cont: string | undefined;
      let resourceVersion = '';
      try {
        do {
          const page = await this.call<{
            items?: T[];
            metadata?: { resourceVersion?: string; _continue?: string; continue?: string };
          }>(
            r,
            'list',
            'list',
            {
              ...this.target(r, undefined, 'list'),
              ...scope,
              labelSelector: options.labelSelector,
              fieldSelector: options.fieldSelector,
              limit: options.limit ?? DEFAULT_PAGE_SIZE,
              _continue: cont,
              // A continue token carries the list's resourceVersion; later pages must not set one.
              ...(options.notOlderThan && !cont
                ? { resourceVersion: options.notOlderThan, resourceVersionMatch: 'NotOlderThan' }
                : {}),
            },
            undefined,
            r.namespaced && !namespace,
          );
          for (const item of page.items ?? []) {
            // List items come without TypeMeta; fill it so they can be compared with or applied as objects.
            const o = item as KubeObject;
            o.apiVersion ??= apiVersion;
            o.kind ??= r.kind;
            items.push(item);
          }
          resourceVersion = page.metadata?.resourceVersion ?? resourceVersion;
          cont = page.metadata?._continue || page.metadata?.continue || undefined;
        } while (cont);
        return { items, resourceVersion };
      } catch (err) {
        // A continue token expires (410 Gone) when the list outlives etcd compaction: start over, once.
        if (attempt === 0 && cont && hasStatus(err, 410)) continue;
        throw err;
      }
    }
  }

  /**
   * Server-side apply under `fieldManager`, forcing conflicts by default. Returns the object as
   * stored (or as it would be, with dryRun).
   */
  async apply<T = KubeObject>(obj: ObjectRef, options: ApplyOptions): Promise<T> {
    const r = options.resource ?? this.descriptorOf(obj);
    return this.call<T>(
      r,
      'patch',
      'apply',
      {
        ...this.target(r, obj.metadata.namespace, 'apply'),
        name: requireName(obj, 'apply'),
        body: obj,
        fieldManager: options.fieldManager,
        force: options.force ?? true,
        ...writeParams(options),
      },
      options.subresource,
      false,
      PATCH_CONTENT_TYPES.apply,
    );
  }

  async create<T = KubeObject>(
    obj: ObjectRef,
    options: WriteOptions & { resource?: ResourceDescriptor } = {},
  ): Promise<T> {
    const r = options.resource ?? this.descriptorOf(obj);
    return this.call<T>(r, 'create', 'create', {
      ...this.target(r, obj.metadata.namespace, 'create'),
      body: obj,
      fieldManager: options.fieldManager,
      ...writeParams(options),
    });
  }

  /** PUT: replaces the object; with metadata.resourceVersion set, fails with 409 if it changed meanwhile. */
  async update<T = KubeObject>(
    obj: ObjectRef,
    options: WriteOptions & { subresource?: 'status'; resource?: ResourceDescriptor } = {},
  ): Promise<T> {
    const r = options.resource ?? this.descriptorOf(obj);
    return this.call<T>(
      r,
      'replace',
      'update',
      {
        ...this.target(r, obj.metadata.namespace, 'update'),
        name: requireName(obj, 'update'),
        body: obj,
        fieldManager: options.fieldManager,
        ...writeParams(options),
      },
      options.subresource,
    );
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
    return this.call<T>(
      r,
      'patch',
      'patch',
      {
        ...this.target(r, namespace, 'patch'),
        name,
        body,
        fieldManager: options.fieldManager,
        ...writeParams(options),
      },
      options.subresource,
      false,
      PATCH_CONTENT_TYPES[type],
    );
  }

  /** True when deleted (or deletion started), false when it was already gone (404). */
  async delete(
    res: ResourceRef,
    namespace: string | undefined,
    name: string,
    options: DeleteOptions = {},
  ): Promise<boolean> {
    const r = resolveResource(res);
    const body: Record<string, unknown> = {};
    if (options.preconditions) body.preconditions = options.preconditions;
    if (options.propagationPolicy) body.propagationPolicy = options.propagationPolicy;
    if (options.gracePeriodSeconds !== undefined) body.gracePeriodSeconds = options.gracePeriodSeconds;
    try {
      await this.call(r, 'delete', 'delete', {
        ...this.target(r, namespace, 'delete'),
        name,
        body,
        ...(options.dryRun ? { dryRun: 'All' } : {}),
      });
      return true;
    } catch (err) {
      if (hasStatus(err, 404)) return false;
      throw err;
    }
  }

  /** The parameters that place a request: namespace, and group/version/plural for custom resources. */
  private target(
    r: ResourceDescriptor,
    namespace: string | undefined,
    verb: string,
  ): Record<string, unknown> {
    const params: Record<string, unknown> = {};
    if (r.api === 'custom') Object.assign(params, { group: r.group, version: r.version, plural: r.plural });
    if (r.namespaced && verb !== 'list') {
      if (!namespace)
        throw new Error(`${verb} ${r.plural}: a namespace is required (the resource is namespaced)`);
      params.namespace = namespace;
    }
    return params;
  }

  /**
   * Calls the typed API method for (action, resource): `readNamespacedStatefulSet`,
   * `patchNamespacedCustomObjectStatus`, `listPodForAllNamespaces`, `listNode`, ... The library's
   * errors become KubeApiError naming the verb and resource.
   */
  private async call<T>(
    r: ResourceDescriptor,
    action: 'read' | 'list' | 'create' | 'replace' | 'patch' | 'delete',
    verb: string,
    params: Record<string, unknown>,
    subresource?: Subresource,
    allNamespaces = false,
    contentType?: string,
  ): Promise<T> {
    const method = methodName(r, action, subresource, allNamespaces);
    const api = this.api(r.api);
    const fn = api[method];
    if (typeof fn !== 'function') throw new Error(`@kubernetes/client-node has no ${method} for ${r.plural}`);
    const options = contentType ? setHeaderOptions('Content-Type', contentType) : undefined;
    try {
      return (await fn.call(api, dropUndefined(params), options)) as T;
    } catch (err) {
      throw fromClientError(err, {
        verb,
        resource: subresource ? `${r.plural}/${subresource}` : r.plural,
        namespace: params.namespace as string | undefined,
        name: params.name as string | undefined,
      });
    }
  }

  private api(name: ApiName): AnyApi {
    let api = this.apis.get(name);
    if (!api) {
      api = new API_CLASSES[name](this.configuration()) as unknown as AnyApi;
      this.apis.set(name, api);
    }
    return api;
  }

  private config: ReturnType<typeof createConfiguration> | undefined;

  /** One middleware (the library reverses the order of several on every call): count, name, time-box, pool. */
  private configuration(): ReturnType<typeof createConfiguration> {
    if (this.config) return this.config;
    const { kc, pool, options, server } = this.shared;
    const base = new URL(server);
    const basePath = base.pathname.replace(/\/+$/, '');
    const counters = this.counters;
    const mw: Middleware = {
      pre: async (ctx: RequestContext) => {
        const url = new URL(ctx.getUrl());
        const path = url.pathname.slice(basePath.length) + url.search;
        const contentType = ctx.getHeaders()['Content-Type'];
        const accounted: Accounted = describeRequest(ctx.getHttpMethod(), path, contentType);
        if (url.searchParams.get('dryRun')) accounted.dryRun = true;
        count(counters, accounted);
        ctx.setHeaderParam('User-Agent', options.userAgent ?? 'gpss-operator');
        // Token files usually end with a newline, which the library keeps and fetch refuses.
        const auth = ctx.getHeaders().Authorization;
        if (auth && auth !== auth.trim()) ctx.setHeaderParam('Authorization', auth.trim());
        ctx.setSignal(AbortSignal.timeout(options.timeoutMs ?? DEFAULT_TIMEOUT_MS));
        const dispatcher = await pool.dispatcher();
        if (dispatcher) ctx.setDispatcher(dispatcher);
        return ctx;
      },
      post: async (rsp: ResponseContext) => rsp,
    };
    this.config = createConfiguration({
      baseServer: new ServerConfiguration(server, {}),
      authMethods: { default: kc },
      promiseMiddleware: [mw],
      httpApi: undiciHttpLibrary,
    });
    return this.config;
  }

  private descriptorOf(obj: ObjectRef): ResourceDescriptor {
    const r = resourceFor(obj.apiVersion, obj.kind);
    if (!r)
      throw new Error(
        `no resource known for ${obj.apiVersion} ${obj.kind}: add it to RESOURCES or pass options.resource`,
      );
    return r;
  }
}

/** The typed API's method name for an action on a resource. */
export function methodName(
  r: ResourceDescriptor,
  action: 'read' | 'list' | 'create' | 'replace' | 'patch' | 'delete',
  subresource?: Subresource,
  allNamespaces = false,
): string {
  const custom = r.api === 'custom';
  const kind = custom ? 'CustomObject' : r.kind;
  const verb = custom && action === 'read' ? 'get' : action;
  const sub = subresource ? subresource[0]!.toUpperCase() + subresource.slice(1) : '';
  if (action === 'list' && allNamespaces)
    return custom ? 'listClusterCustomObject' : `list${kind}ForAllNamespaces`;
  if (custom) return `${verb}${r.namespaced ? 'Namespaced' : 'Cluster'}${kind}${sub}`;
  return `${verb}${r.namespaced ? 'Namespaced' : ''}${kind}${sub}`;
}

function requireName(obj: ObjectRef, verb: string): string {
  const name = obj.metadata?.name;
  if (!name) throw new Error(`${verb} ${obj.kind}: metadata.name is required`);
  return name;
}

function writeParams(o: { dryRun?: boolean; fieldValidation?: FieldValidation }): Record<string, unknown> {
  return { dryRun: o.dryRun ? 'All' : undefined, fieldValidation: o.fieldValidation };
}

function dropUndefined(params: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(params).filter(([, v]) => v !== undefined && v !== ''));
}
