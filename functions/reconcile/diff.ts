// Decides whether a desired object must be (re)applied, so a converged cluster costs zero writes.
// Two signals: the hash of what we last applied (catches fields we stopped setting, which a subset
// check cannot see) and a subset comparison against the live object (catches drift made by others).
import { createHash } from 'node:crypto';
import { parseQuantity } from '../../lib/api/quantity';

export const APPLIED_HASH = 'gpss.gpdb.io/applied-hash';

interface WithMeta {
  metadata: { name?: string; annotations?: Record<string, string> };
}

function canonical(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(canonical);
  if (v && typeof v === 'object') {
    return Object.fromEntries(
      Object.keys(v as object)
        .sort()
        .map((k) => [k, canonical((v as Record<string, unknown>)[k])]),
    );
  }
  return v;
}

export function hashOf(obj: unknown): string {
  return createHash('sha256')
    .update(JSON.stringify(canonical(obj)))
    .digest('hex')
    .slice(0, 16);
}

/** The desired object with the hash of its own content recorded in an annotation. */
export function withAppliedHash<T extends WithMeta>(
  desired: T,
): T & { metadata: { annotations: Record<string, string> } } {
  const hash = hashOf(desired);
  return {
    ...desired,
    metadata: { ...desired.metadata, annotations: { ...desired.metadata.annotations, [APPLIED_HASH]: hash } },
  };
}

function isEmpty(v: unknown): boolean {
  return (
    v === undefined ||
    v === null ||
    (Array.isArray(v) && v.length === 0) ||
    (typeof v === 'object' && !Array.isArray(v) && Object.keys(v as object).length === 0)
  );
}

/** Every field of `want` is present in `have` with the same value; extra fields in `have` are fine. */
export function isSubset(want: unknown, have: unknown, path: string[] = []): boolean {
  if (isEmpty(want)) return isEmpty(have) || (typeof have === 'object' && have !== null);
  if (Array.isArray(want)) {
    return (
      Array.isArray(have) &&
      have.length === want.length &&
      want.every((w, i) => isSubset(w, have[i], [...path, String(i)]))
    );
  }
  if (typeof want === 'object' && want !== null) {
    if (typeof have !== 'object' || have === null || Array.isArray(have)) return false;
    return Object.entries(want as Record<string, unknown>).every(([k, w]) =>
      isSubset(w, (have as Record<string, unknown>)[k], [...path, k]),
    );
  }
  if (want === have) return true;
  if (path.includes('resources') && (typeof want === 'string' || typeof want === 'number')) {
    const a = parseQuantity(want);
    const b = typeof have === 'string' || typeof have === 'number' ? parseQuantity(have) : undefined;
    return a !== undefined && b !== undefined && Math.abs(a - b) <= Math.abs(a) * 1e-12;
  }
  return false;
}

/** Why an apply is needed, or undefined when the live object already is what we want. */
export function applyReason(desiredWithHash: WithMeta, live: WithMeta | undefined): string | undefined {
  if (!live) return 'missing';
  const want = desiredWithHash.metadata.annotations?.[APPLIED_HASH];
  if (live.metadata.annotations?.[APPLIED_HASH] !== want) return 'changed';
  if (!isSubset(desiredWithHash, live)) return 'drifted';
  return undefined;
}
