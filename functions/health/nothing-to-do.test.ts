import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { Condition, GpssCluster, InstanceStatus } from '../../lib/api/types';
import { resourceEvent } from '../../lib/runtime/events/fixtures';
import { storedCondition } from '../../lib/status/fixtures';
import { judged, nothingToDo, nothingToDoGiven } from './nothing-to-do';

const test = suite('functions/health/nothing-to-do');

const cond = (type: string, status: Condition['status'], reason: string, observedGeneration = 2) =>
  storedCondition(type, status, reason, observedGeneration);
const READY = [cond('ConfigValid', 'True', 'Valid'), cond('Ready', 'True', 'AllInstancesReady')];
const INSTANCES: InstanceStatus[] = [{ name: 'g-0', node: 'n1', ready: true, restarts: 0 }];

function cr(
  over: {
    conditions?: Condition[];
    phase?: string;
    generation?: number;
    spec?: object;
    deleting?: boolean;
  } = {},
): GpssCluster {
  return {
    apiVersion: 'gpss.gpdb.io/v1',
    kind: 'GpssCluster',
    metadata: {
      name: 'g',
      namespace: 'ns',
      generation: over.generation ?? 2,
      ...(over.deleting ? { deletionTimestamp: '2026-12-01T00:00:00Z' } : {}),
    },
    spec: { size: 1, ...over.spec },
    status: { phase: over.phase ?? 'Ready', conditions: over.conditions ?? READY, instances: INSTANCES },
  } as unknown as GpssCluster;
}
const ev = resourceEvent;
const pod = (over: { ready?: boolean; node?: string; restarts?: number; deleting?: boolean } = {}) => ({
  metadata: {
    name: 'g-0',
    ...(over.deleting ? { deletionTimestamp: '2026-12-01T00:00:00Z' } : {}),
  },
  spec: { nodeName: over.node ?? 'n1' },
  status: {
    conditions: [{ type: 'Ready', status: over.ready === false ? 'False' : 'True' }],
    containerStatuses: [{ restartCount: over.restarts ?? 0 }],
  },
});

test('a cluster event health already answered (its own status write, another condition) needs no read', () => {
  assert.is(nothingToDo(ev('GpssCluster', cr())), 'unchanged');
  const progressing = [...READY, cond('Progressing', 'True', 'RollingOut')];
  assert.is(nothingToDo(ev('GpssCluster', cr({ conditions: progressing }))), 'unchanged');
  assert.ok(judged(cr({ spec: { maintenance: true }, phase: 'Maintenance' })));
});

test("a new cluster nobody has reported on waits for reconcile's first status write", () => {
  const fresh = { ...cr(), status: undefined } as unknown as GpssCluster;
  assert.is(nothingToDo(ev('GpssCluster', fresh, 'add')), 'awaiting-reconcile');
  assert.is(
    nothingToDo(ev('GpssCluster', { ...fresh, status: {} })),
    'awaiting-reconcile',
    'finalizer added',
  );
  const deleting = { ...fresh, metadata: { ...fresh.metadata, deletionTimestamp: '2026-12-01T00:00:00Z' } };
  assert.is(nothingToDo(ev('GpssCluster', deleting)), undefined, 'deleted before any report');
  const reconciled = { ...fresh, status: { conditions: [cond('ConfigValid', 'True', 'Valid')] } };
  assert.is(nothingToDo(ev('GpssCluster', reconciled)), undefined, "reconcile's first write");
});

test("a spec change waits for reconcile's status write for it, unless a fact differs at once", () => {
  const changed = (spec: object, status: object = {}, conditions = READY) => {
    const c = cr({ generation: 3, spec, conditions });
    return { ...c, status: { ...c.status, observedGeneration: 2, ...status } } as GpssCluster;
  };
  assert.is(nothingToDo(ev('GpssCluster', changed({ image: 'gpss:2' }))), 'awaiting-reconcile');
  assert.is(
    nothingToDo(ev('GpssCluster', changed({ maintenance: true }))),
    undefined,
    'maintenance: at once',
  );
  const answered = changed({ image: 'gpss:2' }, { observedGeneration: 3 });
  assert.is(nothingToDo(ev('GpssCluster', answered)), undefined, 'reconcile answered: judged');
  const failed = changed({}, {}, [...READY, cond('ReconcileFailed', 'True', 'ApplyRefused')]);
  assert.is(nothingToDo(ev('GpssCluster', failed)), undefined, 'a failure reconcile recorded: judged');
});

