// Errors of the Kubernetes client, and whether retrying can help.

/** The parts of a Kubernetes `Status` body that explain a failure. */
export interface KubeStatusDetails {
  name?: string;
  group?: string;
  kind?: string;
  causes?: { reason?: string; message?: string; field?: string }[];
}

export interface KubeApiErrorInit {
  /** HTTP status; 0 when no response arrived (network error, timeout). */
  status: number;
  reason: string;
  message: string;
  /** What the client was doing: get, list, create, update, patch, apply, delete, or the HTTP method. */
  verb: string;
  method: string;
  path: string;
  /** Node's error code for network failures (ECONNRESET, ...). */
  code?: string;
  /** The resource the request was about (plural, with '/subresource'), when known. */
  resource?: string;
  details?: KubeStatusDetails;
  retryAfterSeconds?: number;
  cause?: unknown;
}

/**
 * A failed request to the API server. The message names the verb and path but never carries
 * credentials: paths and Status messages from the server hold no secrets.
 */
export class KubeApiError extends Error {
  readonly status: number;
  readonly reason: string;
  readonly verb: string;
  readonly method: string;
  readonly path: string;
  readonly code?: string;
  readonly resource?: string;
  readonly details?: KubeStatusDetails;
  readonly retryAfterSeconds?: number;

  constructor(init: KubeApiErrorInit) {
    const what = init.status ? `${init.status} ${init.reason}` : init.reason;
    super(`${init.verb} ${init.path}: ${what}: ${init.message}`, { cause: init.cause });
    this.name = 'KubeApiError';
    this.status = init.status;
    this.reason = init.reason;
    this.verb = init.verb;
    this.method = init.method;
    this.path = init.path;
    if (init.code !== undefined) this.code = init.code;
    if (init.resource !== undefined) this.resource = init.resource;
    if (init.details !== undefined) this.details = init.details;
    if (init.retryAfterSeconds !== undefined) this.retryAfterSeconds = init.retryAfterSeconds;
  }
}

// 409 is here on purpose: a Conflict means our read was stale, and the retry re-reads.
const TRANSIENT_STATUS = new Set([409, 429, 500, 502, 503, 504]);

const TRANSIENT_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ECONNABORTED',
  'ETIMEDOUT',
  'ESOCKETTIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENETDOWN',
  'EHOSTDOWN',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ERR_SOCKET_CONNECTION_TIMEOUT',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
]);

/**
 * Judges one error (not its causes): 'transient' or 'permanent' when it is a Kubernetes or network
 * error, undefined when it is something else.
 */
export function kubeTransience(err: unknown): 'transient' | 'permanent' | undefined {
  if (err instanceof KubeApiError) {
    if (err.status === 0)
      return err.code === undefined || TRANSIENT_CODES.has(err.code) ? 'transient' : 'permanent';
    // Server-side apply reports an object that does not fit the schema as a 500; retrying cannot fix it.
    if (err.status === 500 && err.message.includes('failed to create typed patch object')) return 'permanent';
    return TRANSIENT_STATUS.has(err.status) ? 'transient' : 'permanent';
  }
  if (err instanceof Error) {
    if (err.name === 'TimeoutError' || err.name === 'AbortError') return 'transient';
    const code = (err as { code?: unknown }).code;
    if (typeof code === 'string' && TRANSIENT_CODES.has(code)) return 'transient';
  }
  return undefined;
}

/**
 * True when retrying may succeed: network errors, timeouts, 409, 429, 5xx (500, 502, 503, 504).
 * Walks the `cause` chain, so a wrapped error (`new Error('apply StatefulSet', { cause })`) is judged by
 * the first Kubernetes or network error inside it.
 */
export function isTransient(err: unknown): boolean {
  for (const e of causeChain(err)) {
    const verdict = kubeTransience(e);
    if (verdict) return verdict === 'transient';
  }
  return false;
}

/** True when some error in the chain is a KubeApiError with this status (e.g. 404, 409). */
export function hasStatus(err: unknown, status: number): boolean {
  return causeChain(err).some((e) => e instanceof KubeApiError && e.status === status);
}

