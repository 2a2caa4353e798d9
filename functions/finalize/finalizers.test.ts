import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { addFinalizerPatch, hasFinalizer, removeFinalizerPatch } from './finalizers';

const test = suite('finalizers');
const F = 'gpss.gpdb.io/instance';

test('adding to an absent list pins its absence with a null test', () => {
  assert.equal(addFinalizerPatch(undefined, F), [
    { op: 'test', path: '/metadata/finalizers', value: null },
    { op: 'add', path: '/metadata/finalizers', value: [F] },
  ]);
});

test('adding keeps the finalizers already there and pins the list that was read', () => {
  assert.equal(addFinalizerPatch(['other/x'], F), [
    { op: 'test', path: '/metadata/finalizers', value: ['other/x'] },
    { op: 'add', path: '/metadata/finalizers', value: ['other/x', F] },
  ]);
});

test('adding a finalizer that is there already is no patch at all', () => {
  assert.is(addFinalizerPatch(['other/x', F], F), undefined);
});

test('removing tests our own entry at its index, so a concurrent change cannot drop another one', () => {
  assert.equal(removeFinalizerPatch(['other/x', F, 'other/y'], F), [
    { op: 'test', path: '/metadata/finalizers/1', value: F },
    { op: 'remove', path: '/metadata/finalizers/1' },
  ]);
});

test('removing a finalizer that is not there is no patch at all', () => {
  assert.is(removeFinalizerPatch(undefined, F), undefined);
  assert.is(removeFinalizerPatch(['other/x'], F), undefined);
});

test("with the object's uid, both first test that it is still that object", () => {
  const uid = { op: 'test', path: '/metadata/uid', value: 'u1' };
  assert.equal(addFinalizerPatch(undefined, F, 'u1')?.[0], uid);
  assert.equal(removeFinalizerPatch([F], F, 'u1'), [
    uid,
    { op: 'test', path: '/metadata/finalizers/0', value: F },
    { op: 'remove', path: '/metadata/finalizers/0' },
  ]);
});

test('hasFinalizer', () => {
  assert.ok(hasFinalizer({ metadata: { finalizers: [F] } }, F));
  assert.not.ok(hasFinalizer({ metadata: {} }, F));
});

test.run();
