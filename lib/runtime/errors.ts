// How a failed event is answered: transient => 503 so eventing redelivers; permanent => logged, 200.

import { causeChain, kubeApiError, kubeTransience } from '../k8s/errors';

/** Retrying later may succeed (a dependency is down, a write conflicted). */
export class TransientError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'TransientError';
  }
}

/** Retrying cannot help (invalid spec, forbidden); the handler records why before throwing. */
export class PermanentError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'PermanentError';
  }
}

export type ErrorClass = 'transient' | 'permanent';

/**
 * Walks the cause chain outermost first: an explicit TransientError/PermanentError wins, then the first
 * Kubernetes or network error decides. Anything else (a TypeError, a bug) is permanent: redelivery would
 * fail the same way, and the periodic resync retries it anyway.
 */
export function classify(err: unknown): ErrorClass {
  for (const e of causeChain(err)) {
    if (e instanceof TransientError) return 'transient';
    if (e instanceof PermanentError) return 'permanent';
    const verdict = kubeTransience(e);
    if (verdict) return verdict;
  }
  return 'permanent';
}

/**
 * The event itself is unusable (wrong kind for this function, data that is not an object, no name):
 * answered 400 with no side effects, so eventing neither retries nor counts it as handled.
 */
export class BadEventError extends PermanentError {
  readonly httpStatus = 400;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'BadEventError';
  }
}

/** The Retry-After the API server sent with the failure, in seconds. */
export function retryAfterSeconds(err: unknown): number | undefined {
  return kubeApiError(err)?.retryAfterSeconds;
}
