import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import {
  assessInstance,
  type ContainerStatus,
  type HealthPod,
  type InstanceInput,
  type NodeView,
  nodesNeeded,
  nodeView,
  podNode,
  podProblem,
  presumedUsable,
  problemReason,
  startingNote,
} from './instance-health';

const test = suite('status/instance-health');

const NODE: NodeView = { name: 'n1', ready: 'True', since: '2026-01-01T00:00:00Z', gone: false };

function pod(status: HealthPod['status'], extra: Partial<HealthPod['metadata']> = {}): HealthPod {
  return { metadata: { name: 'g-0', uid: 'u0', ...extra }, spec: { nodeName: 'n1' }, status };
}

const running = (c: Partial<ContainerStatus> = {}): ContainerStatus => ({
  name: 'gpss',
  ready: true,
  restartCount: 0,
  started: true,
  state: { running: { startedAt: new Date('2026-01-01T00:00:05Z') } },
  ...c,
});

const READY = pod({
  phase: 'Running',
  conditions: [{ type: 'Ready', status: 'True' }],
  containerStatuses: [running()],
});

const input = (i: Partial<InstanceInput>): InstanceInput => ({
  name: 'g-0',
  pod: READY,
  node: NODE,
  previous: undefined,
  expectedRestart: undefined,
  gpfdistAddress: '127.0.1.1:30001',
  ...i,
});

test('nodeView: Ready status, its transition time (a Date, as read), out-of-service taint', () => {
  const t = new Date('2026-01-01T00:00:00Z');
  assert.equal(
    nodeView({
      metadata: { name: 'a' },
      status: { conditions: [{ type: 'Ready', status: 'Unknown', lastTransitionTime: t }] },
    }),
    { name: 'a', ready: 'Unknown', since: '2026-01-01T00:00:00Z', gone: false },
  );
  assert.equal(
    nodeView({ metadata: { name: 'a', creationTimestamp: t } }),
    { name: 'a', ready: 'Unknown', since: '2026-01-01T00:00:00Z', gone: false },
    'without a Ready condition: since the node appeared',
  );
  assert.is(
    nodeView({
      metadata: { name: 'a' },
      spec: { taints: [{ key: 'node.kubernetes.io/out-of-service', effect: 'NoExecute' }] },
    }).gone,
    true,
  );
});

test('podNode: a bound node that no longer exists is gone', () => {
  assert.equal(podNode(READY, new Map()), { name: 'n1', ready: 'Unknown', gone: true });
  assert.is(podNode({ metadata: { name: 'p' } }, new Map()), undefined);
});

test('a ready pod on a Ready node is ready, with no lastProblem', () => {
  const a = assessInstance(
    input({ previous: { name: 'g-0', ready: false, restarts: 0, lastProblem: 'X: y' } }),
  );
  assert.equal(a, {
    status: {
      name: 'g-0',
      uid: 'u0',
      ready: true,
      restarts: 0,
      node: 'n1',
      gpfdistAddress: '127.0.1.1:30001',
    },
    state: 'ready',
  });
});

test('a pod still saying Ready on an unreachable node is not ready: NodeNotReady with the failover note', () => {
  const a = assessInstance(
    input({ node: { ...NODE, ready: 'Unknown' }, failoverNote: 'failover at 2026-01-01T00:01:00Z' }),
  );
  assert.is(a.state, 'problem');
  assert.is(a.reason, 'NodeNotReady');
  assert.is(
    a.status.lastProblem,
    'NodeNotReady: node n1 is unreachable (Ready=Unknown) since 2026-01-01T00:00:00Z; failover at 2026-01-01T00:01:00Z',
  );
});

test('podProblem: ImagePullBackOff, CrashLoopBackOff with the last termination, Unschedulable, Failed', () => {
  const pull = podProblem(
    pod({
      containerStatuses: [
        running({
          ready: false,
          started: false,
          state: { waiting: { reason: 'ImagePullBackOff', message: 'Back-off pulling image "x"' } },
        }),
      ],
    }),
    NODE,
  );
  assert.equal(pull, { reason: 'ImagePullBackOff', message: 'container gpss: Back-off pulling image "x"' });
  const crash = podProblem(
    pod({
      containerStatuses: [
        running({
          ready: false,
          started: false,
          restartCount: 4,
          state: { waiting: { reason: 'CrashLoopBackOff', message: 'back-off 40s' } },
          lastState: { terminated: { reason: 'Error', exitCode: 1 } },
        }),
      ],
    }),
    NODE,
  );
  assert.equal(crash, {
    reason: 'CrashLoopBackOff',
    message: 'container gpss: back-off 40s; last terminated: Error (exit code 1); 4 restarts',
  });
  const unsched = podProblem(
    {
      metadata: { name: 'g-0' },
      status: {
        phase: 'Pending',
        conditions: [
          {
            type: 'PodScheduled',
            status: 'False',
            reason: 'Unschedulable',
            message: '0/3 nodes are available',
          },
        ],
      },
    },
    undefined,
  );
  assert.equal(unsched, { reason: 'Unschedulable', message: '0/3 nodes are available' });
  assert.equal(podProblem(pod({ phase: 'Failed', reason: 'Evicted', message: 'low memory' }), NODE), {
    reason: 'PodFailed',
    message: 'Evicted: low memory',
  });
});

