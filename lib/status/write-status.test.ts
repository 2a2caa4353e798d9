import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { Condition, GpssCluster } from '../api/types';
import type { ApplyOptions, KubeClient, ObjectRef } from '../k8s/client';
import { createLogger } from '../runtime/log';
import { sameValue, writeStatus } from './write-status';

const test = suite('writeStatus');

const NOW = new Date('2026-12-01T01:02:03.456Z');
const EARLIER = '2026-11-30T00:00:00Z';

function cr(status?: GpssCluster['status']): GpssCluster {
  return {
    apiVersion: 'gpss.gpdb.io/v1',
    kind: 'GpssCluster',
    metadata: { name: 'c', namespace: 'ns', generation: 4 },
    spec: { size: 1, image: 'gpss:1', gpss_config: '{}' },
    ...(status ? { status } : {}),
  };
}

/** A KubeClient that records each apply; only `apply` is called by the writer. */
function fake() {
  const applies: Array<{ obj: ObjectRef; options: ApplyOptions }> = [];
  const lines: Array<Record<string, unknown>> = [];
  const kube = {
    apply: async (obj: ObjectRef, options: ApplyOptions) => {
      applies.push({ obj, options });
      return obj;
    },
  } as unknown as KubeClient;
  const log = createLogger({ name: 't', destination: { write: (s: string) => lines.push(JSON.parse(s)) } });
  return { ctx: { kube, log, now: () => NOW }, applies, lines };
}

const cond = (type: string, status: 'True' | 'False', reason: string, observedGeneration = 4) => ({
  type,
  status,
  reason,
  message: `${type} is ${reason}`,
  observedGeneration,
});

const stored = (c: ReturnType<typeof cond>, lastTransitionTime: string): Condition => ({
  ...c,
  lastTransitionTime,
});

test('first write: whole-second times, fields first, under the given manager on the status subresource', async () => {
  const f = fake();
  const wrote = await writeStatus(f.ctx, cr(), {
    manager: 'gpss-x',
    conditions: [cond('A', 'True', 'Ok')],
    fields: { observedGeneration: 4, selector: 's', gpssAddress: undefined },
    log: { phase: 'Running' },
  });
  assert.ok(wrote);
  assert.equal(f.applies, [
    {
      obj: {
        apiVersion: 'gpss.gpdb.io/v1',
        kind: 'GpssCluster',
        metadata: { name: 'c', namespace: 'ns' },
        status: {
          observedGeneration: 4,
          selector: 's',
          conditions: [stored(cond('A', 'True', 'Ok'), '2026-12-01T01:02:03Z')],
        },
      },
      options: { fieldManager: 'gpss-x', force: true, subresource: 'status' },
    },
  ]);
  assert.equal(
    f.lines.map(({ decision, phase, conditions, msg }) => ({ decision, phase, conditions, msg })),
    [{ decision: 'status', phase: 'Running', conditions: ['A=True/Ok'], msg: 'write status' }],
  );
});

test('nothing visible changed: no write, returns false', async () => {
  const f = fake();
  const status = {
    observedGeneration: 4,
    instances: [{ name: 'p-0', ready: true, restarts: 0 }],
    conditions: [stored(cond('A', 'True', 'Ok'), EARLIER)],
  };
  const wrote = await writeStatus(f.ctx, cr(status), {
    manager: 'gpss-x',
    conditions: [cond('A', 'True', 'Ok')],
    // Built in another key order, with an undefined field: still the same as what the server stores.
    fields: {
      instances: [{ restarts: 0, ready: true, name: 'p-0', node: undefined }],
      observedGeneration: 4,
    },
  });
  assert.is(wrote, false);
  assert.equal(f.applies, []);
  assert.equal(f.lines, []);
});

test('a changed field alone is written; lastTransitionTime stays when the status does not change', async () => {
  const f = fake();
  const status = { observedGeneration: 3, conditions: [stored(cond('A', 'True', 'Ok', 3), EARLIER)] };
  await writeStatus(f.ctx, cr(status), {
    manager: 'gpss-x',
    conditions: [cond('A', 'True', 'Ok')],
    fields: { observedGeneration: 4 },
  });
  assert.equal(f.applies[0]?.obj.status, {
    observedGeneration: 4,
    conditions: [stored(cond('A', 'True', 'Ok'), EARLIER)],
  });
});

test('owned types are all sent, in their order, so apply does not drop the ones not being set', async () => {
  const f = fake();
  const status = {
    conditions: [
      stored(cond('Other', 'True', 'TheirsNotMine'), EARLIER),
      stored(cond('B', 'True', 'Old'), EARLIER),
      stored(cond('A', 'False', 'Old'), EARLIER),
    ],
  };
  await writeStatus(f.ctx, cr(status), {
    manager: 'gpss-x',
    owned: ['A', 'B', 'C'],
    conditions: [cond('A', 'True', 'New')],
  });
  assert.equal(f.applies[0]?.obj.status, {
    conditions: [
      stored(cond('A', 'True', 'New'), '2026-12-01T01:02:03Z'),
      stored(cond('B', 'True', 'Old'), EARLIER),
    ],
  });
});

test('without owned, only the conditions being set are sent', async () => {
  const f = fake();
  const status = { conditions: [stored(cond('B', 'True', 'Old'), EARLIER)] };
  await writeStatus(f.ctx, cr(status), { manager: 'gpss-x', conditions: [cond('A', 'True', 'New')] });
  assert.equal(f.applies[0]?.obj.status, {
    conditions: [stored(cond('A', 'True', 'New'), '2026-12-01T01:02:03Z')],
  });
});

test('no conditions and no fields: nothing to write', async () => {
  const f = fake();
  assert.is(await writeStatus(f.ctx, cr(), { manager: 'gpss-x', conditions: [] }), false);
  assert.equal(f.applies, []);
});

test('sameValue: JSON equality, key order and absent/undefined/null aside', () => {
  assert.ok(sameValue({ a: 1, b: [1, { c: 'x' }] }, { b: [1, { c: 'x', d: undefined }], a: 1 }));
  assert.ok(sameValue(undefined, null));
  assert.not.ok(sameValue([1, 2], [2, 1]));
  assert.not.ok(sameValue({ a: 1 }, { a: '1' }));
  assert.not.ok(sameValue({ a: 1 }, { a: 1, b: 0 }));
  assert.not.ok(sameValue([], {}));
});

test.run();
