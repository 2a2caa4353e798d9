// Tables 5 and 6: the scale test and the always-on baseline's fixed costs.

import { type Cell, mib, ms, one, type Table } from '../harness/stats';
import type { BurstResult } from '../measure/scale';
import type { Results } from './results';
import { TARGET } from './targets';

const short = (user: string) => user.replace(/^system:serviceaccount:gpss-operator-system:/, '');

export function scaleTables(r: Results): Table[] {
  const out: Table[] = [];
  if (r.scale) {
    const s = r.scale;
    const rows: Cell[][] = [
      [
        'GpssClusters × instances',
        `${s.clusters} × 3 = ${s.clusters * 3} pods in ${s.namespaces} namespaces`,
      ],
      ['all creates submitted', `${(s.submitMs / 1000).toFixed(1)} s`],
      [
        'first create → all Ready',
        s.allReadyMs !== undefined
          ? `${(s.allReadyMs / 1000).toFixed(1)} s`
          : `not reached: ${s.readyAtEnd}/${s.clusters} Ready after ${(r.sizes.scaleDeadlineMs / 1000).toFixed(0)} s`,
      ],
      [
        'first create → operator quiet (every event handled)',
        s.settledMs !== undefined
          ? `${(s.settledMs / 1000).toFixed(1)} s`
          : 'still busy 120 s after the wait ended',
      ],
      ['checked child by child afterwards', `${s.verified} clusters, ${s.verifyFailures.length} differing`],
      ['PingSource resyncs fired meanwhile', s.pingsSent],
      [
        'Ready over time',
        s.timeline
          .filter(([t], i) => i === s.timeline.length - 1 || (t > 0 && t % 30 < 5))
          .map(([t, n]) => `${t} s: ${n}`)
          .join(', '),
      ],
    ];
    for (const [fn, k] of Object.entries(s.peakKiB)) rows.push([`peak RSS (VmHWM) ${fn}`, `${mib(k)} MiB`]);
    for (const [u, t] of Object.entries(s.requests))
      rows.push([
        `requests ${short(u)}`,
        `${t.total} (${t.writes} writes; ${one(t.total / s.clusters)}/cluster)${Object.keys(t.errors).length ? `; errors ${JSON.stringify(t.errors)}` : ''}`,
      ]);
    const wallS = (s.settledMs ?? s.allReadyMs ?? r.sizes.scaleDeadlineMs) / 1000;
    for (const [fn, e] of Object.entries(s.events ?? {}))
      rows.push([
        `events handled by ${fn}`,
        `${e.events} (${Object.entries(e.byResource)
          .map(([k, v]) => `${k} ${v}`)
          .join(
            ', ',
          )}); ${ms(e.handlingMs.p50)} / ${ms(e.handlingMs.p95)} ms p50/p95; busy ${e.busyS.toFixed(0)} s in ${wallS.toFixed(0)} s`,
      ]);
    const pings = Object.entries(s.events ?? {}).filter(([, e]) => e.pingMs?.length);
    if (pings.length)
      rows.push([
        'resyncs (cron pings) during the test, each took',
        pings
          .map(([fn, e]) => `${fn} ${e.pingMs.map((x) => `${(x / 1000).toFixed(0)} s`).join(', ')}`)
          .join('; '),
      ]);
    for (const [a, n] of Object.entries(s.adapterFailedSends ?? {}))
      rows.push([`deliveries ${a} gave up on`, n]);
    if (s.cpu) {
      const u = s.cpu;
      const parts = Object.entries(u.components)
        .sort((a, b) => b[1] - a[1])
        .map(([k, v]) => `${k} ${v.toFixed(0)}`);
      rows.push([
        'CPU seconds until all Ready (or the deadline)',
        `${u.capacity.toFixed(0)} available (${r.machine.nproc} cores × ${u.wallS.toFixed(0)} s): ${parts.join(', ')}, other work on the machine ${u.others.toFixed(0)}, idle ${u.idle.toFixed(0)}`,
      ]);
    }
    for (const [fn, k] of Object.entries(s.resyncPeakKiB))
      rows.push([`peak RSS during the resync ${fn}`, `${mib(k)} MiB`]);
    if (r.baselineAtScale) {
      const b = r.baselineAtScale;
      rows.push([
        `baseline controller started over these ${b.existingClusters} clusters`,
        `${b.reconciles} reconciles in ${(b.startupMs / 1000).toFixed(1)} s, ${b.startup.total} requests (${b.startup.writes} writes), RSS ${mib(b.rssKiB)} MiB, peak ${mib(b.hwmKiB)} MiB`,
      ]);
    }
    out.push({ title: '5. Scale: clusters created at once', head: ['metric', 'value'], rows });
    if (s.apiLatency)
      out.push({
        title:
          "5b. Scale: the functions' API requests by verb and resource (API server time, from the audit log)",
        head: ['verb resource', 'requests', 'p50 ms', 'p95 ms', 'server time s'],
        rows: Object.entries(s.apiLatency)
          .slice(0, 14)
          .map(([k, l]) => [k, l.n, ms(l.p50), ms(l.p95), l.sumS.toFixed(0)]),
      });
  }
  const vs = burstComparison(r);
  if (vs) out.push(vs);
  if (r.baseline) {
    const b = r.baseline;
    out.push({
      title: '6. Baseline controller (always on) — its fixed costs',
      head: ['metric', 'value'],
      rows: [
        [
          'start → caches synced and queue drained',
          `${ms(b.startupMs)} ms over ${b.existingClusters} existing clusters`,
        ],
        [
          'start-up requests (lists, watches, first pass)',
          `${b.startup.total} (${JSON.stringify(b.startup.byVerb)})`,
        ],
        ['RSS after the convergence runs / peak', `${mib(b.rssKiB)} / ${mib(b.hwmKiB)} MiB`],
      ],
    });
  }
  return out;
}