/** The first KubeApiError in the chain (outermost first): what the API server said, if it said anything. */
export function kubeApiError(err: unknown): KubeApiError | undefined {
  return causeChain(err).find((e): e is KubeApiError => e instanceof KubeApiError);
}

/** The error and its causes, outermost first; bounded so a cyclic chain cannot hang. */
export function causeChain(err: unknown): unknown[] {
  const chain: unknown[] = [];
  let e: unknown = err;
  while (e !== undefined && e !== null && chain.length < 16 && !chain.includes(e)) {
    chain.push(e);
    e = e instanceof Error ? e.cause : undefined;
  }
  return chain;
}

/** What the adapter was doing when the library failed: named in the error, never a credential. */
export interface RequestTarget {
  verb: string;
  /** plural, with the subresource when there is one: 'gpssclusters/status'. */
  resource: string;
  namespace?: string | undefined;
  name?: string | undefined;
}

interface ClientErrorShape {
  code?: unknown;
  body?: unknown;
  headers?: Record<string, string>;
  cause?: unknown;
  name?: string;
  message?: string;
}

/**
 * Turns what @kubernetes/client-node throws into a KubeApiError: an ApiException (status `code`, a
 * raw Status body string, lower-case headers), a transport failure (undici's error with its code, or
 * `TypeError: fetch failed` whose cause carries it), or a timeout/abort from the request's signal.
 */
export function fromClientError(err: unknown, target: RequestTarget): KubeApiError | unknown {
  if (err instanceof KubeApiError || !(err instanceof Error)) return err;
  const e = err as Error & ClientErrorShape;
  const path = describeTarget(target);
  const base = {
    verb: target.verb,
    method: target.verb,
    path,
    resource: target.resource,
    cause: err,
  };
  if (typeof e.code === 'number' && e.code >= 100) {
    const status = parseStatus(e.body);
    const retryAfter = Number(e.headers?.['retry-after'] ?? status.details?.retryAfterSeconds);
    return new KubeApiError({
      ...base,
      status: e.code,
      reason: status.reason || (e.code === 401 ? 'Unauthorized' : 'Unknown'),
      message:
        status.message || (typeof e.body === 'string' ? e.body.trim().slice(0, 300) : '') || '(no message)',
      ...(status.details ? { details: status.details } : {}),
      ...(Number.isFinite(retryAfter) && retryAfter > 0 ? { retryAfterSeconds: retryAfter } : {}),
    });
  }
  if (e.name === 'TimeoutError' || e.name === 'AbortError') {
    return new KubeApiError({ ...base, status: 0, reason: 'Timeout', code: 'ETIMEDOUT', message: e.message });
  }
  const socketCode = networkCode(e);
  if (socketCode || e.message === 'fetch failed') {
    const inner = e.cause instanceof Error ? e.cause.message : e.message;
    return new KubeApiError({
      ...base,
      status: 0,
      reason: 'NetworkError',
      ...(socketCode ? { code: socketCode } : {}),
      message: inner,
    });
  }
  return err;
}

function describeTarget(t: RequestTarget): string {
  const [plural, subresource] = t.resource.split('/');
  const ns = t.namespace ? `namespaces/${t.namespace}/` : '';
  const name = t.name ? `/${t.name}${subresource ? `/${subresource}` : ''}` : '';
  return `${ns}${plural}${name}`;
}

function parseStatus(body: unknown): {
  reason?: string;
  message?: string;
  details?: KubeStatusDetails & { retryAfterSeconds?: number };
} {
  if (body && typeof body === 'object') return body as never;
  if (typeof body !== 'string') return {};
  try {
    const parsed = JSON.parse(body);
    return parsed && typeof parsed === 'object' ? parsed : {};
  } catch {
    return {};
  }
}

/** The socket error code of a transport failure, looked for in the error and its causes. */
function networkCode(err: Error): string | undefined {
  for (const e of causeChain(err)) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string') return code;
  }
  return undefined;
}
