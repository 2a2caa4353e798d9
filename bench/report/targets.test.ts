import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { summarize } from '../harness/stats';
import type { ConvergenceResult } from '../measure/convergence';
import {
  baselineBurstPhase,
  baselinePhase,
  coldPhase,
  convergencePhase,
  fakeResults,
  scalePhase,
  tally,
} from './fake-results';
import { scaleTables } from './scale-tables';
import { meets, TARGET, targets } from './targets';

const row = (rows: unknown[][], label: string) => rows.find((r) => String(r[0]).startsWith(label));

const t = suite('targets');

t('a met target says met, a missed one **missed** beside its figure', () => {
  const met = targets(fakeResults({ ...coldPhase(100, 55), convergence: convergencePhase(1500) })).rows;
  assert.equal(row(met, 'cold start reconcile ≤ 150 ms p50'), [
    'cold start reconcile ≤ 150 ms p50',
    '100 ms',
    'met',
  ]);
  assert.is(row(met, 'RSS reconcile ≤ 60 MiB')?.[2], 'met');
  assert.is(row(met, 'convergence of one cluster ≤ 2 s p50')?.[2], 'met');
  const missed = targets(fakeResults({ ...coldPhase(200, 80), convergence: convergencePhase(2500) })).rows;
  assert.equal(row(missed, 'cold start reconcile'), [
    'cold start reconcile ≤ 150 ms p50',
    '200 ms',
    '**missed**',
  ]);
  assert.equal(row(missed, 'RSS reconcile ≤ 60 MiB')?.slice(1), [
    '80.0 MiB after the first event',
    '**missed**',
  ]);
  assert.equal(row(missed, 'convergence')?.slice(1), ['2500 ms (create, size 3)', '**missed**']);
  // 200 ms against 50 ms bare node: 4×, over 1.6×.
  assert.equal(row(missed, 'cold start reconcile ≤ 1.6×')?.slice(1), ['4.00× (200 vs 50 ms)', '**missed**']);
});

t('the scale target is judged only on a run of its size', () => {
  const quick = targets(fakeResults({ scale: scalePhase({ clusters: 30, readyMs: 10_000 }) })).rows;
  assert.is(row(quick, '30 clusters')?.[2], '– (quick run: 30 only)');
  const met = targets(fakeResults({ scale: scalePhase({ clusters: 500, readyMs: 200_000 }) })).rows;
  assert.equal(row(met, '500 clusters Ready within 5 minutes')?.slice(1), ['200.0 s', 'met']);
  const missed = targets(fakeResults({ scale: scalePhase({ clusters: 500 }) })).rows;
  assert.equal(row(missed, '500 clusters')?.slice(1), ['400/500 at the deadline', '**missed**']);
});

t("issue 14: API server CPU per cluster against the baseline's in the same burst", () => {
  const cpu = 'API server CPU-seconds per cluster ≤ 2×';
  const run = (serverless: number, baseline: number, o: { clusters?: number; settled?: boolean } = {}) =>
    targets(
      fakeResults({
        scale: scalePhase({
          clusters: o.clusters ?? 500,
          readyMs: 200_000,
          ...(o.settled === false ? {} : { settledMs: 250_000 }),
          apiCpuPerCluster: serverless,
        }),
        scaleBaseline: baselineBurstPhase({
          clusters: o.clusters ?? 500,
          readyMs: 90_000,
          settledMs: 95_000,
          apiCpuPerCluster: baseline,
        }),
      }),
    ).rows;
  assert.equal(row(run(0.3, 0.2), cpu)?.slice(1), ['1.50× (0.30 vs 0.20 s per cluster)', 'met']);
  assert.equal(row(run(0.5, 0.2), cpu)?.slice(1), ['2.50× (0.50 vs 0.20 s per cluster)', '**missed**']);
  // The serverless operator still busy: its figure is a lower bound, so it can miss but not meet.
  assert.equal(row(run(0.3, 0.2, { settled: false }), cpu)?.slice(1), [
    '1.50× (0.30 vs 0.20 s per cluster); serverless still busy at the settle timeout',
    '– (a lower bound cannot decide it)',
  ]);
  assert.is(row(run(0.5, 0.2, { settled: false }), cpu)?.[2], '**missed**');
  assert.is(row(run(0.3, 0.2, { clusters: 30 }), cpu)?.[2], '– (quick run: 30 only)');
  // The Ready target shows the baseline's figure beside the serverless one.
  assert.equal(row(run(0.3, 0.2), '500 clusters Ready')?.slice(1), ['200.0 s (baseline: 90.0 s)', 'met']);
  const alone = targets(
    fakeResults({ scale: scalePhase({ clusters: 500, readyMs: 1, apiCpuPerCluster: 0.3 }) }),
  );
  assert.equal(row(alone.rows, cpu)?.slice(1), ['no baseline burst in this run', '–']);
});

