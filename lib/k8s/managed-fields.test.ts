import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { lastWritten, onlyManagedBy } from './managed-fields';

const test = suite('lib/k8s/managed-fields');

const obj = (...entries: Array<{ manager: string; subresource?: string }>) => ({
  metadata: { managedFields: entries },
});

test("an object is its manager's alone when no other manager set a field outside the ignored subresources", () => {
  assert.ok(onlyManagedBy(obj({ manager: 'gpss-reconcile' }), 'gpss-reconcile'));
  assert.not.ok(
    onlyManagedBy(obj({ manager: 'gpss-reconcile' }, { manager: 'kubectl-edit' }), 'gpss-reconcile'),
  );
  const withStatus = obj(
    { manager: 'gpss-reconcile' },
    { manager: 'kube-controller-manager', subresource: 'status' },
  );
  assert.not.ok(onlyManagedBy(withStatus, 'gpss-reconcile'));
  assert.ok(onlyManagedBy(withStatus, 'gpss-reconcile', ['status']));
  const scaled = obj({ manager: 'gpss-reconcile' }, { manager: 'kubectl', subresource: 'scale' });
  assert.not.ok(onlyManagedBy(scaled, 'gpss-reconcile', ['status']));
});

test('no managedFields prove nothing', () => {
  assert.not.ok(onlyManagedBy({ metadata: {} }, 'gpss-reconcile'));
  assert.not.ok(onlyManagedBy({}, 'gpss-reconcile'));
});

test('when a subresource was last written: the newest stamp among its entries', () => {
  const sts = {
    metadata: {
      managedFields: [
        { manager: 'gpss-reconcile', operation: 'Apply', time: '2026-12-07T10:00:00Z' },
        { manager: 'kube-controller-manager', subresource: 'status', time: '2026-12-07T10:00:05Z' },
        { manager: 'kubectl', subresource: 'status', time: new Date('2026-12-07T10:00:07Z') },
        { manager: 'other', subresource: 'status', time: 'not a time' },
      ],
    },
  };
  assert.equal(lastWritten(sts, 'status'), new Date('2026-12-07T10:00:07Z'));
  assert.equal(lastWritten(sts, ''), new Date('2026-12-07T10:00:00Z'));
  assert.is(lastWritten(sts, 'scale'), undefined);
  assert.is(lastWritten({ metadata: {} }, 'status'), undefined);
});

test.run();
