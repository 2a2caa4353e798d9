// Counting API requests from the API server's own audit log: the one record nobody can under-report,
// whichever client (function, adapter, baseline controller) made the request.
import { closeSync, createReadStream, openSync, readSync, statSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { type AuditRequest, parseAuditLine } from '../../localcluster/audit-log';

/** One request as the bench counts it: the log's record (localcluster/audit-log.ts). */
export type AuditRecord = AuditRequest;

export const WRITE_VERBS = new Set(['create', 'update', 'patch', 'delete', 'deletecollection']);
export const isWrite = (r: AuditRecord) => WRITE_VERBS.has(r.verb);

/** A watch is counted when it starts; everything else once, when it completes. */
function toRecord(line: string): AuditRecord | undefined {
  const r = parseAuditLine(line);
  if (!r) return undefined;
  const counted = r.stage === 'ResponseComplete' ? r.verb !== 'watch' : r.stage === 'ResponseStarted';
  return counted ? r : undefined;
}

export class AuditLog {
  constructor(readonly path: string) {}

  /** A position in the log; requests after it are read with since(). */
  mark(): number {
    return statSync(this.path).size;
  }

  /** Every record between two marks (the end defaults to now), streamed: the scale test writes hundreds of MB. */
  async since(from: number, to: number = this.mark()): Promise<AuditRecord[]> {
    if (to < from) throw new Error(`audit log ${this.path} shrank (rotated?) between marks`);
    const out: AuditRecord[] = [];
    if (to === from) return out;
    const lines = createInterface({ input: createReadStream(this.path, { start: from, end: to - 1 }) });
    for await (const line of lines) {
      const r = toRecord(line);
      if (r) out.push(r);
    }
    return out;
  }

  /** Small reads for polling (quiescence): at most the bytes written since `from`. */
  tail(from: number): { records: AuditRecord[]; next: number } {
    const size = this.mark();
    if (size <= from) return { records: [], next: from };
    const buf = Buffer.alloc(size - from);
    const fd = openSync(this.path, 'r');
    try {
      readSync(fd, buf, 0, buf.length, from);
    } finally {
      closeSync(fd);
    }
    // Only whole lines: the last one may still be being written.
    const text = buf.toString('utf8');
    const end = text.lastIndexOf('\n') + 1;
    const records = text
      .slice(0, end)
      .split('\n')
      .filter(Boolean)
      .flatMap((l) => toRecord(l) ?? []);
    return { records, next: from + Buffer.byteLength(text.slice(0, end)) };
  }

  /**
   * Resolves once none of `users` has made a request for `quietMs`: the operator has finished
   * reacting (trailing events included). Returns when its last request was received.
   */
  async quiet(users: (u: string) => boolean, quietMs: number, timeoutMs = 120_000): Promise<number> {
    let pos = this.mark();
    let last = Date.now();
    let lastRequest = 0;
    const deadline = Date.now() + timeoutMs;
    while (Date.now() - last < quietMs) {
      if (Date.now() > deadline) throw new Error(`operator still busy after ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 50));
      const { records, next } = this.tail(pos);
      pos = next;
      const mine = records.filter((r) => users(r.user));
      if (mine.length) {
        last = Date.now();
        lastRequest = Math.max(lastRequest, ...mine.map((r) => r.at));
      }
    }
    return lastRequest;
  }
}

export interface Tally {
  total: number;
  reads: number;
  writes: number;
  byVerb: Record<string, number>;
  byResource: Record<string, number>;
  /** 'get gpssclusters' → n */
  byVerbResource: Record<string, number>;
  /** Non-2xx answers by code (409 from an Event that exists, 429 from priority and fairness, ...). */
  errors: Record<string, number>;
}

export function tally(records: AuditRecord[]): Tally {
  const t: Tally = {
    total: 0,
    reads: 0,
    writes: 0,
    byVerb: {},
    byResource: {},
    byVerbResource: {},
    errors: {},
  };
  const inc = (m: Record<string, number>, k: string) => {
    m[k] = (m[k] ?? 0) + 1;
  };
  for (const r of records) {
    t.total++;
    if (isWrite(r)) t.writes++;
    else t.reads++;
    inc(t.byVerb, r.verb);
    inc(t.byResource, r.resource);
    inc(t.byVerbResource, `${r.verb} ${r.resource}`);
    if (r.code !== undefined && (r.code < 200 || r.code >= 300)) inc(t.errors, String(r.code));
  }
  return t;
}

export function byUser(records: AuditRecord[]): Map<string, AuditRecord[]> {
  const m = new Map<string, AuditRecord[]>();
  for (const r of records) {
    const list = m.get(r.user) ?? [];
    list.push(r);
    m.set(r.user, list);
  }
  return m;
}

/** The sum of tallies times `factor` (1/n gives the mean per cluster or per event). */
export function combine(parts: Tally[], factor = 1): Tally {
  const t = tally([]);
  const add = (into: Record<string, number>, from: Record<string, number>) => {
    for (const [k, v] of Object.entries(from)) into[k] = (into[k] ?? 0) + v * factor;
  };
  for (const p of parts) {
    t.total += p.total * factor;
    t.reads += p.reads * factor;
    t.writes += p.writes * factor;
    add(t.byVerb, p.byVerb);
    add(t.byResource, p.byResource);
    add(t.byVerbResource, p.byVerbResource);
    add(t.errors, p.errors);
  }
  return t;
}

export interface Latency {
  n: number;
  p50: number;
  p95: number;
  /** Time the API server spent on these requests in all, s. */
  sumS: number;
}

/** Server-side latency by verb and resource, the biggest total first. */
export function latencies(records: AuditRecord[]): Record<string, Latency> {
  const by = new Map<string, number[]>();
  for (const r of records) {
    if (r.ms === undefined) continue;
    const k = `${r.verb} ${r.resource}`;
    const l = by.get(k) ?? [];
    l.push(r.ms);
    by.set(k, l);
  }
  const rows = [...by].map(([k, v]) => {
    v.sort((a, b) => a - b);
    const at = (p: number) => v[Math.min(v.length - 1, Math.ceil((p / 100) * v.length) - 1)]!;
    return [k, { n: v.length, p50: at(50), p95: at(95), sumS: v.reduce((a, b) => a + b, 0) / 1000 }] as const;
  });
  return Object.fromEntries(rows.sort((a, b) => b[1].sumS - a[1].sumS));
}
