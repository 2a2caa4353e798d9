// Turns one run's results into tables (printed, and written to bench/RESULTS.md on full runs) and
// checks them against issue 9's targets. Nothing here measures anything.
import type { Tally } from '../harness/audit';
import { type Cell, ms, one, p50RatioInterval, renderTable, type Table } from '../harness/stats';
import { cpuBusy, STEP_LABEL, STEPS, type StepCpu } from '../measure/convergence';
import { failoverTables } from './failover-table';
import type { Results } from './results';
import { runtimeTables } from './runtime-tables';
import { scaleTables } from './scale-tables';
import { targets } from './targets';

const short = (user: string) => user.replace(/^system:serviceaccount:gpss-operator-system:/, '');
const ratio = (a: number | undefined, b: number | undefined) =>
  a !== undefined && b !== undefined && b > 0 ? `${(a / b).toFixed(1)}×` : '–';
const interval = (a: number[], b: number[] | undefined) => {
  const i = b ? p50RatioInterval(a, b) : undefined;
  return i ? `${i.low.toFixed(2)}–${i.high.toFixed(2)}×` : '–';
};
const sumUsers = (m: Record<string, Tally>) => Object.values(m).reduce((a, t) => a + t.total, 0);
const sumWrites = (m: Record<string, Tally>) => Object.values(m).reduce((a, t) => a + t.writes, 0);
const sumReads = (m: Record<string, Tally>) => Object.values(m).reduce((a, t) => a + t.reads, 0);

export function tables(r: Results): Table[] {
  const out: Table[] = [];
  const conv = r.convergence;
  const base = r.baseline?.convergence;
  if (conv) {
    out.push({
      title: `1. Convergence: request → phase Ready with every child as specified (ms, ${r.sizes.clusters} clusters, one at a time${r.convergenceRounds ? `, each side in ${r.convergenceRounds} alternating rounds` : ''})`,
      head: [
        'step',
        'serverless p50',
        'p95',
        'baseline p50',
        'p95',
        'serverless/baseline p50',
        '90% interval',
        'checked p50 (serverless)',
        'checked p50 (baseline)',
        'settled p50 (serverless)',
        'settled p50 (baseline)',
      ],
      rows: STEPS.map((s) => [
        STEP_LABEL[s],
        ms(conv[s].latency.p50),
        ms(conv[s].latency.p95),
        ms(base?.[s].latency.p50),
        ms(base?.[s].latency.p95),
        ratio(conv[s].latency.p50, base?.[s].latency.p50),
        interval(
          conv[s].samples.map((x) => x.ms),
          base?.[s].samples.map((x) => x.ms),
        ),
        ms(conv[s].checked?.p50),
        ms(base?.[s].checked?.p50),
        ms(conv[s].settle.p50),
        ms(base?.[s].settle.p50),
      ]),
      notes: [
        'Timed at the read of the cluster whose object said converged (status Ready, the conditions of every function at the generation, its finalizer), in the poll whose check of every child (pods and their finalizers, Services, StatefulSet, ConfigMap, budget) then passed. checked: request → that check done; its lists are consistent reads, which the API server may hold up to 100 ms when another client has just listed the same kind (its watch cache asks etcd for progress at most every 100 ms per resource), so it times the checker as much as the operator.',
        'settled: request → the last API request the operator made for that step (its trailing events included).',
        'baseline: one always-on process with list+watch informers, cached reads and a work queue, calling the same reconcileCluster / finalizeCluster / checkCluster (bench/baseline/controller.ts).',
        '90% interval: of the p50 ratio, from the samples alone (a seeded bootstrap, bench/harness/stats.ts); how far another run of the same code may land.' +
          (r.convergenceRounds
            ? ` The two sides ran in ${r.convergenceRounds} alternating rounds each (serverless then baseline, then the other way round; bench/measure/paired.ts), so the machine's load drifts over both alike.`
            : ' The two sides ran one after the other, minutes apart.'),
      ],
    });
    const cpu = cpuTable(r);
    if (cpu) out.push(cpu);
    const rows: Cell[][] = [];
    for (const s of STEPS) {
      for (const [u, t] of Object.entries(conv[s].meanByUser))
        rows.push([STEP_LABEL[s], short(u), one(t.total), one(t.reads), one(t.writes)]);
      const all = (m: Record<string, Tally>) => [one(sumUsers(m)), one(sumReads(m)), one(sumWrites(m))];
      rows.push([STEP_LABEL[s], '**all functions**', ...all(conv[s].meanByUser)]);
      if (base) rows.push([STEP_LABEL[s], '**baseline controller**', ...all(base[s].meanByUser)]);
    }
    out.push({
      title: '2a. API requests per converged cluster (mean per cluster, counted in the API server audit log)',
      head: ['step', 'who', 'requests', 'reads', 'writes'],
      rows,
      notes: ['Writes include Kubernetes Events the functions record (create events).'],
    });
    const create = conv.create.meanByUser;
    const users = Object.keys(create);
    const keys = [
      ...new Set([
        ...users.flatMap((u) => Object.keys(create[u]!.byVerbResource)),
        ...Object.keys(base?.create.meanByUser ?? {}).flatMap((u) =>
          Object.keys(base!.create.meanByUser[u]!.byVerbResource),
        ),
      ]),
    ].sort();
    const baseBy = (k: string) =>
      base
        ? Object.values(base.create.meanByUser).reduce((a, t) => a + (t.byVerbResource[k] ?? 0), 0)
        : undefined;
    out.push({
      title: '2b. Requests per cluster created (size 3 → Ready), by verb and resource',
      head: ['verb resource', ...users.map(short), 'serverless total', 'baseline'],
      rows: keys.map((k) => {
        const per = users.map((u) => create[u]!.byVerbResource[k] ?? 0);
        return [k, ...per.map(one), one(per.reduce((a, b) => a + b, 0)), base ? one(baseBy(k)) : '–'];
      }),
    });
  }
  if (r.noop) {
    out.push({
      title: "2c. One no-op event (a converged cluster's object delivered again), per event",
      head: ['function', 'event about', 'reads', 'writes', 'operator requests in all', 'answers'],
      rows: r.noop.map((n) => [
        n.fn,
        n.kind,
        one(n.own.reads),
        one(n.own.writes),
        one(n.allOperator),
        [...new Set(n.statuses)].join(','),
      ]),
      notes: [
        'Targets: 0 writes, ≤ 2 reads (issue 14). An event is triaged first, from its own object, then with the cluster read once (reused if it goes on); only one that may change something makes the function re-read the cluster and its children (no cache by design).',
      ],
    });
  }
  const resyncRows: Cell[][] = [];
  for (const [label, list] of [
    ['convergence clusters', r.resync],
    ['after the scale test', r.scale?.resync],
  ] as const) {
    for (const x of list ?? [])
      resyncRows.push([
        x.fn,
        `${x.clusters} (${label})`,
        ms(x.ms),
        x.own.total,
        x.own.writes,
        one(x.own.total / Math.max(1, x.clusters)),
        x.status,
      ]);
  }
  if (resyncRows.length)
    out.push({
      title: '2d. One resync (PingSource event) over every cluster',
      head: ['function', 'clusters', 'ms', 'requests', 'writes', 'requests/cluster', 'answer'],
      rows: resyncRows,
    });
  out.push(...runtimeTables(r), ...scaleTables(r), ...failoverTables(r));
  out.push(targets(r));
  return out;
}

