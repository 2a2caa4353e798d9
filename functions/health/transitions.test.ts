import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { Condition } from '../../lib/api/types';
import type { ConditionInput } from '../../lib/status/conditions';
import { transitionEvents } from './transitions';

const test = suite('health/transitions');

const cond = (type: string, status: Condition['status'], reason: string, t = 'T1'): Condition => ({
  type,
  status,
  reason,
  message: `${type} ${reason}`,
  lastTransitionTime: t,
});
const next = (type: string, status: Condition['status'], reason: string): ConditionInput => ({
  type,
  status,
  reason,
  message: `now ${reason}`,
});

test('becoming Degraded records ClusterDegraded with the message naming the instance', () => {
  const [e] = transitionEvents(
    [cond('Degraded', 'False', 'AsExpected')],
    [next('Degraded', 'True', 'CrashLoopBackOff')],
  );
  assert.equal(e, {
    type: 'Warning',
    reason: 'ClusterDegraded',
    message: 'now CrashLoopBackOff',
    occurrence: 'False/AsExpected/T1->True/CrashLoopBackOff',
    component: 'gpss-health',
  });
});

test('another reason while Degraded records again; the same reason does not', () => {
  const prev = [cond('Degraded', 'True', 'NodeNotReady')];
  assert.is(transitionEvents(prev, [next('Degraded', 'True', 'NodeNotReady')]).length, 0);
  assert.is(
    transitionEvents(prev, [next('Degraded', 'True', 'ImagePullBackOff')])[0].reason,
    'ClusterDegraded',
  );
});

test('recovery and readiness', () => {
  const events = transitionEvents(
    [cond('Ready', 'False', 'Degraded'), cond('Degraded', 'True', 'InstanceNotReady')],
    [next('Ready', 'True', 'AllInstancesReady'), next('Degraded', 'False', 'AsExpected')],
  );
  assert.equal(
    events.map((e) => [e.type, e.reason]),
    [
      ['Normal', 'ClusterReady'],
      ['Normal', 'ClusterRecovered'],
    ],
  );
});

test('a first status with nothing wrong records only ClusterReady once ready', () => {
  assert.equal(
    transitionEvents(undefined, [
      next('Ready', 'False', 'Creating'),
      next('Degraded', 'False', 'AsExpected'),
    ]),
    [],
  );
});

test('the same transition seen twice (racing handlers) is the same occurrence', () => {
  const prev = [cond('Degraded', 'False', 'AsExpected')];
  const n = [next('Degraded', 'True', 'Unschedulable')];
  assert.equal(transitionEvents(prev, n), transitionEvents(prev, n));
});

test.run();
