import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { baselineCpu, cpuRun, serverlessCpu } from './fake-results';
import { cpuTable } from './tables';

const t = suite('table 1b: CPU per cluster');

t('CPU-ms per cluster for each process and side, the busiest serverless process first', () => {
  const table = cpuTable(cpuRun(serverlessCpu, baselineCpu))!;
  assert.match(table.title, 'mean over 4 clusters a side');
  assert.equal(table.head.slice(0, 3), ['process', 'create serverless', 'create baseline']);
  const row = (name: string) => table.rows.find((r) => r[0] === name)?.slice(0, 3);
  assert.equal(
    table.rows.map((r) => r[0]),
    [
      'kube-apiserver',
      'function reconcile',
      'adapter gpss-reconcile',
      'baseline controller',
      'other work on the machine',
      '**all busy**',
      'idle',
    ],
  );
  assert.equal(row('kube-apiserver'), ['kube-apiserver', '200', '150']);
  assert.equal(row('function reconcile'), ['function reconcile', '100', '–']);
  assert.equal(row('baseline controller'), ['baseline controller', '–', '50']);
  // busy: every process and the machine's other work; scale and image tracked nothing here.
  assert.equal(
    table.rows.find((r) => r[0] === '**all busy**'),
    ['**all busy**', '360', '210', '–', '–', '–', '–'],
  );
});

t('no table when the run tracked no CPU', () => {
  assert.is(cpuTable(cpuRun(undefined)), undefined);
});

t.run();
