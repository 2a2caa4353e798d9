import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { GpssCluster } from '../../lib/api/types';
import { resourceEvent } from '../../lib/runtime/events/fixtures';
import { nothingToDo, nothingToDoGiven } from './nothing-to-do';

const test = suite('functions/finalize/nothing-to-do');

const ev = resourceEvent;
/** A day after the deletions below began: every time box a spec allows may have expired. */
const NOW = new Date('2026-12-02T00:00:00Z');
const judge = (e: Parameters<typeof nothingToDo>[0], now = NOW) => nothingToDo(e, now);
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
  assert.is(judge(pod({ finalizers: ['gpss.gpdb.io/instance'] })), 'guarded');
  assert.is(judge({ ...pod({}), verb: 'add' }), undefined, 'finalizer to add');
  assert.is(judge({ ...pod({ finalizers: ['other'] }), verb: 'add' }), undefined);
  // Its updates, sent before the add event's guard: the add event (or the resync) guards it.
  assert.is(judge(pod({})), 'guard-on-add');
  assert.is(judge(pod({ finalizers: ['other'] })), 'guard-on-add');
  const deleting = pod({ finalizers: ['gpss.gpdb.io/instance'], deletionTimestamp: '2026-12-01T00:00:00Z' });
  assert.is(judge(deleting), undefined, 'a deletion to guard');
  assert.is(judge(pod({ deletionTimestamp: '2026-12-01T00:00:00Z' })), 'released');
  // A delete event shows the object as last stored: still guarded, it went as finalize let it go.
  const letGo = { ...pod({ finalizers: ['gpss.gpdb.io/instance'] }), verb: 'delete' as const };
  assert.is(judge(letGo), 'released-gone');
  assert.is(judge({ ...pod({ finalizers: ['other'] }), verb: 'delete' }), undefined, 'let go earlier');
});

test('a guarded live cluster whose generation is already observed needs no read', () => {
  assert.is(judge(cluster()), 'unchanged');
  assert.is(judge(cluster({ meta: { finalizers: [] }, spec: { maintenance: true } })), 'unchanged');
  assert.is(judge(cluster({ meta: { finalizers: [] } })), undefined, 'finalizer to add');
  assert.is(judge(cluster({ observed: 1 })), undefined, 'a spec change (maintenance lifted, size lowered)');
  const first = { generation: 1, observed: 0 };
  assert.is(judge(cluster(first)), 'unchanged', 'no spec change yet: nothing held was freed');
  assert.is(judge(cluster({ ...first, meta: { finalizers: [] } })), undefined, 'first seen');
  assert.is(judge(cluster({ meta: { deletionTimestamp: '2026-12-01T00:00:00Z' } })), undefined);
  const failed = [{ type: 'FinalizeFailed', status: 'True', reason: 'PatchPod', observedGeneration: 2 }];
  assert.is(judge(cluster({ conditions: failed })), undefined, 'only handling clears a failure');
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

test('a held pod whose process runs, in the first second of its deletion, needs no read', () => {
  // Deleted at 12:00:00.4 with a 30 s grace period: the API server records 12:00:30.
  const held = (meta: Record<string, unknown>, spec: Record<string, unknown> = { nodeName: 'n1' }) =>
    ev('Pod', {
      metadata: {
        name: 'g-0',
        finalizers: ['gpss.gpdb.io/instance'],
        deletionTimestamp: '2026-12-01T12:00:30Z',
        deletionGracePeriodSeconds: 30,
        ...meta,
      },
      spec,
    });
  const at = (t: string, e = held({})) => judge(e, new Date(t));
  assert.is(at('2026-12-01T12:00:00.500Z'), 'draining');
  assert.is(at('2026-12-01T12:00:01.999Z'), 'draining', 'the box counts from the end of that second');
  assert.is(at('2026-12-01T12:00:02.000Z'), undefined, 'a 1 s time box may have expired');
  const early = '2026-12-01T12:00:00.500Z';
  assert.is(at(early, held({ deletionGracePeriodSeconds: 0 })), undefined, 'released by its node: let go');
  assert.is(at(early, held({}, {})), undefined, 'never scheduled: let go');
  assert.is(at(early, { ...held({}), verb: 'delete' }), 'released-gone', 'gone with our finalizer: let go');
});

test.run();
