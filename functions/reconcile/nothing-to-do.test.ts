import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { Condition } from '../../lib/api/types';
import type { ApiServerEvent } from '../../lib/runtime/events/apiserver';
import { resourceEvent } from '../../lib/runtime/events/fixtures';
import { storedCondition } from '../../lib/status/fixtures';
import { nothingToDo, nothingToDoGiven } from './nothing-to-do';

const test = suite('functions/reconcile/nothing-to-do');

const cond = (type: string, status: Condition['status'], reason: string, observedGeneration = 3) =>
  storedCondition(type, status, reason, observedGeneration);
const CONVERGED = [
  cond('ConfigValid', 'True', 'Valid'),
  cond('Progressing', 'False', 'Converged'),
  cond('ExternalAddressReady', 'True', 'AddressesAssigned'),
  cond('Ready', 'False', 'InstancesNotReady'),
];

function event(
  over: { generation?: number; observed?: number; conditions?: Condition[]; deleting?: boolean } = {},
  verb: ApiServerEvent['verb'] = 'update',
  kind = 'GpssCluster',
): ApiServerEvent {
  return {
    verb,
    mode: 'resource',
    apiVersion: 'gpss.gpdb.io/v1',
    kind,
    name: 'g',
    namespace: 'ns',
    object: {
      apiVersion: 'gpss.gpdb.io/v1',
      kind,
      metadata: {
        name: 'g',
        namespace: 'ns',
        generation: over.generation ?? 3,
        ...(over.deleting ? { deletionTimestamp: '2026-12-01T00:00:00Z' } : {}),
      },
      status: { observedGeneration: over.observed ?? 3, conditions: over.conditions ?? CONVERGED },
    } as never,
  };
}

test('a status write on a cluster whose generation reconcile handled needs no read', () => {
  assert.is(nothingToDo(event()), 'unchanged');
  assert.is(nothingToDo(event({}, 'add')), 'unchanged');
  // Still rolling out: the StatefulSet's own events move Progressing on, not status writes.
  const rolling = CONVERGED.map((c) =>
    c.type === 'Progressing' ? cond('Progressing', 'True', 'RollingOut') : c,
  );
  assert.is(nothingToDo(event({ conditions: rolling })), 'unchanged');
  // A rejected spec stays rejected until the spec changes (or the resync finds the world changed).
  const rejected = CONVERGED.map((c) =>
    c.type === 'ConfigValid' ? cond('ConfigValid', 'False', 'InvalidConfig') : c,
  );
  assert.is(nothingToDo(event({ conditions: rejected })), 'unchanged');
});

test('a new generation, a deletion, a delete event or another kind is handled', () => {
  assert.is(nothingToDo(event({ generation: 4 })), undefined, 'spec changed since');
  assert.is(nothingToDo(event({ deleting: true })), undefined);
  assert.is(nothingToDo(event({}, 'delete')), undefined);
  assert.is(nothingToDo(event({}, 'update', 'StatefulSet')), undefined);
});

test('a generation reconcile has not judged, or a recorded failure, is handled', () => {
  const without = (type: string) => CONVERGED.filter((c) => c.type !== type);
  assert.is(nothingToDo(event({ conditions: without('ConfigValid') })), undefined);
  assert.is(nothingToDo(event({ observed: 2 })), undefined);
  assert.is(
    nothingToDo(event({ conditions: [...without('ConfigValid'), cond('ConfigValid', 'True', 'Valid', 2)] })),
    undefined,
  );
  assert.is(
    nothingToDo(event({ conditions: [...CONVERGED, cond('ReconcileFailed', 'True', 'ApplyStatefulSet')] })),
    undefined,
  );
});

const managed = (...managers: Array<[string, string?]>) =>
  managers.map(([manager, subresource]) => ({
    manager,
    operation: manager === 'gpss-reconcile' ? 'Apply' : 'Update',
    ...(subresource ? { subresource } : {}),
  }));

const child = resourceEvent;

test('a Service only reconcile ever set is the echo of its own apply: no read', () => {
  const own = { metadata: { name: 'g-gpfdist-0', managedFields: managed(['gpss-reconcile']) } };
  assert.is(nothingToDo(child('Service', own)), 'own-echo');
  assert.is(nothingToDo(child('Service', own, 'add')), 'own-echo');
  // Someone else's hand on it (a user's edit, a load balancer's address), or its deletion: handled.
  const touched = {
    metadata: { name: 'g-gpfdist-0', managedFields: managed(['gpss-reconcile'], ['kubectl-edit']) },
  };
  assert.is(nothingToDo(child('Service', touched)), undefined);
  const lb = {
    metadata: { name: 'g', managedFields: managed(['gpss-reconcile'], ['service-controller', 'status']) },
  };
  assert.is(nothingToDo(child('Service', lb)), undefined);
  assert.is(nothingToDo(child('Service', own, 'delete')), undefined);
  assert.is(
    nothingToDo(child('Service', { metadata: { name: 'g' } })),
    undefined,
    'no managedFields: no proof',
  );
});

