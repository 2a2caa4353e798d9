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