test('podProblem: running past its startup probe but not ready is a problem; still starting is not', () => {
  const unready = pod({
    phase: 'Running',
    conditions: [{ type: 'Ready', status: 'False', message: 'containers with unready status: [gpss]' }],
    containerStatuses: [running({ ready: false })],
  });
  assert.equal(podProblem(unready, NODE), {
    reason: 'InstanceNotReady',
    message: 'container gpss is running but not ready; containers with unready status: [gpss]',
  });
  const starting = pod({ phase: 'Running', containerStatuses: [running({ ready: false, started: false })] });
  assert.is(podProblem(starting, NODE), undefined);
  assert.is(startingNote(starting), 'container gpss starting');
});

test('startingNote: not created, unscheduled, init container waiting for its config', () => {
  assert.is(startingNote(undefined), 'pod not created yet');
  assert.is(startingNote({ metadata: { name: 'p' } }), 'waiting to be scheduled');
  assert.is(
    startingNote(
      pod({
        initContainerStatuses: [running({ name: 'wait-for-config', ready: false, started: undefined })],
      }),
    ),
    'init container wait-for-config running (waiting for its config)',
  );
});

test('a problem is remembered until the instance is ready again', () => {
  const replacement = pod({ phase: 'Pending', containerStatuses: [] }, { uid: 'u1' });
  const a = assessInstance(
    input({
      pod: replacement,
      previous: { name: 'g-0', ready: false, restarts: 0, lastProblem: 'NodeNotReady: node n0 is gone' },
    }),
  );
  assert.is(a.state, 'problem');
  assert.is(a.reason, 'NodeNotReady');
  assert.is(a.status.lastProblem, 'NodeNotReady: node n0 is gone');
  assert.is(a.detail, 'starting, recovering from NodeNotReady: node n0 is gone');
});

test('a ready instance that stops being ready: Restarting when expected, NotReady otherwise', () => {
  const prev = { name: 'g-0', ready: true, restarts: 0 };
  const expected = assessInstance(
    input({ pod: undefined, previous: prev, expectedRestart: 'rolling update' }),
  );
  assert.is(expected.state, 'restarting');
  assert.is(expected.status.lastProblem, 'Restarting: rolling update');
  // The restart stays "on purpose" after the rollout signal is gone, until the instance is ready.
  const later = assessInstance(input({ pod: undefined, previous: expected.status }));
  assert.is(later.state, 'restarting');
  const unexpected = assessInstance(input({ pod: undefined, previous: prev }));
  assert.is(unexpected.state, 'problem');
  assert.is(unexpected.status.lastProblem, 'NotReady: stopped being ready (pod not created yet)');
});

test('a new instance that was never ready is starting, with no lastProblem', () => {
  const a = assessInstance(input({ pod: undefined, previous: { name: 'g-0', ready: false, restarts: 0 } }));
  assert.equal(a, {
    status: { name: 'g-0', ready: false, restarts: 0, gpfdistAddress: '127.0.1.1:30001' },
    state: 'starting',
    detail: 'pod not created yet',
  });
});

test('problemReason reads the reason back from lastProblem', () => {
  assert.is(problemReason('CrashLoopBackOff: container gpss: x'), 'CrashLoopBackOff');
  assert.is(problemReason('odd'), 'odd');
});

test('the nodes are read only when a bound pod is not Ready; a Ready pod presumes its node usable', () => {
  const ready = pod({ conditions: [{ type: 'Ready', status: 'True' }] });
  const notReady = pod({ conditions: [{ type: 'Ready', status: 'False' }] }, { name: 'g-1' });
  const leaving = pod({ conditions: [{ type: 'Ready', status: 'True' }] }, { deletionTimestamp: new Date() });
  const unbound: HealthPod = { metadata: { name: 'g-2' }, status: { phase: 'Pending' } };
  assert.not.ok(nodesNeeded([ready, unbound]));
  assert.ok(nodesNeeded([ready, notReady]));
  assert.ok(nodesNeeded([leaving]), 'a pod being deleted may be stuck on a lost node');
  const nodes = presumedUsable([ready, unbound]);
  assert.equal([...nodes.values()], [{ name: 'n1', ready: 'True', gone: false }]);
  assert.equal(podNode(ready, nodes), { name: 'n1', ready: 'True', gone: false });
});

test.run();
