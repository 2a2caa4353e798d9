import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { at, cluster, iso, pod } from './fixtures';
import { needsStatefulSet, planCluster } from './plan';

const test = suite('plan');

test('a cluster that is gone: every pod still carrying the instance finalizer is released', () => {
  const p = planCluster({
    cr: undefined,
    pods: [pod(1), pod(0, { finalizers: ['other/x'] }), pod(2, { deletedAt: 0 })],
    now: at(0),
  });
  assert.is(p.outcome, 'gone');
  assert.equal(
    p.steps.map((s) => (s.do === 'release-instance' ? s.pod : s.do)),
    ['g-1', 'g-2'],
  );
});

test('a cluster deleted after its finalizer was removed by hand is no longer guarded', () => {
  const cr = cluster({}, { finalizers: [], deletionTimestamp: iso(0) });
  const p = planCluster({ cr, pods: [pod(0)], now: at(0) });
  assert.is(p.outcome, 'unguarded');
  assert.is(p.steps.length, 1);
});

test('a live cluster goes to the instance planner, a deleted one to the deletion planner', () => {
  assert.is(planCluster({ cr: cluster(), pods: [], now: at(0) }).outcome, 'unchanged');
  const cr = cluster({}, { deletionTimestamp: iso(0) });
  assert.is(planCluster({ cr, pods: [], now: at(0) }).outcome, 'finalized');
});

test('the StatefulSet is read only when a deletion may have to scale it', () => {
  assert.not.ok(needsStatefulSet(cluster()));
  assert.ok(needsStatefulSet(cluster({}, { deletionTimestamp: iso(0) })));
  assert.not.ok(needsStatefulSet(cluster({ maintenance: true }, { deletionTimestamp: iso(0) })));
  assert.not.ok(needsStatefulSet(cluster({}, { deletionTimestamp: iso(0), finalizers: [] })));
});

test.run();
