import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { KubeClient } from './client';
import { answerList, equalityTerms, snapshotClient } from './snapshot';

const test = suite('lib/k8s/snapshot');

const obj = (namespace: string, name: string, labels: Record<string, string>) => ({
  metadata: { namespace, name, labels },
});
const MANAGED = 'app.kubernetes.io/managed-by=gpss-operator';
const items = [
  obj('a', 'g-0', { 'app.kubernetes.io/managed-by': 'gpss-operator', 'app.kubernetes.io/instance': 'g' }),
  obj('a', 'h-0', { 'app.kubernetes.io/managed-by': 'gpss-operator', 'app.kubernetes.io/instance': 'h' }),
  obj('b', 'g-0', { 'app.kubernetes.io/managed-by': 'gpss-operator', 'app.kubernetes.io/instance': 'g' }),
];
const taken = { items, terms: equalityTerms(MANAGED)! };

test('equality selectors are read as pairs; anything else is left to the API server', () => {
  assert.equal(equalityTerms('a=b,c==d'), [
    ['a', 'b'],
    ['c', 'd'],
  ]);
  assert.equal(equalityTerms(undefined), []);
  assert.is(equalityTerms('a!=b'), undefined);
  assert.is(equalityTerms('a in (b)'), undefined);
  assert.is(equalityTerms('a'), undefined);
});

test('a list is answered by namespace and labels when the snapshot holds every match', () => {
  const names = (l: Array<{ metadata: { namespace?: string; name: string } }> | undefined) =>
    l?.map((o) => `${o.metadata.namespace}/${o.metadata.name}`);
  assert.equal(names(answerList(taken, 'a', { labelSelector: `app.kubernetes.io/instance=g,${MANAGED}` })), [
    'a/g-0',
  ]);
  assert.equal(names(answerList(taken, undefined, { labelSelector: MANAGED })), ['a/g-0', 'a/h-0', 'b/g-0']);
});

test('a list the snapshot may not fully hold goes to the API server', () => {
  // Without the snapshot's own label, unlabelled objects could match and are not in it.
  assert.is(answerList(taken, 'a', { labelSelector: 'app.kubernetes.io/instance=g' }), undefined);
  assert.is(
    answerList(taken, 'a', { labelSelector: `${MANAGED}`, fieldSelector: 'metadata.name=x' }),
    undefined,
  );
  assert.is(answerList(taken, 'a', { labelSelector: `${MANAGED},tier!=x` }), undefined);
});

test('the clusters are read first, their children only after: never older than the clusters', async () => {
  const events: string[] = [];
  // A fake is fine here: only the order of the reads is looked at.
  const kube = {
    list: async (res: string) => {
      events.push(`start ${res}`);
      await new Promise((resolve) => setTimeout(resolve, res === 'gpssclusters' ? 5 : 1));
      events.push(`end ${res}`);
      return { items: [], resourceVersion: '1' };
    },
  } as unknown as KubeClient;
  await snapshotClient(kube, [{ res: 'pods' }, { res: 'gpssclusters' }, { res: 'nodes' }]);
  assert.equal(events.slice(0, 2), ['start gpssclusters', 'end gpssclusters']);
  assert.equal(events.slice(2, 4).sort(), ['start nodes', 'start pods']);
});

test.run();
