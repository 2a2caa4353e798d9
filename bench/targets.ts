// Issue 9's targets, checked against one run's figures: reported as met or missed, never adjusted.
import type { Results } from './results';
import { type Cell, mib, ms, one, type Table } from './stats';

export function targets(r: Results): Table {
  const rows: Cell[][] = [];
  const yes = (ok: boolean | undefined) => (ok === undefined ? '–' : ok ? 'met' : '**missed**');
  for (const f of r.coldStart?.functions ?? []) {
    rows.push([`cold start ${f.fn} ≤ 150 ms p50`, `${ms(f.total.p50)} ms`, yes(f.total.p50 <= 150)]);
    rows.push([
      `RSS ${f.fn} ≤ 60 MiB`,
      `${mib(f.rssKiB.p50)} MiB after the first event`,
      yes(f.rssKiB.p50 <= 60 * 1024),
    ]);
  }
  if (r.noop) {
    const w = Math.max(...r.noop.map((n) => n.own.writes));
    rows.push([
      'no-op event → 0 writes',
      `${one(w)} writes at most (${r.noop.length} function × kind pairs)`,
      yes(w === 0),
    ]);
  }
  if (r.convergence) {
    const p = r.convergence.create.latency.p50;
    rows.push(['convergence of one cluster ≤ 2 s p50', `${ms(p)} ms (create, size 3)`, yes(p <= 2000)]);
  }
  if (r.scale) {
    const s = r.scale;
    rows.push([
      `${s.clusters} clusters Ready within 5 minutes`,
      s.allReadyMs !== undefined
        ? `${(s.allReadyMs / 1000).toFixed(1)} s`
        : `${s.readyAtEnd}/${s.clusters} at the deadline`,
      s.clusters < 500
        ? `– (quick run: ${s.clusters} only)`
        : yes(s.allReadyMs !== undefined && s.allReadyMs <= 300_000),
    ]);
  }
  return { title: 'Targets (issue 9)', head: ['target', 'measured', ''], rows };
}
