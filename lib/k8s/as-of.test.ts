import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { asOfClient, newestVersion } from './as-of';
import type { KubeClient, ListOptions } from './client';

const test = suite('lib/k8s/as-of');

/** Records the options each list reaches the API server with (a fake is fine: this unit is a pure wrapper). */
function recorder() {
  const lists: string[] = [];
  const kube = {
    list: async (res: string, _ns: string | undefined, o: ListOptions = {}) => {
      lists.push(`${res} ${o.notOlderThan ?? 'consistent'}`);
      return { items: [], resourceVersion: '1' };
    },
    patch: async () => ({}),
    apply: async () => ({}),
  };
  return { lists, kube: kube as unknown as KubeClient };
}

test('the newest of the events versions, compared as the API server compares them', () => {
  assert.is(newestVersion(['900', '1000', undefined, '999']), '1000');
  assert.is(newestVersion(['18446744073709551615', '9']), '18446744073709551615');
  assert.is(newestVersion([undefined]), undefined);
  assert.is(newestVersion([]), undefined);
  assert.is(newestVersion(['12', 'abc']), undefined, 'a version that is not an integer: consistent reads');
});

test('lists read as of the version until the pass writes their kind', async () => {
  const { lists, kube } = recorder();
  const asOf = asOfClient(kube, '42');
  await asOf.list('pods', 'ns');
  await asOf.list('services', 'ns', { labelSelector: 'a=b' });
  await asOf.patch('pods', 'ns', 'p', {}, 'merge');
  await asOf.list('pods', 'ns');
  await asOf.list('services', 'ns');
  await asOf.apply(
    { apiVersion: 'v1', kind: 'Service', metadata: { name: 's', namespace: 'ns' } },
    { fieldManager: 'x' },
  );
  await asOf.list('services', 'ns');
  assert.equal(lists, ['pods 42', 'services 42', 'pods consistent', 'services 42', 'services consistent']);
});

test('a write of a kind not known by name makes every list consistent', async () => {
  const { lists, kube } = recorder();
  const asOf = asOfClient(kube, '42');
  await asOf.apply(
    { apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w' } },
    { fieldManager: 'x' },
  );
  await asOf.list('pods', 'ns');
  assert.equal(lists, ['pods consistent']);
});

test('no version: the client as it was', () => {
  const { kube } = recorder();
  assert.is(asOfClient(kube, undefined), kube);
});

test.run();
