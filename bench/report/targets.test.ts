import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { coldPhase, convergencePhase, fakeResults, scalePhase } from './fake-results';
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

t('the checks use the constants, at their bounds', () => {
  assert.ok(meets.coldStart(TARGET.coldStartP50Ms));
  assert.not.ok(meets.coldStart(TARGET.coldStartP50Ms + 1));
  assert.ok(meets.rss(TARGET.rssMiB * 1024));
  assert.not.ok(meets.atZero(TARGET.atZeroShare));
  assert.is(meets.scale({ clusters: TARGET.scaleClusters - 1, allReadyMs: 1 }), undefined);
  assert.is(meets.scale({ clusters: TARGET.scaleClusters, allReadyMs: TARGET.scaleReadyMs + 1 }), false);
});

t.run();