test('a cluster event with a fact health has not reflected yet is handled', () => {
  assert.is(nothingToDo(ev('GpssCluster', cr({ generation: 3 }))), undefined, 'a new generation');
  assert.is(nothingToDo(ev('GpssCluster', cr({ deleting: true }))), undefined, 'deletion began');
  assert.is(nothingToDo(ev('GpssCluster', cr({ spec: { maintenance: true } }))), undefined, 'maintenance');
  const invalid = [cond('ConfigValid', 'False', 'InvalidConfig'), READY[1]!];
  assert.is(nothingToDo(ev('GpssCluster', cr({ conditions: invalid }))), undefined, 'rejected config');
  assert.ok(judged(cr({ conditions: invalid, phase: 'Invalid' })));
  const converged = [...READY, cond('Progressing', 'False', 'Converged')];
  assert.is(
    nothingToDo(ev('GpssCluster', cr({ conditions: converged, phase: 'Updating' }))),
    undefined,
    'reconcile says its rollout or re-addressing is over, health still says Updating',
  );
  const rolling = [...READY, cond('Progressing', 'True', 'Readdressing')];
  assert.ok(judged(cr({ conditions: rolling, phase: 'Updating' })), 'both still say so');
  const failing = [...READY, cond('ReconcileFailed', 'True', 'ApplyStatefulSet')];
  assert.is(
    nothingToDo(ev('GpssCluster', cr({ conditions: failing }))),
    undefined,
    'another function failing',
  );
  const failed = [
    READY[0]!,
    cond('Ready', 'False', 'ReconcileFailed'),
    cond('FinalizeFailed', 'True', 'PatchPod'),
  ];
  assert.is(
    nothingToDo(ev('GpssCluster', cr({ conditions: failed, phase: 'Failed' }))),
    undefined,
    'which one fails',
  );
  assert.is(nothingToDo(ev('GpssCluster', cr({ phase: 'Failed' }))), undefined, 'a failure cleared');
  const own = [...READY, cond('HealthFailed', 'True', 'DeletePod')];
  assert.is(nothingToDo(ev('GpssCluster', cr({ conditions: own }))), undefined, 'only handling clears it');
  assert.is(nothingToDo(ev('GpssCluster', cr(), 'delete')), undefined);
  assert.is(nothingToDo(ev('Pod', pod())), undefined, 'a pod needs the cluster');
  const bound = {
    metadata: { name: 'g-0' },
    spec: { nodeName: 'n1' },
    status: { phase: 'Pending', conditions: [{ type: 'PodScheduled', status: 'True' }] },
  };
  assert.is(nothingToDo(ev('Pod', bound)), 'scheduled', 'bound, its node has not reported on it yet');
  assert.is(nothingToDo(ev('Pod', bound, 'add')), 'created', 'nor has it on its creation');
  const running = { ...bound, status: { phase: 'Running', conditions: bound.status.conditions } };
  assert.is(nothingToDo(ev('Pod', running, 'add')), undefined, 'an add event of a running pod (a relist)');
  const reported = { ...bound.status, containerStatuses: [{ name: 'gpss', restartCount: 0 }] };
  assert.is(nothingToDo(ev('Pod', { ...bound, status: reported })), undefined, 'its node reported');
  const marked = {
    ...bound.status,
    conditions: [...bound.status.conditions, { type: 'Ready', status: 'False' }],
  };
  assert.is(nothingToDo(ev('Pod', { ...bound, status: marked })), undefined, 'marked not ready');
  const created = { metadata: { name: 'g-0' }, spec: {}, status: { phase: 'Pending' } };
  assert.is(nothingToDo(ev('Pod', created)), 'scheduled', 'not bound yet, nothing said of it');
  const unschedulable = { conditions: [{ type: 'PodScheduled', status: 'False', reason: 'Unschedulable' }] };
  assert.is(nothingToDo(ev('Pod', { ...bound, spec: {}, status: unschedulable })), undefined);
  const leaving = { ...bound, metadata: { name: 'g-0', deletionTimestamp: '2026-12-01T00:00:00Z' } };
  assert.is(nothingToDo(ev('Pod', leaving)), undefined, 'being deleted');
  const released = { ...leaving, metadata: { ...leaving.metadata, deletionGracePeriodSeconds: 0 } };
  assert.is(nothingToDo(ev('Pod', released)), 'released', 'its node let it go: its delete event follows');
  assert.is(nothingToDo(ev('Pod', released, 'delete')), undefined, 'its delete event');
});

