import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { GpssCluster } from '../api/types';
import type { KubeClient, ObjectRef } from '../k8s/client';
import { KubeApiError } from '../k8s/errors';
import { clearFailure, failureConditionType, failureMessage, failureReason, reportFailure } from './failures';
import { createLogger } from './log';

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

/** A KubeClient serving one GpssCluster and recording what is written; only these calls are made. */
function fake(status?: GpssCluster['status']) {
  const cr: GpssCluster = {
    apiVersion: 'gpss.gpdb.io/v1',
    kind: 'GpssCluster',
    metadata: { name: 'c1', namespace: 'ns', uid: 'u1', generation: 7 },
    spec: { size: 1, image: 'gpss:1', gpss_config: '{}' },
    ...(status ? { status } : {}),
  };
  const applies: Array<{ obj: ObjectRef; fieldManager: string }> = [];
  const events: string[] = [];
  const kube = {
    get: async () => cr,
    apply: async (obj: ObjectRef, o: { fieldManager: string }) => {
      applies.push({ obj, fieldManager: o.fieldManager });
      return obj;
    },
    create: async (e: { reason: string }) => {
      events.push(e.reason);
      return e;
    },
  } as unknown as KubeClient;
  const log = createLogger({ name: 't', level: 'silent' });
  return { cr, applies, events, ctx: { kube, log, now: () => new Date('2026-12-01T01:02:03.999Z') } };
}

const key = { namespace: 'ns', name: 'c1' };

test('a failure is written once, whole seconds, under the failures manager, with a Warning Event', async () => {
  const f = fake();
  await reportFailure(f.ctx, 'reconcile', key, forbidden);
  const cond = {
    type: 'ReconcileFailed',
    status: 'True',
    reason: 'ApplyStatefulSet',
    message: failureMessage(forbidden),
    lastTransitionTime: '2026-12-01T01:02:03Z',
    observedGeneration: 7,
  };
  assert.equal(f.applies, [
    {
      obj: {
        apiVersion: 'gpss.gpdb.io/v1',
        kind: 'GpssCluster',
        metadata: { name: 'c1', namespace: 'ns' },
        status: { conditions: [cond] },
      },
      fieldManager: 'gpss-reconcile-failures',
    },
  ]);
  assert.equal(f.events, ['ApplyStatefulSet']);

  const replay = fake({ conditions: [cond as never] });
  await reportFailure(replay.ctx, 'reconcile', key, forbidden);
  assert.equal([replay.applies, replay.events], [[], []], 'a replay writes nothing');
});

test('clearFailure turns a True failure condition False, and writes nothing otherwise', async () => {
  const healthy = fake();
  await clearFailure(healthy.ctx, 'health', healthy.cr);
  assert.equal(healthy.applies, [], 'no failure recorded: nothing to clear');
  const f = fake({
    conditions: [
      {
        type: 'HealthFailed',
        status: 'True',
        reason: 'DeletePod',
        message: 'm',
        lastTransitionTime: '2026-01-01T00:00:00Z',
      },
    ],
  });
  await clearFailure(f.ctx, 'health', f.cr);
  assert.equal(f.applies[0]?.obj.status, {
    conditions: [
      {
        type: 'HealthFailed',
        status: 'False',
        reason: 'Recovered',
        message: 'the last health of generation 7 succeeded',
        lastTransitionTime: '2026-12-01T01:02:03Z',
        observedGeneration: 7,
      },
    ],
  });
});

test('a Recovered condition follows the generation, once', async () => {
  const recovered = (observedGeneration: number) =>
    fake({
      conditions: [
        {
          type: 'HealthFailed',
          status: 'False',
          reason: 'Recovered',
          message: 'the last health of generation 6 succeeded',
          lastTransitionTime: '2026-01-01T00:00:00Z',
          observedGeneration,
        },
      ],
    });
  const stale = recovered(6);
  await clearFailure(stale.ctx, 'health', stale.cr);
  assert.is(stale.applies.length, 1, 'one write');
  const written = (stale.applies[0]!.obj.status as { conditions: Array<Record<string, unknown>> })
    .conditions[0];
  assert.equal(
    [written?.status, written?.observedGeneration, written?.lastTransitionTime],
    ['False', 7, '2026-01-01T00:00:00Z'],
  );
  const current = recovered(7);
  await clearFailure(current.ctx, 'health', current.cr);
  assert.equal(current.applies, [], 'already at this generation: nothing written');
});

test.run();