/** CPU-ms per cluster of one process (or row) in a step's CPU, '–' where that side tracked none. */
const perCluster = (u: StepCpu | undefined, pick: (u: StepCpu) => number | undefined) => {
  const v = u ? pick(u) : undefined;
  return u && v !== undefined ? ((v * 1000) / u.clusters).toFixed(0) : '–';
};

/** Table 1b: where each side's convergence spent the machine's CPU, per cluster and process. */
export function cpuTable(r: Results): Table | undefined {
  const conv = r.convergence;
  if (!conv?.create.cpu) return undefined;
  const base = r.baseline?.convergence;
  const sides = STEPS.flatMap((s) => [conv[s].cpu, base?.[s].cpu]);
  const names = [...new Set(sides.flatMap((u) => Object.keys(u?.components ?? {})))].sort(
    (a, b) => (conv.create.cpu!.components[b] ?? 0) - (conv.create.cpu!.components[a] ?? 0),
  );
  const row = (label: string, pick: (u: StepCpu) => number | undefined): Cell[] => [
    label,
    ...sides.map((u) => perCluster(u, pick)),
  ];
  return {
    title: `1b. Where the CPU went: CPU-ms per cluster, each from its request to its check done (mean over ${conv.create.cpu.clusters} clusters a side)`,
    head: ['process', ...STEPS.flatMap((s) => [`${s} serverless`, `${s} baseline`])],
    rows: [
      ...names.map((n) => row(n, (u) => u.components[n])),
      row('other work on the machine', (u) => u.others),
      row('**all busy**', cpuBusy),
      row('idle', (u) => u.idle),
    ],
    notes: [
      `From /proc (each process with its descendants), read before each request and after its check (bench/measure/cpu.ts); the machine has ${r.machine.nproc} cores, so a cluster converged in t ms had ${r.machine.nproc}·t CPU-ms to spend. Serverless: the three functions and their adapters; baseline: its one process. bench: this process's polls and checks, alike on both sides.`,
    ],
  };
}

export function renderAll(r: Results): string {
  return tables(r).map(renderTable).join('\n\n');
}