t('issue 14: the burst comparison table puts both side by side, with the ratio', () => {
  const r = fakeResults({
    scale: scalePhase({ clusters: 500, settledMs: 400_000, apiCpuPerCluster: 0.6 }),
    scaleBaseline: baselineBurstPhase({
      clusters: 500,
      readyMs: 90_000,
      settledMs: 95_000,
      apiCpuPerCluster: 0.2,
    }),
  });
  const t5c = scaleTables(r).find((x) => x.title.startsWith('5c.'));
  assert.ok(t5c);
  assert.equal(row(t5c.rows, 'Ready at the deadline'), [
    'Ready at the deadline (300 s)',
    '400/500',
    '500/500',
    '–',
  ]);
  assert.equal(row(t5c.rows, 'first create → all Ready'), [
    'first create → all Ready, s',
    'not reached',
    '90.0',
    '–',
  ]);
  assert.equal(row(t5c.rows, 'API server CPU-seconds per cluster')?.slice(1), ['0.60', '0.20', '3.00×']);
  assert.is(
    scaleTables(fakeResults({ scale: scalePhase({ clusters: 500 }) })).find((x) => x.title.startsWith('5c.')),
    undefined,
  );
});

t("issue 14: requests and create → Ready p50 against the baseline's, same run", () => {
  const side = (ms: number[], create: number, image: number): ConvergenceResult => {
    const c = convergencePhase(0);
    const step = (total: number, xs: number[]) => ({
      ...c.create,
      latency: summarize(xs),
      meanByUser: { fn: tally({ total }) },
      samples: xs.map((x, i) => ({ ns: `n${i}`, ms: x, checkedMs: x, settleMs: x, requests: total })),
    });
    return { create: step(create, ms), scale: c.scale, image: step(image, ms) };
  };
  const run = (serverlessMs: number[], requests: number) =>
    targets(
      fakeResults({
        convergence: side(serverlessMs, requests, 90),
        baseline: baselinePhase(side([200, 210, 190, 205, 195], 20, 30)),
      }),
    ).rows;
  const met = run([250, 260, 240, 255, 245], 60);
  assert.equal(row(met, 'API requests per created')?.slice(1), ['3.00× (60.0 vs 20.0)', 'met']);
  assert.equal(row(met, 'API requests per image change')?.slice(1), ['3.00× (90.0 vs 30.0)', 'met']);
  const latency = row(met, 'create → Ready p50 ≤ 1.3×');
  assert.match(String(latency?.[1]), /^1\.25× \(250 vs 200 ms; 90% interval \d\.\d\d–\d\.\d\d×\)$/);
  assert.is(latency?.[2], 'met');
  const missed = run([300, 310, 290, 305, 295], 61);
  assert.is(row(missed, 'API requests per created')?.[2], '**missed**');
  assert.is(row(missed, 'create → Ready p50')?.[2], '**missed**');
  assert.is(
    row(targets(fakeResults({ convergence: convergencePhase(1) })).rows, 'create → Ready p50'),
    undefined,
  );
});

t('the checks use the constants, at their bounds', () => {
  assert.ok(meets.coldStart(TARGET.coldStartP50Ms));
  assert.not.ok(meets.coldStart(TARGET.coldStartP50Ms + 1));
  assert.ok(meets.rss(TARGET.rssMiB * 1024));
  assert.not.ok(meets.atZero(TARGET.atZeroShare));
  assert.is(meets.scale({ clusters: TARGET.scaleClusters - 1, allReadyMs: 1 }), undefined);
  assert.is(meets.scale({ clusters: TARGET.scaleClusters, allReadyMs: TARGET.scaleReadyMs + 1 }), false);
});

t.run();
