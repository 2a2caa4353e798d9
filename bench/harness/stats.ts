// Percentiles and plain-text tables: every benchmark reports the same way, in the terminal and in
// RESULTS.md (the tables are valid Markdown, so one renderer serves both).
import { seeded } from '../../test/support/seeded';

export interface Summary {
  n: number;
  p50: number;
  p95: number;
  min: number;
  max: number;
  mean: number;
}

/** Nearest-rank percentile: with 20 samples p95 is the 19th value, an observed one, not an interpolation. */
export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1]!;
}

export function summarize(values: number[]): Summary {
  const s = [...values].sort((a, b) => a - b);
  const sum = s.reduce((a, b) => a + b, 0);
  return {
    n: s.length,
    p50: percentile(s, 50),
    p95: percentile(s, 95),
    min: s[0] ?? Number.NaN,
    max: s[s.length - 1] ?? Number.NaN,
    mean: s.length ? sum / s.length : Number.NaN,
  };
}

/**
 * How far the ratio of two p50s (a's over b's) may move with the sampling alone: a percentile bootstrap,
 * each side resampled with replacement `resamples` times, the central `level` share of the ratios.
 * Seeded, so a report made again from the same samples says the same. It cannot see what both
 * sides shared (the machine's load over the run); the rounds of bench/measure/paired.ts address that.
 */
export function p50RatioInterval(
  a: number[],
  b: number[],
  level = 0.9,
  resamples = 2000,
): { low: number; high: number } | undefined {
  if (a.length < 2 || b.length < 2) return undefined;
  const rand = seeded(0x9e3779b9);
  const resampledP50 = (xs: number[]) =>
    percentile(
      Array.from({ length: xs.length }, () => xs[Math.floor(rand() * xs.length)]!).sort((x, y) => x - y),
      50,
    );
  const ratios: number[] = [];
  for (let i = 0; i < resamples; i++) ratios.push(resampledP50(a) / resampledP50(b));
  ratios.sort((x, y) => x - y);
  const tail = ((1 - level) / 2) * 100;
  return { low: percentile(ratios, tail), high: percentile(ratios, 100 - tail) };
}

export type Cell = string | number | undefined;

export interface Table {
  title: string;
  head: string[];
  rows: Cell[][];
  notes?: string[];
}

export function fmt(v: Cell, digits = 0): string {
  if (v === undefined) return '–';
  if (typeof v === 'string') return v;
  if (!Number.isFinite(v)) return '–';
  return v.toFixed(Number.isInteger(v) ? 0 : digits);
}

export const ms = (v: number | undefined) =>
  v === undefined || !Number.isFinite(v) ? '–' : `${Math.round(v)}`;
export const mib = (kib: number | undefined) => (kib === undefined ? '–' : (kib / 1024).toFixed(1));
export const one = (v: number | undefined) => (v === undefined || !Number.isFinite(v) ? '–' : v.toFixed(1));

export function renderTable(t: Table): string {
  const cells = t.rows.map((r) => r.map((c) => fmt(c, 1)));
  const widths = t.head.map((h, i) => Math.max(h.length, ...cells.map((r) => (r[i] ?? '').length)));
  // Figures right-aligned so they line up; any column holding prose stays left-aligned.
  const numeric = t.head.map((_, i) => i > 0 && cells.every((r) => /^[-–\d.,×%()\s]*$/.test(r[i] ?? '')));
  const line = (r: string[]) =>
    `| ${r.map((c, i) => (numeric[i] ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join(' | ')} |`;
  const sep = `|${widths.map((w, i) => (numeric[i] ? `${'-'.repeat(w + 1)}:` : `${'-'.repeat(w + 2)}`)).join('|')}|`;
  const out = [`### ${t.title}`, '', line(t.head), sep, ...cells.map(line)];
  if (t.notes?.length) out.push('', ...t.notes.map((n) => `- ${n}`));
  return out.join('\n');
}
