import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { parseQuantity } from '../../lib/api/quantity';
import { APPLIED_HASH, applyReason, hashOf, isSubset, withAppliedHash } from './diff';

const test = suite('apply diff');

const desired = {
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { name: 's', namespace: 'n', labels: { a: '1' } },
  spec: { type: 'NodePort', ports: [{ name: 'gpfdist', port: 8090 }], selector: { a: '1' } },
};

test('hash is independent of key order and changes with content', () => {
  assert.is(hashOf({ a: 1, b: { c: 2, d: 3 } }), hashOf({ b: { d: 3, c: 2 }, a: 1 }));
  assert.is.not(hashOf({ a: 1 }), hashOf({ a: 2 }));
  assert.is(withAppliedHash(desired).metadata.annotations?.[APPLIED_HASH], hashOf(desired));
});

test('a live object with server defaults and the same hash needs nothing', () => {
  const d = withAppliedHash(desired);
  const live = {
    ...d,
    metadata: { ...d.metadata, uid: 'u', resourceVersion: '9' },
    spec: {
      ...d.spec,
      clusterIP: '10.96.0.9',
      ports: [{ name: 'gpfdist', port: 8090, protocol: 'TCP', nodePort: 31000 }],
    },
  };
  assert.is(applyReason(d, live), undefined);
});

test('missing, changed (a field we stopped setting) and drifted objects are re-applied', () => {
  const d = withAppliedHash(desired);
  assert.is(applyReason(d, undefined), 'missing');
  const older = withAppliedHash({ ...desired, spec: { ...desired.spec, externalTrafficPolicy: 'Local' } });
  assert.is(applyReason(d, older), 'changed');
  const drifted = { ...d, spec: { ...d.spec, type: 'ClusterIP' } };
  assert.is(applyReason(d, drifted), 'drifted');
});

test('quantities compare by value only under resources', () => {
  assert.is(parseQuantity('1000m'), 1);
  assert.is(parseQuantity('2Gi'), 2 * 2 ** 30);
  assert.is(parseQuantity('1.5'), 1.5);
  assert.is(parseQuantity('abc'), undefined);
  assert.ok(isSubset({ resources: { limits: { cpu: '1000m' } } }, { resources: { limits: { cpu: '1' } } }));
  assert.not.ok(isSubset({ resources: { limits: { cpu: '2' } } }, { resources: { limits: { cpu: '1' } } }));
  assert.not.ok(isSubset({ image: '1000m' }, { image: '1' }));
});

test('lists must match in length; empty wanted values match absent ones', () => {
  assert.not.ok(isSubset({ a: [1, 2] }, { a: [1] }));
  assert.not.ok(isSubset({ a: [1] }, { a: [1, 2] }));
  assert.ok(isSubset({ a: [], b: {} }, {}));
  assert.ok(isSubset({ e: {} }, { e: { medium: '' } }));
});

test.run();