test('a Ready pod the status already lists as Ready on its node needs only the cluster read', () => {
  assert.is(nothingToDoGiven(ev('Pod', pod()), cr()), 'unchanged');
  assert.is(nothingToDoGiven(ev('Pod', pod({ ready: false })), cr()), undefined, 'stopped being ready');
  assert.is(nothingToDoGiven(ev('Pod', pod({ deleting: true })), cr()), undefined, 'being deleted');
  assert.is(nothingToDoGiven(ev('Pod', pod({ node: 'n2' })), cr()), undefined, 'another node');
  assert.is(nothingToDoGiven(ev('Pod', pod({ restarts: 1 })), cr()), undefined, 'restarted');
  assert.is(nothingToDoGiven(ev('Pod', pod()), cr({ generation: 3 })), undefined, 'cluster not judged');
});

test('a new instance not Ready yet, with the very note the Ready condition gives, needs only the cluster read', () => {
  const starting = [
    READY[0]!,
    {
      ...cond('Ready', 'False', 'Creating'),
      message: '0/1 instances ready; g-0: container gpss: ContainerCreating',
    },
  ];
  const listed = (over: Partial<InstanceStatus>) =>
    ({
      ...cr({ conditions: starting, phase: 'Creating' }),
      status: {
        phase: 'Creating',
        conditions: starting,
        instances: [{ name: 'g-0', node: 'n1', ready: false, restarts: 0, ...over }],
      },
    }) as unknown as GpssCluster;
  const creating = (reason: string) => ({
    ...pod({ ready: false }),
    status: {
      conditions: [{ type: 'Ready', status: 'False' }],
      containerStatuses: [{ name: 'gpss', restartCount: 0, state: { waiting: { reason } } }],
    },
  });
  assert.is(nothingToDoGiven(ev('Pod', creating('ContainerCreating')), listed({})), 'unchanged');
  assert.is(nothingToDoGiven(ev('Pod', creating('ImagePullBackOff')), listed({})), undefined, 'another note');
  assert.is(nothingToDoGiven(ev('Pod', creating('ContainerCreating')), listed({ node: 'n2' })), undefined);
  assert.is(nothingToDoGiven(ev('Pod', pod()), listed({})), undefined, 'became Ready');
  const crashing = { ...creating('CrashLoopBackOff') };
  assert.is(nothingToDoGiven(ev('Pod', crashing), listed({})), undefined, 'a problem of its own');
});

test('an instance already reported as restarting or terminating, still so, needs only the cluster read', () => {
  const message = '4/5 instances ready; g-0: terminating (Restarting: rolling update to a new revision)';
  const conditions = [READY[0]!, { ...cond('Ready', 'False', 'Updating'), message }];
  const status = (ready: boolean) => ({
    phase: 'Updating',
    conditions,
    instances: [
      {
        name: 'g-0',
        node: 'n1',
        ready,
        restarts: 0,
        lastProblem: 'Restarting: rolling update to a new revision',
      },
    ],
  });
  const updating = (ready: boolean) =>
    ({ ...cr({ conditions, phase: 'Updating' }), status: status(ready) }) as unknown as GpssCluster;
  const terminating = {
    ...pod({ deleting: true }),
    status: { conditions: [{ type: 'Ready', status: 'False' }] },
  };
  assert.is(nothingToDoGiven(ev('Pod', terminating), updating(false)), 'unchanged');
  assert.is(
    nothingToDoGiven(ev('Pod', terminating), updating(true)),
    undefined,
    'was Ready: starts terminating',
  );
  assert.is(nothingToDoGiven(ev('Pod', pod({ ready: false })), updating(false)), undefined, 'another note');
  assert.is(nothingToDoGiven(ev('Pod', terminating, 'delete'), updating(false)), undefined, 'gone');
});

