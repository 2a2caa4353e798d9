import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { GpssCluster } from '../../lib/api/types';
import { resourceEvent } from '../../lib/runtime/events/fixtures';
import { nothingToDo, nothingToDoGiven, selfJudged } from './nothing-to-do';

const test = suite('functions/finalize/nothing-to-do');

const ev = resourceEvent;
const pod = (meta: Record<string, unknown>) => ev('Pod', { metadata: { name: 'g-0', ...meta } });
const cluster = (
  over: {
    meta?: Record<string, unknown>;
    spec?: Record<string, unknown>;
    observed?: number;
    generation?: number;
    conditions?: unknown[];
  } = {},
) =>
  ev('GpssCluster', {
    metadata: {
      name: 'g',
      generation: over.generation ?? 2,
      finalizers: ['gpss.gpdb.io/finalizer'],
      ...over.meta,
    },
    spec: { size: 3, ...over.spec },
    status: { observedGeneration: over.observed ?? 2, conditions: over.conditions ?? [] },
  });

test('a live pod that already carries the instance finalizer needs no read', () => {
  assert.is(nothingToDo(pod({ finalizers: ['gpss.gpdb.io/instance'] })), 'guarded');
  assert.is(nothingToDo({ ...pod({}), verb: 'add' }), undefined, 'finalizer to add');
  assert.is(nothingToDo({ ...pod({ finalizers: ['other'] }), verb: 'add' }), undefined);
  // Its updates, sent before the add event's guard: the add event (or the resync) guards it.
  assert.is(nothingToDo(pod({})), 'guard-on-add');
  assert.is(nothingToDo(pod({ finalizers: ['other'] })), 'guard-on-add');
  const deleting = pod({ finalizers: ['gpss.gpdb.io/instance'], deletionTimestamp: '2026-12-01T00:00:00Z' });
  assert.is(nothingToDo(deleting), undefined, 'a deletion to guard');
  assert.is(nothingToDo(pod({ deletionTimestamp: '2026-12-01T00:00:00Z' })), 'released');
  assert.is(nothingToDo({ ...pod({ finalizers: ['gpss.gpdb.io/instance'] }), verb: 'delete' }), undefined);
});

test('a guarded live cluster whose generation is already observed needs no read', () => {
  assert.is(nothingToDo(cluster()), 'unchanged');
  assert.is(nothingToDo(cluster({ meta: { finalizers: [] }, spec: { maintenance: true } })), 'unchanged');
  assert.is(nothingToDo(cluster({ meta: { finalizers: [] } })), undefined, 'finalizer to add');
  assert.is(
    nothingToDo(cluster({ observed: 1 })),
    undefined,
    'a spec change (maintenance lifted, size lowered)',
  );
  const first = { generation: 1, observed: 0 };
  assert.is(nothingToDo(cluster(first)), 'unchanged', 'no spec change yet: nothing held was freed');
  assert.is(nothingToDo(cluster({ ...first, meta: { finalizers: [] } })), undefined, 'first seen');
  assert.is(nothingToDo(cluster({ meta: { deletionTimestamp: '2026-12-01T00:00:00Z' } })), undefined);
  const failed = [{ type: 'FinalizeFailed', status: 'True', reason: 'PatchPod', observedGeneration: 2 }];
  assert.is(nothingToDo(cluster({ conditions: failed })), undefined, 'only handling clears a failure');
});

test("a pod's delete event needs nothing while its cluster lives; while it is deleted, it does", () => {
  const gone = { ...pod({ deletionTimestamp: '2026-12-01T00:00:00Z' }), verb: 'delete' as const };
  const cr = (c: ReturnType<typeof cluster>) => c.object as unknown as GpssCluster;
  assert.is(nothingToDoGiven(gone, cr(cluster())), 'gone');
  assert.is(
    nothingToDoGiven(gone, cr(cluster({ meta: { finalizers: [] }, spec: { maintenance: true } }))),
    'gone',
  );
  assert.is(nothingToDoGiven(gone, cr(cluster({ meta: { finalizers: [] } }))), undefined, 'not guarded yet');
  const deleting = cr(cluster({ meta: { deletionTimestamp: '2026-12-01T00:00:00Z' } }));
  assert.is(nothingToDoGiven(gone, deleting), undefined, 'the last pod gone lets the cluster go');
  assert.is(nothingToDoGiven(pod({}), cr(cluster())), undefined, 'a live pod is judged by itself');
});

test('a live pod is judged again as it is now before the cluster is read; a deleting one is not', () => {
  assert.ok(selfJudged(pod({})));
  assert.not.ok(
    selfJudged(pod({ finalizers: ['gpss.gpdb.io/instance'], deletionTimestamp: '2026-12-01T00:00:00Z' })),
  );
  assert.not.ok(selfJudged(cluster()));
});

test.run();
