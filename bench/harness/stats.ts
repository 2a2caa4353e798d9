// Percentiles and plain-text tables: every benchmark reports the same way, in the terminal and in
// RESULTS.md (the tables are valid Markdown, so one renderer serves both).

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
