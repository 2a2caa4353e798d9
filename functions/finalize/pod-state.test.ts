import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { endOfSecond } from '../../lib/k8s/time';
import { pod, T0 } from './fixtures';
import { deletionStartedAt, otherFinalizers, stoppedBecause } from './pod-state';

const test = suite('pod-state');

test('a pod that is not being deleted is never "stopped" (the question does not arise)', () => {
  assert.is(stoppedBecause(pod(0, { state: 'terminated' })), undefined);
});

test('a pod being deleted whose gpss container still runs has not stopped', () => {
  assert.is(stoppedBecause(pod(0, { deletedAt: 0 })), undefined);
});

test('grace period 0 (the kubelet or KWOK released it) means stopped', () => {
  assert.is(stoppedBecause(pod(0, { deletedAt: 0, released: true })), 'released by its node');
});

test('a terminal phase, a never-scheduled pod, a terminated or waiting gpss container mean stopped', () => {
  const failed = pod(0, { deletedAt: 0 });
  failed.status!.phase = 'Failed';
  assert.is(stoppedBecause(failed), 'phase Failed');
  assert.is(stoppedBecause(pod(0, { deletedAt: 0, node: null })), 'never scheduled');
  assert.is(stoppedBecause(pod(0, { deletedAt: 0, state: 'terminated' })), 'gpss container terminated');
  assert.is(stoppedBecause(pod(0, { deletedAt: 0, state: 'waiting' })), 'gpss container not started');
});

test('no status for the gpss container (a lost node) is not taken as stopped', () => {
  const p = pod(0, { deletedAt: 0 });
  p.status = {};
  assert.is(stoppedBecause(p), undefined);
});

test('the deletion began at deletionTimestamp minus the grace period (that second counted whole)', () => {
  assert.is(deletionStartedAt(pod(0, { deletedAt: 5, grace: 30 })), T0 + 6000);
  assert.is(deletionStartedAt(pod(0)), undefined);
});

test('a timestamp recorded to the second stands for the end of that second; a finer one for itself', () => {
  assert.is(endOfSecond('2026-03-01T10:00:00Z'), T0 + 1000);
  assert.is(endOfSecond('2026-03-01T10:00:00.250000Z'), T0 + 250);
  assert.is(endOfSecond('2026-03-01T10:00:00.000Z'), T0 + 1000, 'a Date serialized again');
  // A pod's timestamps come as Dates from the client library: milliseconds only if the API gave a fraction.
  assert.is(endOfSecond(new Date('2026-03-01T10:00:00Z')), T0 + 1000);
  assert.is(endOfSecond(new Date('2026-03-01T10:00:00.250000Z')), T0 + 250);
});

test('other finalizers are the ones that are not ours', () => {
  assert.equal(
    otherFinalizers(pod(0, { finalizers: ['a/b', 'gpss.gpdb.io/instance'] }), 'gpss.gpdb.io/instance'),
    ['a/b'],
  );
});

test.run();
