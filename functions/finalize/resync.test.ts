import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { pod } from './fixtures';
import { orphanClusters } from './resync';

const test = suite('resync');

test('pods holding our finalizer whose cluster was not resynced are swept, once per cluster', () => {
  const other = pod(0);
  other.metadata.namespace = 'other';
  const foreign = pod(1, { finalizers: ['x/y'] });
  foreign.metadata.namespace = 'third';
  const pods = [pod(0), pod(1), other, foreign];
  assert.equal(orphanClusters(pods, new Set(['ns/g'])), [{ namespace: 'other', name: 'g' }]);
  assert.equal(orphanClusters(pods, new Set()), [
    { namespace: 'ns', name: 'g' },
    { namespace: 'other', name: 'g' },
  ]);
});

test.run();