test('a StatefulSet whose counts give the Progressing the cluster shows needs only the cluster read', () => {
  const cr = (conditions: Condition[], generation = 3) =>
    ({ ...event({ conditions, generation }).object, spec: { size: 3 } }) as never;
  const sts = (
    status: Record<string, unknown>,
    managers = managed(['gpss-reconcile'], ['kube-controller-manager', 'status']),
  ) =>
    child('StatefulSet', {
      metadata: { name: 'g', generation: 2, managedFields: managers },
      status: { observedGeneration: 2, ...status },
    });
  const rollingCond = {
    ...cond('Progressing', 'True', 'RollingOut'),
    message: "waiting for 3 instance(s) ready at the StatefulSet's current revision",
  };
  const rolling = CONVERGED.map((c) => (c.type === 'Progressing' ? rollingCond : c));
  // The same counts as reported: nothing moved (a revision hash, an available count).
  const same = sts({ replicas: 3, readyReplicas: 1, updatedReplicas: 3, availableReplicas: 1 });
  assert.is(nothingToDoGiven(same, cr(rolling)), 'unchanged');
  assert.is(
    nothingToDoGiven(sts({ replicas: 3, readyReplicas: 2, updatedReplicas: 3 }), cr(rolling)),
    'unchanged',
  );
  // Instances waiting to restart one at a time: each replica turning Ready may let the next go.
  const readdressing = CONVERGED.map((c) =>
    c.type === 'Progressing' ? cond('Progressing', 'True', 'Readdressing') : c,
  );
  assert.is(nothingToDoGiven(same, cr(readdressing)), undefined);
  // Converged in the StatefulSet while the cluster still says RollingOut: handled.
  assert.is(
    nothingToDoGiven(sts({ replicas: 3, readyReplicas: 3, updatedReplicas: 3 }), cr(rolling)),
    undefined,
  );
  // The spec touched by anyone but reconcile (kubectl scale, rollout restart): handled.
  const scaled = sts(
    { replicas: 3, readyReplicas: 1, updatedReplicas: 3 },
    managed(['gpss-reconcile'], ['kubectl', 'scale']),
  );
  assert.is(nothingToDoGiven(scaled, cr(rolling)), undefined);
  // A cluster reconcile has not judged, or another kind: handled.
  assert.is(nothingToDoGiven(same, cr(rolling, 4)), undefined);
  assert.is(nothingToDoGiven(child('Service', {}), cr(rolling)), undefined);
});

test('a StatefulSet of its own in the middle of a revision rollout needs no read at all', () => {
  const sts = (
    status: Record<string, unknown>,
    managers = managed(['gpss-reconcile'], ['kube-controller-manager', 'status']),
    extra: Record<string, unknown> = {},
  ) =>
    child('StatefulSet', {
      metadata: { name: 'g', generation: 2, managedFields: managers, ...extra },
      spec: { replicas: 3 },
      status: { observedGeneration: 2, currentRevision: 'r1', updateRevision: 'r1', ...status },
    });
  const settled = { replicas: 3, readyReplicas: 3, updatedReplicas: 3 };
  assert.is(
    nothingToDo(sts({ ...settled, updateRevision: 'r2' })),
    'catching-up',
    'a new revision rolling out',
  );
  assert.is(
    nothingToDo(sts({ ...settled, observedGeneration: 1 })),
    'catching-up',
    'a spec not observed yet',
  );
  assert.is(nothingToDo(sts({ replicas: 2, readyReplicas: 2 })), 'catching-up', 'pods still to be made');
  assert.is(nothingToDo(sts({})), 'catching-up', 'no pod made yet');
  assert.is(nothingToDo(sts(settled)), undefined, 'caught up: the cluster read decides');
  // No rollout, an instance not ready (a lost node): the cluster read decides, as its address may move.
  assert.is(nothingToDo(sts({ ...settled, readyReplicas: 2 })), undefined, 'an instance not ready');
  const scaled = managed(['gpss-reconcile'], ['kubectl', 'scale']);
  assert.is(nothingToDo(sts({ ...settled, updateRevision: 'r2' }, scaled)), undefined, 'someone else set it');
  const leaving = { deletionTimestamp: '2026-12-01T00:00:00Z' };
  assert.is(nothingToDo(sts({ updateRevision: 'r2' }, undefined, leaving)), undefined, 'being deleted');
});

test.run();
