// Kubernetes resource quantities ("500m", "16Gi", "1e3"), read as numbers. The one parser of the
// project: validation orders requests against limits with it, and the apply diff compares desired
// and live resources with it (the API server rewrites "1000m" as "1", so equal values differ as text).

// The API server's grammar: a signed decimal number, then at most one of a binary suffix, a decimal
// suffix or an exponent ("1e3Gi" and "1gi" are refused).
const QUANTITY = /^([+-]?)(\d+(?:\.\d*)?|\.\d+)(?:([KMGTPE]i)|([numkMGTPE])|[eE]([+-]?\d+))?$/;
const BINARY: Record<string, number> = {
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
  Pi: 2 ** 50,
  Ei: 2 ** 60,
};
const DECIMAL: Record<string, number> = { n: -9, u: -6, m: -3, k: 3, M: 6, G: 9, T: 12, P: 15, E: 18 };

/**
 * Value of a Kubernetes quantity ("500m", 2, "16Gi", "1e3") as a float, or undefined when malformed.
 * Precise enough to order and compare quantities; not meant for arithmetic.
 */
export function parseQuantity(q: string | number): number | undefined {
  if (typeof q === 'number') return Number.isFinite(q) ? q : undefined;
  const m = QUANTITY.exec(q);
  if (!m) return undefined;
  const [, sign, digits, binary, decimal, exponent] = m;
  let v = Number(digits);
  if (binary) v *= BINARY[binary];
  else if (decimal) v *= 10 ** DECIMAL[decimal];
  else if (exponent) v *= 10 ** Number(exponent);
  return sign === '-' ? -v : v;
}