test('a late event of a pod on its way out, whose successor the status reports, is superseded', () => {
  const withUid = (uid: string) =>
    ({
      ...cr(),
      status: { ...cr().status, instances: [{ ...INSTANCES[0]!, uid }] },
    }) as unknown as GpssCluster;
  const old = (over: object) => ({ ...pod(over), metadata: { ...pod(over).metadata, uid: 'old' } });
  assert.is(nothingToDoGiven(ev('Pod', old({ deleting: true })), withUid('new')), 'replaced');
  assert.is(nothingToDoGiven(ev('Pod', old({}), 'delete'), withUid('new')), 'replaced');
  assert.is(
    nothingToDoGiven(ev('Pod', old({}), 'delete'), withUid('old')),
    undefined,
    'the reported pod is gone',
  );
  assert.is(nothingToDoGiven(ev('Pod', old({})), withUid('new')), undefined, 'a pod the status has not seen');
  assert.is(nothingToDoGiven(ev('Pod', old({ deleting: true })), cr()), undefined, 'no uid reported yet');
});

test('a late event of a pod from before its containers started is superseded once the status shows it Ready', () => {
  const listed = (ready: boolean, uid = 'u1') =>
    ({
      ...cr(),
      status: { ...cr().status, instances: [{ name: 'g-0', uid, node: 'n1', ready, restarts: 0 }] },
    }) as GpssCluster;
  const early = (status: object) => ({
    metadata: { name: 'g-0', uid: 'u1' },
    spec: { nodeName: 'n1' },
    status,
  });
  const added = early({});
  const creating = early({
    conditions: [{ type: 'Ready', status: 'False' }],
    containerStatuses: [
      { name: 'gpss', restartCount: 0, state: { waiting: { reason: 'ContainerCreating' } } },
    ],
  });
  assert.is(nothingToDoGiven(ev('Pod', added, 'add'), listed(true)), 'superseded');
  assert.is(nothingToDoGiven(ev('Pod', creating), listed(true)), 'superseded');
  assert.is(nothingToDoGiven(ev('Pod', creating), listed(false)), undefined, 'not shown Ready yet');
  assert.is(nothingToDoGiven(ev('Pod', creating), listed(true, 'u0')), undefined, 'another pod of that name');
  assert.is(nothingToDoGiven(ev('Pod', creating, 'delete'), listed(true)), undefined, 'gone');
  const restarted = early({
    conditions: [{ type: 'Ready', status: 'False' }],
    containerStatuses: [
      {
        name: 'gpss',
        restartCount: 1,
        state: { waiting: { reason: 'CrashLoopBackOff' } },
        lastState: { terminated: { exitCode: 1 } },
      },
    ],
  });
  assert.is(nothingToDoGiven(ev('Pod', restarted), listed(true)), undefined, 'it ran, then stopped: news');
  const running = early({
    conditions: [{ type: 'Ready', status: 'False' }],
    containerStatuses: [{ name: 'gpss', restartCount: 0, state: { running: {} } }],
  });
  assert.is(nothingToDoGiven(ev('Pod', running), listed(true)), undefined, 'running, not ready: news');
});

test('a StatefulSet event (health no longer subscribes) is never settled by the pod rules', () => {
  const sts = { metadata: { name: 'g' }, spec: { replicas: 1 }, status: {} };
  assert.is(nothingToDoGiven(ev('StatefulSet', sts), cr()), undefined);
});

test.run();
