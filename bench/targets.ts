// Issue 9's targets, checked against one run's figures: reported as met or missed, never adjusted.
import type { Results } from './results';
import { type Cell, mib, ms, one, type Table } from './stats';

export function targets(r: Results): Table {
  const rows: Cell[][] = [];
  const yes = (ok: boolean | undefined) => (ok === undefined ? '–' : ok ? 'met' : '**missed**');
  const node = r.coldStart?.node;
  // As shipped only: the row started without the compile cache is the control, not a target.
  for (const f of (r.coldStart?.functions ?? []).filter((x) => x.compileCache !== false)) {
    rows.push([`cold start ${f.fn} ≤ 150 ms p50`, `${ms(f.total.p50)} ms`, yes(f.total.p50 <= 150)]);
    rows.push([
      `RSS ${f.fn} ≤ 60 MiB`,
      `${mib(f.rssKiB.p50)} MiB after the first event`,
      yes(f.rssKiB.p50 <= 60 * 1024),
    ]);
    if (node) {
      const t = f.total.p50 / node.total.p50;
      const m = f.rssKiB.p50 / node.rssKiB;
      rows.push([
        `cold start ${f.fn} ≤ 1.6× bare node p50 (issue 12)`,
        `${t.toFixed(2)}× (${ms(f.total.p50)} vs ${ms(node.total.p50)} ms)`,
        yes(t <= 1.6),
      ]);
      rows.push([
        `RSS ${f.fn} ≤ 1.6× bare node (issue 12)`,
        `${m.toFixed(2)}× (${mib(f.rssKiB.p50)} vs ${mib(node.rssKiB)} MiB)`,
        yes(m <= 1.6),
      ]);
    }
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
  for (const z of r.activator?.atZero ?? [])
    rows.push([
      `${z.fn} at zero most of every hour, nothing changing (issue 15)`,
      `${(100 * z.share).toFixed(1)}% (ping "${z.schedule ?? 'none'}"; computed, table 3e)`,
      yes(z.share > 0.5),
    ]);
  return {
    title: `Targets (issues 9, 12${r.activator ? ' and 15' : ''})`,
    head: ['target', 'measured', ''],
    rows,
  };
}
