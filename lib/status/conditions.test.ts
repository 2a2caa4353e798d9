import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { conditionsMatch, setCondition } from './conditions';

const test = suite('conditions');
const T0 = '2026-01-01T00:00:00Z';
const T1 = '2026-01-01T00:05:00Z';

test('adds a new condition with the given time', () => {
  assert.equal(
    setCondition(undefined, { type: 'Ready', status: 'True', reason: 'AllReady', message: 'ok' }, T0),
    [{ type: 'Ready', status: 'True', reason: 'AllReady', message: 'ok', lastTransitionTime: T0 }],
  );
});

test('keeps lastTransitionTime when the status does not change', () => {
  const a = setCondition(
    undefined,
    { type: 'Ready', status: 'False', reason: 'A', message: 'a', observedGeneration: 1 },
    T0,
  );
  const b = setCondition(
    a,
    { type: 'Ready', status: 'False', reason: 'B', message: 'b', observedGeneration: 2 },
    T1,
  );
  assert.equal(b, [
    {
      type: 'Ready',
      status: 'False',
      reason: 'B',
      message: 'b',
      lastTransitionTime: T0,
      observedGeneration: 2,
    },
  ]);
});

test('moves lastTransitionTime on a status change and leaves other conditions alone', () => {
  const a = setCondition(
    setCondition(undefined, { type: 'Ready', status: 'False', reason: 'A', message: 'a' }, T0),
    { type: 'Degraded', status: 'False', reason: 'None', message: '' },
    T0,
  );
  const b = setCondition(a, { type: 'Ready', status: 'True', reason: 'R', message: 'r' }, T1);
  assert.equal(b, [
    { type: 'Ready', status: 'True', reason: 'R', message: 'r', lastTransitionTime: T1 },
    { type: 'Degraded', status: 'False', reason: 'None', message: '', lastTransitionTime: T0 },
  ]);
  assert.equal(a[0].lastTransitionTime, T0, 'input not mutated');
});

test('conditionsMatch compares what a status write would change', () => {
  const list = setCondition(
    undefined,
    { type: 'Ready', status: 'True', reason: 'R', message: 'm', observedGeneration: 3 },
    T0,
  );
  assert.ok(
    conditionsMatch(list, [
      { type: 'Ready', status: 'True', reason: 'R', message: 'm', observedGeneration: 3 },
    ]),
  );
  assert.not.ok(
    conditionsMatch(list, [
      { type: 'Ready', status: 'True', reason: 'R', message: 'm', observedGeneration: 4 },
    ]),
  );
  assert.not.ok(conditionsMatch(list, [{ type: 'Other', status: 'True', reason: 'R', message: 'm' }]));
  assert.not.ok(conditionsMatch(undefined, [{ type: 'Ready', status: 'True', reason: 'R', message: 'm' }]));
});

test.run();
