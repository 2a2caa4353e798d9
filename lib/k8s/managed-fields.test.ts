import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { onlyManagedBy } from './managed-fields';

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

test.run();
