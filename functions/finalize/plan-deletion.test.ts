import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { at, cluster, iso, pod } from './fixtures';
import { planDeletion } from './plan-deletion';
import type { Step } from './steps';

const test = suite('plan-deletion');
const deleting = (spec = {}) => cluster(spec, { deletionTimestamp: iso(0), generation: 3 });
const kinds = (steps: Step[]) =>
  steps.map((s) =>
    s.do === 'event' ? `event ${s.event.type} ${s.event.reason}` : 'pod' in s ? `${s.do} ${s.pod}` : s.do,
  );

test('first pass: scale to 0 and report the wait with its deadline', () => {
  const p = planDeletion({ cr: deleting(), pods: [pod(0), pod(1), pod(2)], replicas: 3, now: at(1) });
  assert.equal(kinds(p.steps), ['event Normal StoppingInstances', 'scale-to-zero']);
  assert.is(p.outcome, 'applied');
  assert.equal(p.conditions, [
    {
      type: 'Finalizing',
      status: 'True',
      reason: 'StoppingInstances',
      message:
        'waiting for 3 instance pod(s) to be gone: g-0, g-1, g-2; the finalizer is removed then, or forced at 2026-03-01T10:01:41.000Z (finalize_timeout_seconds=100)',
      observedGeneration: 3,
    },
  ]);
});

test('stopped pods are released one by one; running ones are waited for', () => {
  const p = planDeletion({
    cr: deleting(),
    pods: [pod(0, { deletedAt: 1, released: true }), pod(1, { deletedAt: 1 })],
    replicas: 0,
    now: at(2),
  });
  assert.equal(kinds(p.steps), ['event Normal InstanceStopped', 'release-instance g-0']);
  assert.match(p.conditions[0].message, 'waiting for 2 instance pod(s)');
});

test('a waiting pass with nothing new to do is no step at all (a replay writes nothing)', () => {
  const p = planDeletion({
    cr: deleting(),
    pods: [pod(0, { deletedAt: 1, released: true, finalizers: ['test.example/hold'] })],
    replicas: 0,
    now: at(5),
  });
  assert.is(p.outcome, 'waiting');
  assert.equal(p.steps, []);
  assert.match(p.conditions[0].message, 'g-0 (held by test.example/hold)');
});

test('once every pod is gone: an Event, then the finalizer goes (no status write for a vanishing CR)', () => {
  const p = planDeletion({ cr: deleting(), pods: [], replicas: 0, now: at(5) });
  assert.equal(kinds(p.steps), ['event Normal Finalized', 'remove-cluster-finalizer']);
  assert.equal(p.conditions, []);
  assert.is(p.outcome, 'finalized');
});

test('a missing StatefulSet is not scaled', () => {
  const p = planDeletion({ cr: deleting(), pods: [], now: at(5) });
  assert.equal(kinds(p.steps), ['event Normal Finalized', 'remove-cluster-finalizer']);
});

test('time box: Warning first, release everything, force-delete only unconfirmed pods, finalizer last', () => {
  const p = planDeletion({
    cr: deleting(),
    pods: [
      pod(0, { deletedAt: 1, released: true, finalizers: ['test.example/hold'] }),
      pod(1, { deletedAt: 1 }),
      pod(2, { deletedAt: 1, released: true, finalizers: ['gpss.gpdb.io/instance', 'test.example/hold'] }),
    ],
    replicas: 0,
    now: at(101),
  });
  assert.equal(kinds(p.steps), [
    'event Warning FinalizeTimeBoxExpired',
    'event Normal InstanceStopped',
    'release-instance g-2',
    'release-instance g-1',
    'force-delete-pod g-1',
    'remove-cluster-finalizer',
  ]);
  assert.is(p.outcome, 'forced');
  assert.equal(
    p.conditions.map((c) => `${c.type}=${c.status}/${c.reason}`),
    ['Finalizing=True/TimeBoxExpired', 'InstanceTerminationForced=True/TimeBoxExpired'],
  );
  const m = p.conditions[1].message;
  assert.match(m, 'finalize_timeout_seconds=100 expired at 2026-03-01T10:01:41.000Z');
  assert.match(m, 'g-0 (stopped, held by test.example/hold)');
  assert.match(m, 'g-1 (still stopping)');
  assert.match(m, 'force-deleted g-1 (grace period 0)');
});

test('maintenance suspends the deletion: no scale, no release, a condition that says until when', () => {
  const p = planDeletion({
    cr: deleting({ maintenance: true }),
    pods: [pod(0, { deletedAt: 1, released: true })],
    replicas: 3,
    now: at(100),
  });
  assert.equal(p.steps, []);
  assert.is(p.outcome, 'suspended');
  assert.is(p.conditions[0].reason, 'Suspended');
  assert.match(p.conditions[0].message, 'forced at 2026-03-01T10:01:41.000Z');
});

test('maintenance escape at the time box: finalizers released, nothing scaled, running pods left to the GC', () => {
  const p = planDeletion({
    cr: deleting({ maintenance: true }),
    pods: [pod(0), pod(1)],
    replicas: 2,
    now: at(101),
  });
  assert.equal(kinds(p.steps), [
    'event Warning FinalizeTimeBoxExpired',
    'release-instance g-0',
    'release-instance g-1',
    'remove-cluster-finalizer',
  ]);
  assert.match(p.conditions[1].message, 'maintenance held the deletion');
});

test('the default time box is termination_grace_seconds + 60, counted from the end of the recorded second', () => {
  const cr = cluster({ termination_grace_seconds: 10 }, { deletionTimestamp: iso(0) });
  delete cr.spec.finalize_timeout_seconds;
  assert.is(planDeletion({ cr, pods: [pod(0)], replicas: 0, now: at(70) }).outcome, 'waiting');
  assert.is(planDeletion({ cr, pods: [pod(0)], replicas: 0, now: at(71) }).outcome, 'forced');
});

test.run();
