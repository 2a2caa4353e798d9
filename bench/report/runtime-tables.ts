// Tables 3 and 4: what one function process costs (cold start, where it goes, throughput).

import { mib, ms, one, type Table } from '../harness/stats';
import type { Results } from './results';
import { meets } from './targets';

const kib = (b: number) => (b / 1024).toFixed(0);
const pct = (v: number) => `${(100 * v).toFixed(1)}%`;

/** Issue 15: at zero vs warm through the activator, beside table 3's bare cold start; the time at zero. */
export function activatorTables(r: Results): Table[] {
  const a = r.activator;
  if (!a) return [];
  const bare = (fn: string) =>
    r.coldStart?.functions.find((f) => f.fn === fn && f.compileCache !== false)?.total.p50;
  const out: Table[] = [
    {
      title: `3d. Scale to zero: a PingSource event → answered 2xx through the local activator, at zero vs warm (ms; ${a.samples} cold and ${a.samples * a.warmPerCycle} warm samples per function)`,
      head: [
        'function',
        'at zero p50',
        'p90',
        'warm p50',
        'p90',
        'direct p50',
        'start → listening p50',
        'bare cold start p50',
        'at zero − bare',
        'stop p50',
        'non-2xx',
        'logged cold',
      ],
      rows: a.functions.map((f) => {
        const b = bare(f.fn);
        return [
          f.fn,
          ms(f.cold.p50),
          ms(f.cold.p90),
          ms(f.warm.p50),
          ms(f.warm.p90),
          ms(f.direct.p50),
          ms(f.coldStart.p50),
          ms(b),
          b === undefined ? '–' : ms(f.cold.p50 - b),
          ms(f.stop.p50),
          f.non2xx + f.notCold,
          `${f.coldLogged}/${f.coldStarts}`,
        ];
      }),
      notes: [
        `at zero: each request sent after the activator (localcluster/activator.ts, the one \`npm start\` runs) had scaled the function down (idle window ${a.idleMs} ms here), so it spawns the bundle as the image runs it (ServiceAccount token, compile cache), waits until it answers /healthz (polled every 5 ms) and forwards the event.`,
        'warm: the same event with the process up; direct: sent straight to the process between them (what the activator adds is warm − direct).',
        "bare cold start: table 3's spawn → first CloudEvent answered, without an activator (– when the cold phase did not run).",
        'start → listening: the activator\'s own cold-start figure; stop: idle window over → process exited (SIGTERM). non-2xx counts answers other than 2xx and "cold" samples that found a process up. logged cold: "event handled" lines with cold: true against processes started (warm-up included).',
        'On the empty bench cluster (a resync over no GpssCluster), as table 3.',
      ],
    },
  ];
  out.push({
    title: `3e. Time at zero with the shipped PingSource schedules (eventing/), nothing changing: computed from the schedule and the measured busy time, idle window ${a.shippedIdleMs / 1000} s`,
    head: [
      'function',
      'schedule',
      'pings/hour',
      'busy per resync ms',
      'scale-downs/hour',
      'at zero min/hour',
      'share of the hour',
      'most of the hour at zero',
    ],
    rows: a.atZero.map((z) => [
      z.fn,
      z.schedule ?? 'none',
      one(z.pingsPerHour),
      ms(z.busyMs),
      one(z.scaleDownsPerHour),
      one(60 * z.share),
      pct(z.share),
      meets.atZero(z.share) ? 'met' : '**missed**',
    ]),
    notes: [
      `Not observed over an hour: a day of the schedule's ticks is replayed, each ping at zero keeping a process for the busy time (table 3d: the resync answered at zero p50 + the stop p50) plus the ${a.shippedIdleMs / 1000} s idle window (npm start's default, Knative's stable window); a ping inside that window finds the process up and keeps it another warm answer + window. E.g. every 5 min: (3600 − 12 × (busy + 60 s)) / 3600.`,
      'A ping every minute or more often never lets the function reach zero (share 0).',
    ],
  });
  return out;
}

