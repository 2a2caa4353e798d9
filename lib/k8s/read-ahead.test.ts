import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { KubeClient } from './client';
import { momentsAgo, readAheadClient } from './read-ahead';

const test = suite('lib/k8s/read-ahead');

/** Records what reaches the API server, in order (a fake is fine here: this unit is a pure wrapper). */
function recorder() {
  const calls: string[] = [];
  let n = 0;
  const kube = {
    get: async (res: string, ns: string, name: string) => {
      calls.push(`get ${res} ${ns}/${name}`);
      if (name === 'broken') throw new Error('refused');
      return { read: ++n };
    },
    list: async (res: string, ns: string | undefined, o: { labelSelector?: string } = {}) => {
      calls.push(`list ${res} ${ns ?? '*'} ${o.labelSelector ?? ''}`.trim());
      return { items: [{ read: ++n }] };
    },
    apply: async (o: { kind: string }) => calls.push(`apply ${o.kind}`),
    patch: async () => calls.push('patch'),
  };
  return { calls, kube: kube as unknown as KubeClient };
}

test('reads made ahead answer the first identical read of the pass, and only that one', async () => {
  const { calls, kube } = recorder();
  const pass = readAheadClient(kube, (k) => {
    void k.get('statefulsets', 'ns', 'g');
    void k.list('services', 'ns', { labelSelector: 'a=b' });
    void k.list('nodes', undefined);
  });
  assert.equal(calls, ['get statefulsets ns/g', 'list services ns a=b', 'list nodes *'], 'started at once');
  assert.equal(await pass.get('statefulsets', 'ns', 'g'), { read: 1 });
  assert.equal(await pass.list('services', 'ns', { labelSelector: 'a=b' }), { items: [{ read: 2 }] });
  assert.equal(await pass.list('nodes', undefined), { items: [{ read: 3 }] });
  assert.equal(calls.length, 3, 'no second request');
  // Again, or with other arguments: the API server.
  assert.equal(await pass.get('statefulsets', 'ns', 'g'), { read: 4 });
  assert.equal(await pass.list('services', 'ns', { labelSelector: 'a=c' }), { items: [{ read: 5 }] });
  assert.equal(await pass.list('services', 'other', { labelSelector: 'a=b' }), { items: [{ read: 6 }] });
});

test('a write to a kind drops what was read ahead of it, and only of it', async () => {
  const { calls, kube } = recorder();
  const pass = readAheadClient(kube, (k) => {
    void k.get('statefulsets', 'ns', 'g');
    void k.list('services', 'ns');
  });
  await pass.apply(
    { apiVersion: 'apps/v1', kind: 'StatefulSet', metadata: { name: 'g' } },
    { fieldManager: 'x' },
  );
  assert.equal(await pass.get('statefulsets', 'ns', 'g'), { read: 3 }, 'read again after its write');
  assert.equal(await pass.list('services', 'ns'), { items: [{ read: 2 }] }, 'another kind: kept');
  assert.equal(calls, [
    'get statefulsets ns/g',
    'list services ns',
    'apply StatefulSet',
    'get statefulsets ns/g',
  ]);
});

test("a read ahead's failure reaches the pass that makes that read, and nobody else", async () => {
  const { kube } = recorder();
  const unhandled: unknown[] = [];
  const note = (e: unknown) => unhandled.push(e);
  process.on('unhandledRejection', note);
  try {
    const pass = readAheadClient(kube, (k) => {
      void k.get('statefulsets', 'ns', 'broken').catch(() => undefined);
      void k.get('configmaps', 'ns', 'broken');
    });
    try {
      await pass.get('statefulsets', 'ns', 'broken');
      assert.unreachable('the read failed');
    } catch (err) {
      assert.is((err as Error).message, 'refused');
    }
    // The configmap's read is never made by the pass: its failure must not surface anywhere.
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(unhandled, []);
  } finally {
    process.off('unhandledRejection', note);
  }
});

test('a dry run sent ahead answers the identical dry run of the pass once; anything else goes through', async () => {
  const { calls, kube } = recorder();
  const sts = { apiVersion: 'apps/v1', kind: 'StatefulSet', metadata: { name: 'g', namespace: 'ns' } };
  const dryRun = { fieldManager: 'x', force: true, dryRun: true };
  const pass = readAheadClient(kube, (k) => {
    void k.apply(sts, dryRun);
    void k.get('statefulsets', 'ns', 'g');
  });
  assert.equal(calls, ['apply StatefulSet', 'get statefulsets ns/g'], 'sent at once');
  // The fake answers an apply with the number of calls so far.
  assert.is(await pass.apply({ ...sts, spec: { replicas: 2 } }, dryRun), 3, 'another object: sent');
  assert.is(await pass.apply(sts, { ...dryRun, force: false }), 4, 'other options: sent');
  assert.is(await pass.apply(sts, dryRun), 1, 'the identical dry run: answered ahead');
  assert.is(await pass.apply(sts, dryRun), 5, 'a second time: sent');
  assert.equal(await pass.get('statefulsets', 'ns', 'g'), { read: 1 }, 'a dry run writes nothing: kept');
  assert.is(calls.length, 5);
});

test('a read ahead only reads and dry-runs', () => {
  const { kube } = recorder();
  const svc = { apiVersion: 'v1', kind: 'Service', metadata: { name: 's' } };
  assert.throws(
    () => readAheadClient(kube, (k) => void k.apply(svc, { fieldManager: 'x' })),
    /only as a dry run/,
  );
  assert.throws(
    () => readAheadClient(kube, (k) => void k.patch('services', 'ns', 's', [], 'json')),
    /only gets, lists and dry-runs/,
  );
});

test('moments ago: a stamp up to a few seconds old (whole seconds), or a little in the future', () => {
  const now = new Date('2026-12-07T12:00:10.900Z');
  assert.ok(momentsAgo('2026-12-07T12:00:10Z', now));
  assert.ok(momentsAgo('2026-12-07T12:00:08Z', now), 'written at 12:00:08.999 at the latest');
  assert.ok(momentsAgo(new Date('2026-12-07T12:00:11Z'), now), 'a clock slightly behind the API server');
  assert.not.ok(momentsAgo('2026-12-07T12:00:07Z', now));
  assert.not.ok(momentsAgo('2026-12-07T12:00:13Z', now));
  assert.not.ok(momentsAgo(undefined, now));
  assert.not.ok(momentsAgo('not a time', now));
});

test.run();