/** Issue 14: the same burst run by the serverless operator and by the always-on baseline, side by side. */
function burstComparison(r: Results): Table | undefined {
  const b = r.scaleBaseline;
  if (!b) return undefined;
  const s = r.scale;
  const secs = (v: number | undefined) => (v === undefined ? undefined : v / 1000);
  const row = (
    metric: string,
    get: (x: BurstResult) => number | undefined,
    show: (v: number, x: BurstResult) => string,
    compare = true,
  ): Cell[] => {
    const x = s ? get(s) : undefined;
    const y = get(b);
    const cell = (v: number | undefined, w: BurstResult | undefined) =>
      v === undefined || !w || !Number.isFinite(v) ? '–' : show(v, w);
    return [
      metric,
      cell(x, s),
      cell(y, b),
      compare && x !== undefined && y !== undefined && y > 0 ? `${(x / y).toFixed(2)}×` : '–',
    ];
  };
  const deadlineS = r.sizes.scaleDeadlineMs / 1000;
  const total = (x: BurstResult) => Object.values(x.requests).reduce((a, t) => a + t.total, 0);
  const rows: Cell[][] = [
    row(
      'clusters × 3 instances, created at once',
      (x) => x.clusters,
      (v, x) => `${v} in ${x.namespaces} namespaces`,
      false,
    ),
    row(
      `Ready at the deadline (${deadlineS.toFixed(0)} s)`,
      (x) => x.readyAtEnd,
      (v, x) => `${v}/${x.clusters}`,
      false,
    ),
    [
      'first create → all Ready, s',
      ...[s, b].map((x) =>
        !x ? '–' : x.allReadyMs !== undefined ? (x.allReadyMs / 1000).toFixed(1) : 'not reached',
      ),
      s?.allReadyMs !== undefined && b.allReadyMs !== undefined
        ? `${(s.allReadyMs / b.allReadyMs).toFixed(2)}×`
        : '–',
    ],
    row(
      "first create → the operator's last request (every event handled), s",
      (x) => secs(x.settledMs),
      (v) => v.toFixed(1),
    ),
    row(
      'API server CPU-seconds over the burst',
      (x) => x.apiServerCpuS,
      (v) => v.toFixed(0),
    ),
    row(
      `API server CPU-seconds per cluster (target ≤ ${TARGET.apiServerCpuRatio}× the baseline's)`,
      (x) => x.apiServerCpuSPerCluster,
      (v) => v.toFixed(2),
    ),
    row(
      "operator's own CPU-seconds (functions and adapters / the controller)",
      (x) => x.operatorCpuS,
      (v) => v.toFixed(0),
    ),
    row('API requests by the operator accounts', total, (v, x) => `${v} (${one(v / x.clusters)}/cluster)`),
    row(
      'machine CPU-seconds left idle over the burst',
      (x) => x.cpuBurst?.idle,
      (v, x) => `${v.toFixed(0)} of ${x.cpuBurst!.capacity.toFixed(0)}`,
      false,
    ),
    row(
      'checked child by child afterwards',
      (x) => x.verified,
      (v, x) => `${v}, ${x.verifyFailures.length} differing`,
      false,
    ),
  ];
  return {
    title: '5c. Scale: the same burst, serverless against the always-on baseline (issue 14)',
    head: ['metric', 'serverless', 'baseline', 'serverless/baseline'],
    rows,
    notes: [
      `Each burst on a freshly started bench cluster (same configuration, ${r.sizes.nodes} KWOK nodes, the operator's manifests), the baseline's first; the operator up and idle before the first create (the baseline's start-up, ${(b.startupMs / 1000).toFixed(1)} s, is outside the figures).`,
      'CPU window: first create → the operator quiet (1 s without a request after its last), or the settle timeout (120 s after the deadline) when it stayed busy (then a lower bound). The API server also serves the controller-manager, scheduler and KWOK creating the same pods in both bursts.',
    ],
  };
}