export function runtimeTables(r: Results): Table[] {
  const out: Table[] = [];
  if (r.coldStart) {
    const size = (fn: string) => r.bundles.find((b) => b.name === fn);
    const n = r.coldStart.node;
    const x = (v: number, floor: number) => `${(v / floor).toFixed(2)}×`;
    out.push({
      title: `3. Cold start: spawn → first CloudEvent answered 2xx, p50 over ${r.sizes.starts} starts (ms; RSS right after, MiB)`,
      head: [
        'process',
        'bundle KiB (gzip)',
        'p50',
        'p95',
        '× node p50',
        'listening p50',
        'first event p50',
        'RSS p50',
        '× node RSS',
      ],
      rows: [
        ...r.coldStart.functions.map((f) => {
          const b = size(f.fn);
          return [
            `node dist/${f.fn}.mjs${f.compileCache === false ? ' (no compile cache)' : ''}`,
            b ? `${kib(b.bytes)} (${kib(b.gzipBytes)})` : '–',
            ms(f.total.p50),
            ms(f.total.p95),
            x(f.total.p50, n.total.p50),
            ms(f.listen.p50),
            ms(f.firstEvent.p50),
            mib(f.rssKiB.p50),
            x(f.rssKiB.p50, n.rssKiB),
          ];
        }),
        [
          'node -e 0 (floor)',
          '–',
          ms(n.total.p50),
          ms(n.total.p95),
          '1.00×',
          '–',
          '–',
          mib(n.rssKiB),
          '1.00×',
        ],
      ],
      notes: [
        "As the images run them: the function's ServiceAccount token (a kubeconfig with a token file) and the V8 compile cache made at build time (NODE_COMPILE_CACHE, build/compile-cache.ts" +
          (r.bundles.some((b) => b.compileCacheBytes)
            ? `: ${r.bundles.map((b) => `${b.name} ${kib(b.compileCacheBytes ?? 0)} KiB`).join(', ')}`
            : '') +
          '). "no compile cache": the same bundle compiled at start.',
        'listening: spawn → the server accepted the first connection (node boot, module evaluation, kubeconfig); polled every 5 ms.',
        "first event: that PingSource event handled (TLS handshake to the API server, the resync's list of GpssClusters).",
        "RSS of the floor: the current RSS `node -e` reports for itself once up (p50), read as the functions' is (VmRSS).",
      ],
    });
  }
  if (r.importCosts) {
    const floor = r.importCosts[0]!;
    const cached = r.importCosts.every((c) => c.cachedMs);
    out.push({
      title: `3b. Where the cold start goes: each import bundled alone, spawn → exit p50 over ${r.sizes.importRuns} runs`,
      head: [
        'bundle',
        'ms p50',
        'Δ ms vs empty',
        ...(cached ? ['with compile cache', 'Δ ms vs empty'] : []),
        'RSS MiB',
        'Δ RSS MiB',
      ],
      rows: r.importCosts.map((c) => [
        c.entry,
        ms(c.ms.p50),
        ms(c.ms.p50 - floor.ms.p50),
        ...(cached ? [ms(c.cachedMs!.p50), ms(c.cachedMs!.p50 - floor.cachedMs!.p50)] : []),
        mib(c.rssKiB.p50),
        mib(c.rssKiB.p50 - floor.rssKiB.p50),
      ]),
    });
  }
  if (r.firstRequest) {
    const f = r.firstRequest;
    out.push({
      title:
        "3c. The first event's API call, inside a fresh process (lib/k8s client, a ServiceAccount token file, ms p50)",
      head: ['step', 'p50', 'p95'],
      rows: [
        ['KubeClient.fromKubeconfig (reads and parses it)', ms(f.kubeconfigMs.p50), ms(f.kubeconfigMs.p95)],
        [
          'first list of GpssClusters (TCP + TLS handshake + request)',
          ms(f.firstListMs.p50),
          ms(f.firstListMs.p95),
        ],
        ['the same list again (kept-alive connection)', ms(f.secondListMs.p50), ms(f.secondListMs.p95)],
      ],
    });
  }
  out.push(...activatorTables(r));
  if (r.throughput) {
    out.push({
      title: `4. Throughput of one function instance: ${r.sizes.throughputEvents} no-op GpssCluster update events, converged clusters`,
      head: [
        'function',
        'concurrent',
        'events/s',
        'p50 ms',
        'p95 ms',
        'API requests/event',
        'writes/event',
        'non-2xx',
        'peak RSS MiB',
      ],
      rows: r.throughput.map((t) => [
        t.fn,
        t.concurrency,
        one(t.perSecond),
        ms(t.latency.p50),
        ms(t.latency.p95),
        one(t.requests.total),
        one(t.requests.writes),
        t.non2xx,
        mib(t.hwmKiB),
      ]),
    });
  }
  return out;
}
