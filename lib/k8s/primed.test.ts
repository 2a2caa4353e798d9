import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { KubeClient } from './client';
import { primedClient } from './primed';

const test = suite('lib/k8s/primed');

/** Records what reaches the API server (a fake is fine here: this unit is a pure wrapper). */
function recorder() {
  const calls: string[] = [];
  const kube = {
    get: async (res: string, ns: string, name: string, o: { subresource?: string } = {}) => {
      calls.push(`get ${res}${o.subresource ? `/${o.subresource}` : ''} ${ns}/${name}`);
      return { from: 'server' };
    },
    patch: async (res: string, ns: string, name: string) => calls.push(`patch ${res} ${ns}/${name}`),
    apply: async (o: { kind: string }) => calls.push(`apply ${o.kind}`),
  };
  return { calls, kube: kube as unknown as KubeClient };
}

test('the primed object answers the get of that object until a write to its kind', async () => {
  const { calls, kube } = recorder();
  const primed = primedClient(kube, 'gpssclusters', 'ns', 'g', { from: 'triage' });
  assert.equal(await primed.get('gpssclusters', 'ns', 'g'), { from: 'triage' });
  assert.equal(await primed.get('gpssclusters', 'ns', 'g'), { from: 'triage' });
  assert.equal(calls, []);
  // Other objects, other kinds, subresources: the API server.
  await primed.get('gpssclusters', 'ns', 'h');
  await primed.get('statefulsets', 'ns', 'g');
  await primed.get('gpssclusters', 'ns', 'g', { subresource: 'status' });
  await primed.apply(
    { apiVersion: 'apps/v1', kind: 'StatefulSet', metadata: { name: 'g' } },
    { fieldManager: 'x' },
  );
  assert.equal(await primed.get('gpssclusters', 'ns', 'g'), { from: 'triage' }, 'a write to another kind');
  await primed.patch('gpssclusters', 'ns', 'g', {}, 'merge');
  assert.equal(await primed.get('gpssclusters', 'ns', 'g'), { from: 'server' }, 'after its own write');
  assert.equal(calls, [
    'get gpssclusters ns/h',
    'get statefulsets ns/g',
    'get gpssclusters/status ns/g',
    'apply StatefulSet',
    'patch gpssclusters ns/g',
    'get gpssclusters ns/g',
  ]);
});

test('an applied GpssCluster status ends the priming too', async () => {
  const { kube } = recorder();
  const primed = primedClient(kube, 'gpssclusters', 'ns', 'g', undefined);
  assert.is(await primed.get('gpssclusters', 'ns', 'g'), undefined, 'a cluster found missing stays missing');
  await primed.apply(
    { apiVersion: 'gpss.gpdb.io/v1', kind: 'GpssCluster', metadata: { name: 'g' } },
    { fieldManager: 'x' },
  );
  assert.equal(await primed.get('gpssclusters', 'ns', 'g'), { from: 'server' });
});

test.run();
