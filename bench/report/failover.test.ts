import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { renderTable } from '../harness/stats';
import { failoverTables } from './failover-table';
import { failoverPhase, fakeResults } from './fake-results';
import { meets, TARGET, targets } from './targets';

const row = (rows: unknown[][], label: string) => rows.find((r) => String(r[0]).startsWith(label));
const LABEL = 'lost node → instance Ready elsewhere';

const t = suite('failover report');

t('met: p50 within the window + 10 s, every run recovered with health at zero', () => {
  const rows = targets(fakeResults({ failover: failoverPhase([64, 66, 80]) })).rows;
  assert.equal(row(rows, LABEL), [
    'lost node → instance Ready elsewhere ≤ window + 10 s p50, health at zero (issue 14)',
    '66.0 s p50, 80.0 s max over 3 runs (window 60 s)',
    'met',
  ]);
});

t('missed: p50 past the bound, a run not recovered, or health up at the loss', () => {
  const slow = targets(fakeResults({ failover: failoverPhase([64, 71, 75]) })).rows;
  assert.equal(row(slow, LABEL)?.slice(1), [
    '71.0 s p50, 75.0 s max over 3 runs (window 60 s)',
    '**missed**',
  ]);
  const lost = targets(fakeResults({ failover: failoverPhase([64, 65, undefined]) })).rows;
  assert.equal(row(lost, LABEL)?.slice(1), [
    '64.0 s p50, 65.0 s max over 3 runs (window 60 s); 1 not recovered',
    '**missed**',
  ]);
  const up = targets(fakeResults({ failover: failoverPhase([64, 65, 66], [1]) })).rows;
  assert.equal(row(up, LABEL)?.slice(1), [
    '65.0 s p50, 66.0 s max over 3 runs (window 60 s); health up at the loss in 1',
    '**missed**',
  ]);
  assert.is(row(targets(fakeResults()).rows, LABEL), undefined, 'no row without the phase');
});

t('the check uses the constant, at its bound', () => {
  const at = (s: number) => meets.failover(failoverPhase([s]));
  assert.ok(at(60 + TARGET.failoverSlackS));
  assert.not.ok(at(60 + TARGET.failoverSlackS + 0.001));
  assert.not.ok(meets.failover(failoverPhase([])));
});

t('the table: a row per run, then p50 and max', () => {
  const [table] = failoverTables(fakeResults({ failover: failoverPhase([64, undefined, 80]) }));
  assert.ok(table);
  assert.is(table!.rows.length, 5);
  assert.equal(table!.rows[0]!.slice(0, 2), ['1: fo-0 kwok-zfo-0 → kwok-zfo-1', '50.0']);
  assert.equal(table!.rows[1]![0], '2: fo-1 kwok-zfo-1 → (not Ready)');
  assert.equal(table!.rows[0]!.slice(6, 9), ['64.0', 'yes (for 20.0 s)', 'yes']);
  const up = failoverTables(fakeResults({ failover: failoverPhase([64], [0]) }))[0]!;
  assert.is(up.rows[0]![7], '**no**');
  assert.equal(table!.rows[3]!.slice(0, 1), ['p50 (2 recovered)']);
  assert.is(table!.rows[3]![6], '64.0');
  assert.is(table!.rows[4]![6], '80.0');
  assert.match(renderTable(table!), 'window + 10 s = 70 s p50');
  assert.equal(failoverTables(fakeResults()), []);
});

t.run();
