import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { at, cluster, pod } from './fixtures';
import { planInstances } from './plan-instances';
import type { Step } from './steps';

const test = suite('plan-instances');
const kinds = (steps: Step[]) =>
  steps.map((s) =>
    s.do === 'event'
      ? `event ${s.event.type} ${s.event.reason}`
      : s.do === 'delete-service'
        ? `${s.do} ${s.service}`
        : 'pod' in s
          ? `${s.do} ${s.pod}`
          : s.do,
  );

test('a new cluster gets its finalizer, and each live pod the instance finalizer', () => {
  const p = planInstances({
    cr: cluster({}, { finalizers: [] }),
    pods: [pod(1, { finalizers: [] }), pod(0, { finalizers: [] }), pod(2)],
    now: at(0),
  });
  assert.equal(kinds(p.steps), [
    'add-cluster-finalizer',
    'add-instance-finalizer g-0',
    'add-instance-finalizer g-1',
  ]);
  assert.is(p.outcome, 'applied');
});

test('a guarded, converged cluster needs nothing', () => {
  const p = planInstances({ cr: cluster(), pods: [pod(0), pod(1), pod(2)], now: at(0) });
  assert.equal(p, { outcome: 'unchanged', steps: [], conditions: [] });
});

test('a pod whose deletion began after we read it gets no finalizer (the API server would refuse)', () => {
  const p = planInstances({ cr: cluster(), pods: [pod(0, { finalizers: [], deletedAt: 0 })], now: at(1) });
  assert.equal(p.steps, []);
});

test('scale-in: a stopped pod beyond size loses its Service, then is released, in that order', () => {
  const p = planInstances({
    cr: cluster({ size: 2 }),
    pods: [pod(0), pod(1), pod(2, { deletedAt: 0, released: true })],
    now: at(1),
  });
  assert.equal(kinds(p.steps), [
    'event Normal InstanceRemoved',
    'delete-service g-gpfdist-2',
    'release-instance g-2',
  ]);
  assert.equal(p.conditions, []);
});

test('scale-in: a pod beyond size that is still running keeps its Service and its finalizer', () => {
  const p = planInstances({ cr: cluster({ size: 2 }), pods: [pod(2, { deletedAt: 0 })], now: at(100) });
  assert.equal(p, { outcome: 'draining', steps: [], conditions: [] });
});

test('a rolling update (ordinal within size) keeps the Service and only releases the pod', () => {
  const p = planInstances({
    cr: cluster(),
    pods: [pod(1, { deletedAt: 0, state: 'terminated' })],
    now: at(1),
  });
  assert.equal(kinds(p.steps), ['release-instance g-1']);
});

test('a pod that never stops is let go at the time box, with a Warning and a condition', () => {
  const p = planInstances({ cr: cluster({ size: 2 }), pods: [pod(2, { deletedAt: 0 })], now: at(101) });
  assert.equal(kinds(p.steps), [
    'event Warning InstanceTerminationForced',
    'delete-service g-gpfdist-2',
    'release-instance g-2',
  ]);
  assert.is(p.conditions.length, 1);
  const c = p.conditions[0];
  assert.equal(
    [c.type, c.status, c.reason, c.observedGeneration],
    ['InstanceTerminationForced', 'True', 'TimeBoxExpired', 2],
  );
  assert.match(c.message, 'g-2 had not stopped');
  assert.match(c.message, '100s');
  assert.match(c.message, 'deleted its gpfdist Service g-gpfdist-2');
});

test('the time box within size keeps the Service and says so', () => {
  const p = planInstances({ cr: cluster(), pods: [pod(1, { deletedAt: 0 })], now: at(101) });
  assert.equal(kinds(p.steps), ['event Warning InstanceTerminationForced', 'release-instance g-1']);
  assert.match(p.conditions[0].message, 'kept its gpfdist Service g-gpfdist-1 (instance 1 is within size 3)');
});

test('maintenance: no finalizers added, stopped pods held until the time box', () => {
  const cr = cluster({ size: 2, maintenance: true }, { finalizers: [] });
  const pods = [pod(0, { finalizers: [] }), pod(2, { deletedAt: 0, released: true })];
  assert.equal(planInstances({ cr, pods, now: at(100) }), {
    outcome: 'maintenance',
    steps: [],
    conditions: [],
  });
});

test('maintenance: at the time box the pod is released, its Service kept (reconcile removes it later)', () => {
  const cr = cluster({ size: 2, maintenance: true });
  const p = planInstances({ cr, pods: [pod(2, { deletedAt: 0, released: true })], now: at(101) });
  assert.equal(kinds(p.steps), ['event Warning InstanceTerminationForced', 'release-instance g-2']);
  assert.match(p.conditions[0].message, 'g-2 was held by maintenance');
  assert.match(p.conditions[0].message, 'kept its gpfdist Service g-gpfdist-2 (maintenance');
});

test('a pod being deleted without our finalizer is not ours to decide', () => {
  const p = planInstances({
    cr: cluster({ size: 0 }),
    pods: [pod(0, { deletedAt: 0, finalizers: ['other/x'] })],
    now: at(500),
  });
  assert.equal(p.steps, []);
});

test('the same input gives the same plan (a replay decides the same thing)', () => {
  const input = () => ({
    cr: cluster({ size: 1 }),
    pods: [pod(1, { deletedAt: 0, released: true }), pod(2, { deletedAt: 0 })],
    now: at(101),
  });
  assert.equal(planInstances(input()), planInstances(input()));
  assert.is(planInstances(input()).steps.filter((s) => s.do === 'release-instance').length, 2);
  assert.ok(planInstances(input()).steps.every((s) => s.do !== 'add-instance-finalizer'));
});

test.run();
