import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { failureConditionType, failureMessage, failureReason } from './failures';
import { KubeApiError } from './k8s/errors';

const test = suite('failures: what a permanent failure says on the cluster');

const forbidden = new KubeApiError({
  status: 403,
  reason: 'Forbidden',
  message:
    'statefulsets.apps "c1" is forbidden: User "system:serviceaccount:gpss-operator-system:gpss-reconcile" cannot patch resource "statefulsets"',
  verb: 'apply',
  method: 'apply',
  path: 'namespaces/ns/statefulsets/c1',
  resource: 'statefulsets',
});

test('one condition type per function', () => {
  assert.is(failureConditionType('reconcile'), 'ReconcileFailed');
  assert.is(failureConditionType('health'), 'HealthFailed');
});

test('the reason is the failing step: verb and kind, found through wrapping errors', () => {
  assert.is(failureReason(forbidden), 'ApplyStatefulSet');
  assert.is(failureReason(new Error('failing over', { cause: forbidden })), 'ApplyStatefulSet');
  const status = new KubeApiError({
    ...forbidden,
    verb: 'apply',
    resource: 'gpssclusters/status',
    status: 403,
  });
  assert.is(failureReason(status), 'ApplyGpssClusterStatus');
  assert.is(failureReason(new TypeError('x is undefined')), 'InternalError');
});

test('the message has the verb, resource and API server message, wrapped context first', () => {
  assert.is(
    failureMessage(new Error('failing over a lost instance', { cause: forbidden })),
    `failing over a lost instance: ${forbidden.message}`,
  );
  assert.match(
    failureMessage(forbidden),
    /^apply namespaces\/ns\/statefulsets\/c1: 403 Forbidden: .*cannot patch/,
  );
  assert.ok(failureMessage(new Error('x'.repeat(5000))).length <= 900, 'bounded');
});

test.run();
