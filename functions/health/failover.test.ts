import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { failoverNote, planFailover } from './failover';
import type { HealthPod, NodeView } from './instance-health';

const test = suite('status/failover');

const T0 = '2026-01-01T00:00:00Z';
const at = (s: number) => new Date(Date.parse(T0) + s * 1000);

/** deletionTimestamp is a Date, as the client library reads a pod. */
function pod(name: string, nodeName: string | undefined, deletionTimestamp?: Date): HealthPod {
  return {
    metadata: { name, uid: `uid-${name}`, ...(deletionTimestamp ? { deletionTimestamp } : {}) },
    spec: nodeName ? { nodeName } : {},
  };
}

const nodes = (...v: NodeView[]) => new Map(v.map((n) => [n.name, n]));
const ok: NodeView = { name: 'ok', ready: 'True', since: T0, gone: false };
const unknown: NodeView = { name: 'lost', ready: 'Unknown', since: T0, gone: false };
const notReady: NodeView = { name: 'sick', ready: 'False', since: T0, gone: false };
const opts = (s: number, paused = false) => ({ now: at(s), afterSeconds: 60, paused });

test('instances on Ready nodes and unscheduled pods are left alone', () => {
  assert.equal(planFailover([pod('a', 'ok'), pod('b', undefined)], nodes(ok), opts(600)), []);
});

test('an unreachable node: wait until the bound, then force-delete', () => {
  const p = [pod('a', 'lost')];
  // The node's time has whole seconds: the bound counts from the end of that second, never early.
  assert.equal(planFailover(p, nodes(unknown), opts(60)), [
    { kind: 'wait', pod: 'a', node: 'lost', dueAt: '2026-01-01T00:01:01Z' },
  ]);
  assert.equal(planFailover(p, nodes(unknown), opts(61)), [
    {
      kind: 'delete',
      pod: 'a',
      node: 'lost',
      uid: 'uid-a',
      force: true,
      why: 'node lost has been unreachable for longer than 60s',
    },
  ]);
});

test('a node confirmed gone (deleted or out-of-service): force-delete at once', () => {
  const [deleted] = planFailover([pod('a', 'vanished')], nodes(), opts(1));
  assert.equal(deleted, {
    kind: 'delete',
    pod: 'a',
    node: 'vanished',
    uid: 'uid-a',
    force: true,
    why: 'node vanished is gone',
  });
  const [oos] = planFailover([pod('a', 'lost')], nodes({ ...unknown, gone: true }), opts(1));
  assert.is(oos.kind === 'delete' && oos.force, true);
});

test('a NotReady node whose kubelet reports: graceful delete, forced once the grace period has run out', () => {
  const [first] = planFailover([pod('a', 'sick')], nodes(notReady), opts(61));
  assert.is(first.kind === 'delete' && !first.force, true);
  const terminating = [pod('a', 'sick', at(120))];
  assert.equal(planFailover(terminating, nodes(notReady), opts(90)), [
    { kind: 'wait', pod: 'a', node: 'sick', dueAt: '2026-01-01T00:02:00Z' },
  ]);
  const [late] = planFailover(terminating, nodes(notReady), opts(120));
  assert.equal(late, {
    kind: 'delete',
    pod: 'a',
    node: 'sick',
    uid: 'uid-a',
    force: true,
    why: 'node sick has been NotReady for longer than 60s, and the pod outlived its grace period',
  });
});

test("evicted on an unreachable node (the taint manager's graceful delete): force-deleted past the bound", () => {
  // The eviction comes 2 s after the bound (the pods' tolerationSeconds): health, woken by it, forces.
  const evicted = [pod('a', 'lost', at(62 + 60))];
  assert.equal(planFailover(evicted, nodes(unknown), opts(62)), [
    {
      kind: 'delete',
      pod: 'a',
      node: 'lost',
      uid: 'uid-a',
      force: true,
      why: 'node lost has been unreachable for longer than 60s',
    },
  ]);
  // Before the bound (a user's shorter toleration): wait, as for any pod.
  assert.equal(planFailover(evicted, nodes(unknown), opts(30)), [
    { kind: 'wait', pod: 'a', node: 'lost', dueAt: '2026-01-01T00:01:01Z' },
  ]);
});

test('already force-deleted (grace period 0, held by finalizers): not deleted again, on any lost node', () => {
  const forced: HealthPod = {
    metadata: { name: 'a', uid: 'uid-a', deletionTimestamp: at(62), deletionGracePeriodSeconds: 0 },
    spec: { nodeName: 'lost' },
  };
  for (const n of [unknown, notReady, { ...unknown, gone: true }])
    assert.equal(planFailover([{ ...forced, spec: { nodeName: n.name } }], nodes(n), opts(63)), [
      { kind: 'forced', pod: 'a', node: n.name },
    ]);
  // The status reads as right after the forced delete: no write while finalize lets the pod go.
  assert.is(
    failoverNote({ kind: 'forced', pod: 'a', node: 'lost' }, false),
    failoverNote({ kind: 'delete', pod: 'a', node: 'lost', uid: 'uid-a', force: true, why: '' }, true),
  );
});

test('maintenance: report, never act', () => {
  assert.equal(planFailover([pod('a', 'lost'), pod('b', 'vanished')], nodes(unknown), opts(600, true)), [
    { kind: 'paused', pod: 'a', node: 'lost' },
    { kind: 'paused', pod: 'b', node: 'vanished' },
  ]);
});

test('the same inputs give the same plan, whatever happened before (no hidden state)', () => {
  const p = [pod('a', 'lost'), pod('b', 'ok')];
  assert.equal(planFailover(p, nodes(unknown, ok), opts(61)), planFailover(p, nodes(unknown, ok), opts(61)));
});

test('failoverNote says what will happen, deterministically', () => {
  assert.is(failoverNote({ kind: 'wait', pod: 'a', node: 'n', dueAt: 'T' }, false), 'failover at T');
  assert.is(
    failoverNote({ kind: 'paused', pod: 'a', node: 'n' }, false),
    'failover paused: spec.maintenance is true',
  );
  const del = { kind: 'delete', pod: 'a', node: 'n', uid: 'u', force: true, why: 'w' } as const;
  assert.is(failoverNote(del, true), 'failed over: pod deleted (forced) so it is recreated on another node');
  assert.is(failoverNote(del, false), undefined);
  assert.is(failoverNote(undefined, false), undefined);
});

test.run();
