// Kubernetes timestamps come in two forms: the client library deserializes the date-time fields of
// built-in objects (a pod's deletionTimestamp, a node condition's lastTransitionTime, ...) into Date
// objects, while a GpssCluster (a custom resource, plain JSON) and anything we build keep RFC 3339
// strings. Code that reads a time goes through toMillis, so it works with either. Pure.

/** Milliseconds since the epoch, or undefined when the time is absent or unreadable. */
export function toMillis(t: Date | string | undefined): number | undefined {
  if (t === undefined) return undefined;
  const ms = typeof t === 'string' ? Date.parse(t) : t.getTime();
  return Number.isNaN(ms) ? undefined : ms;
}

/** As the API server writes a metav1.Time: UTC, whole seconds (`2026-01-01T00:00:00Z`). */
export function rfc3339(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/**
 * An API timestamp as the latest moment it may stand for: the API server records these times to the
 * second, so counting from the end of that second keeps a time box from ever being cut short (it may
 * run up to a second long instead). A time is finer only if it has a non-zero fraction: a whole
 * second is read as a second's precision whether it comes as a string (a GpssCluster's, or an object
 * re-serialized from the client library's Dates, `…:00.000Z`) or as a Date.
 */
export function endOfSecond(ts: Date | string): number {
  const t = toMillis(ts) ?? Number.NaN;
  return t % 1000 !== 0 ? t : t + 1000;
}
