import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { Condition } from '../../lib/api/types';
import type { ApiServerEvent } from '../../lib/runtime/events/apiserver';
import { nothingToDo } from './nothing-to-do';

const test = suite('functions/reconcile/nothing-to-do');

const cond = (
  type: string,
  status: Condition['status'],
  reason: string,
  observedGeneration = 3,
): Condition => ({
  type,
  status,
  reason,
  message: '',
  lastTransitionTime: '2026-12-01T00:00:00Z',
  observedGeneration,
});
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

test('a generation reconcile has not judged, a pass that applied something, or a recorded failure, is handled', () => {
  const without = (type: string) => CONVERGED.filter((c) => c.type !== type);
  // Its own status write after an apply is the event that lets it see the result (seen stuck without).
  assert.is(
    nothingToDo(event({ conditions: [...without('Progressing'), cond('Progressing', 'True', 'Applying')] })),
    undefined,
  );
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

test.run();
