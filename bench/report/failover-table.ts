// Issue 14's lost-node failover (bench/measure/failover.ts): one row per run, then p50 and max.
import type { Cell, Table } from '../harness/stats';
import type { FailoverRun } from '../measure/failover';
import type { Results } from './results';
import { TARGET } from './targets';

const s = (ms: number | undefined) => (ms === undefined ? '–' : (ms / 1000).toFixed(1));

export function failoverTables(r: Results): Table[] {
  const f = r.failover;
  if (!f) return [];
  const row = (x: FailoverRun, i: number): Cell[] => [
    `${i + 1}: ${x.pod} ${x.from} → ${x.to ?? '(not Ready)'}`,
    s(x.graceMs),
    s(x.evictedMs),
    s(x.forcedMs),
    s(x.releasedMs),
    s(x.recreatedMs),
    s(x.readyMs),
    x.healthAtZero ? `yes${x.zeroForMs !== undefined ? ` (for ${s(x.zeroForMs)} s)` : ''}` : '**no**',
    x.coldAtEviction === undefined ? '–' : x.coldAtEviction ? 'yes' : 'no (up since the loss)',
    x.healthDeletes,
  ];
  const done = f.runs.filter((x) => x.readyMs !== undefined).length;
  return [
    {
      title: `7. Lost-node failover (issue 14): the node's Ready transition → its instance Running and Ready on another node (s; ${f.runs.length} runs, failover window ${f.windowS} s, health at zero)`,
      head: [
        'run',
        'kubelet stop → node lost',
        'evicted',
        'forced by health',
        'released by finalize',
        'recreated',
        '**Ready elsewhere**',
        'health at zero at the loss',
        'eviction woke health',
        'health deletes',
      ],
      rows: [
        ...f.runs.map(row),
        [`p50 (${done} recovered)`, '', s(f.evicted.p50), '', '', '', s(f.ready.p50), '', '', ''],
        ['max', '', s(f.evicted.max), '', '', '', s(f.ready.max), '', '', ''],
      ],
      notes: [
        `Target: Ready elsewhere ≤ window + ${TARGET.failoverSlackS} s = ${f.windowS + TARGET.failoverSlackS} s p50 (CNPG's failover SLO is 10 s past its own). Times from the loss are from the Ready transition as the API records it (whole seconds): each may read up to 1 s long.`,
        `The node is lost as a kubelet that stops reporting (KWOK stops renewing its Lease); the node lifecycle controller marks it lost after its grace period (first column, 50 s by default) and taints it. The pods tolerate the unreachable NoExecute taint for ${f.tolerationSeconds ?? '–'} s (window + 2 s), so the taint manager's eviction is the event that wakes health past its bound; no PingSource ran (${f.pingsSent} resyncs).`,
        `The functions run behind the local activator with the ${f.idleMs / 1000} s idle window, as \`npm start\`; "health at zero": by the activator's own scale events, no health process at the node's Ready transition (since its last scale-down, that long before); "eviction woke health": none either when the eviction arrived, so the figure includes its cold start (else the loss's own events had woken it and it was still within its idle window). Runs are sequential on one cluster of 4 nodes of its own (3 instances and a spare), each losing the next instance's node.`,
      ],
    },
  ];
}
