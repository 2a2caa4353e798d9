import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { GpssCluster } from '../../lib/api/types';
import { renderInstanceConfig } from '../../lib/desired';
import { liveNode, liveNodePortService, seedCluster } from '../../lib/desired/fixtures';
import type { LivePod } from '../../lib/desired/k8s-types';
import type { Observed } from '../../lib/k8s/observe';
import { planFailover } from './failover';
import { type NodeView, nodeView } from './instance-health';
import { buildReport, type ReportInput } from './report';

const test = suite('health/report');

function cluster(status?: GpssCluster['status']): GpssCluster {
  return { ...seedCluster(), ...(status ? { status } : {}) };
}

const IMAGE = { image: 'gpss:test', imageID: 'gpss@sha256:0' };

function readyPod(i: number, node: string): LivePod {
  return {
    metadata: { name: `gpfdist-${i}`, uid: `u${i}` },
    spec: { nodeName: node, containers: [{ name: 'gpss', image: IMAGE.image }] },
    status: {
      phase: 'Running',
      conditions: [{ type: 'Ready', status: 'True' }],
      containerStatuses: [{ name: 'gpss', ...IMAGE, ready: true, restartCount: 0, state: { running: {} } }],
    },
  };
}

function observed(
  pods: LivePod[],
  nodes = [liveNode('n0', '127.0.1.1'), liveNode('n1', '127.0.1.2'), liveNode('n2', '127.0.1.3')],
): Observed {
  const cr = seedCluster();
  const data: Record<string, string> = {};
  for (let i = 0; i < 3; i++)
    data[`gpfdist-${i}.json`] = renderInstanceConfig(cr.spec.gpss_config, {
      host: '127.0.1.1',
      port: 30000 + i,
    });
  return {
    services: [0, 1, 2].map((i) => liveNodePortService(`gpfdist-gpfdist-${i}`, 30000 + i)),
    statefulSet: {
      metadata: { name: 'gpfdist', uid: 's' },
      spec: { replicas: 3, selector: {}, template: {} },
      status: { replicas: 3, readyReplicas: 3, currentRevision: 'r1', updateRevision: 'r1' },
    },
    configMap: { metadata: { name: 'gpfdist-instance-config' }, data },
    pods,
    nodes,
  };
}

function input(cr: GpssCluster, o: Observed, now = new Date('2026-01-01T00:00:30Z')): ReportInput {
  const nodes = new Map<string, NodeView>(o.nodes.map((n) => [n.metadata.name, nodeView(n)]));
  return {
    cr,
    observed: o,
    nodes,
    failover: planFailover(o.pods, nodes, { now, afterSeconds: 60, paused: !!cr.spec.maintenance }),
    deleted: new Set(),
  };
}

const HEALTHY = [readyPod(0, 'n0'), readyPod(1, 'n1'), readyPod(2, 'n2')];

test('3/3 ready: Ready, instances with node and advertised address', () => {
  const r = buildReport(input(cluster({ phase: 'Ready', readyReplicas: 3 }), observed(HEALTHY)));
  assert.is(r.phase, 'Ready');
  assert.is(r.replicas, 3);
  assert.is(r.readyReplicas, 3);
  assert.equal(r.instances[1], {
    name: 'gpfdist-1',
    uid: 'u1',
    ready: true,
    restarts: 0,
    node: 'n1',
    gpfdistAddress: '127.0.1.1:30001',
  });
  assert.equal(r.conditions, [
    {
      type: 'Ready',
      status: 'True',
      reason: 'AllInstancesReady',
      message: '3/3 instances ready',
      observedGeneration: 1,
    },
    {
      type: 'Degraded',
      status: 'False',
      reason: 'AsExpected',
      message: 'no instance reports a problem',
      observedGeneration: 1,
    },
  ]);
});

test('a fresh cluster is Creating and says what each instance waits for', () => {
  const o = observed([]);
  o.statefulSet = undefined;
  o.configMap = undefined;
  const r = buildReport(input(cluster(), o));
  assert.is(r.phase, 'Creating');
  assert.is(r.conditions[0].reason, 'Creating');
  assert.match(r.conditions[0].message, '0/3 instances ready; gpfdist-0: pod not created yet');
  assert.equal(
    r.instances.map((i) => i.name),
    ['gpfdist-0', 'gpfdist-1', 'gpfdist-2'],
  );
});

test('an unready instance: Degraded, named in both conditions and in its lastProblem', () => {
  const sick = readyPod(1, 'n1');
  sick.status = {
    phase: 'Running',
    conditions: [{ type: 'Ready', status: 'False' }],
    containerStatuses: [
      { name: 'gpss', ...IMAGE, ready: false, restartCount: 0, started: true, state: { running: {} } },
    ],
  };
  const r = buildReport(
    input(cluster({ phase: 'Ready', readyReplicas: 3 }), observed([HEALTHY[0], sick, HEALTHY[2]])),
  );
  assert.is(r.phase, 'Degraded');
  assert.is(r.readyReplicas, 2);
  assert.is(r.conditions[1].status, 'True');
  assert.is(r.conditions[1].reason, 'InstanceNotReady');
  assert.match(
    r.conditions[1].message,
    /^gpfdist-1: InstanceNotReady: container gpss is running but not ready/,
  );
  assert.match(r.conditions[0].message, '2/3 instances ready; gpfdist-1:');
  assert.is(r.instances[1].lastProblem, 'InstanceNotReady: container gpss is running but not ready');
});

test('an instance on an unreachable node: Degraded with when failover happens; its address is changing', () => {
  const nodes = [
    liveNode('n0', '127.0.1.1', false),
    liveNode('n1', '127.0.1.2'),
    liveNode('n2', '127.0.1.3'),
  ];
  nodes[0].status!.conditions![1] = {
    type: 'Ready',
    status: 'Unknown',
    lastTransitionTime: new Date('2026-01-01T00:00:00Z'),
  };
  const r = buildReport(input(cluster({ phase: 'Ready', readyReplicas: 3 }), observed(HEALTHY, nodes)));
  assert.is(r.phase, 'Degraded');
  assert.is(r.conditions[1].reason, 'NodeNotReady');
  assert.is(
    r.instances[0].lastProblem,
    'NodeNotReady: node n0 is unreachable (Ready=Unknown) since 2026-01-01T00:00:00Z; failover at 2026-01-01T00:01:01Z',
  );
  assert.match(r.conditions[0].message, 'gpfdist-0: NodeNotReady');
});

test('maintenance: phase Maintenance, conditions still describe what runs', () => {
  const cr = cluster({ phase: 'Ready', readyReplicas: 3 });
  cr.spec.maintenance = true;
  const r = buildReport(input(cr, observed(HEALTHY)));
  assert.is(r.phase, 'Maintenance');
  assert.is(r.decision.operational, 'Ready');
  assert.is(r.conditions[0].status, 'True');
});

test('a rejected config (reconcile ConfigValid=False): Invalid', () => {
  const cr = cluster({
    phase: 'Ready',
    readyReplicas: 3,
    conditions: [
      {
        type: 'ConfigValid',
        status: 'False',
        reason: 'InvalidConfig',
        message: 'x',
        lastTransitionTime: 'T',
      },
    ],
  });
  const r = buildReport(input(cr, observed(HEALTHY)));
  assert.is(r.phase, 'Invalid');
  assert.equal(r.conditions[0], {
    type: 'Ready',
    status: 'False',
    reason: 'ConfigInvalid',
    message:
      'generation 1 is not applied: the spec is invalid (see ConfigValid); the instances keep the last valid spec; 3/3 instances ready',
    observedGeneration: 1,
  });
});

test('a failure another function recorded: Ready=False names it before the instance count', () => {
  const cr = cluster({
    phase: 'Ready',
    readyReplicas: 3,
    conditions: [
      {
        type: 'ReconcileFailed',
        status: 'True',
        reason: 'Forbidden',
        message: 'patch services: forbidden',
        lastTransitionTime: 'T',
      },
    ],
  });
  const ready = buildReport(input(cr, observed(HEALTHY))).conditions[0];
  assert.is(ready.status, 'False');
  assert.is(ready.reason, 'ReconcileFailed');
  assert.is(ready.message, 'ReconcileFailed: Forbidden (see that condition); 3/3 instances ready');
});

test('a restart mark from reconcile reads as Updating, and the restarted instance as Restarting', () => {
  const o = observed([HEALTHY[0], HEALTHY[2]]);
  o.configMap!.metadata.annotations = { 'gpss.gpdb.io/restart-1': 'u1' };
  const prev = cluster({
    phase: 'Ready',
    readyReplicas: 3,
    instances: [{ name: 'gpfdist-1', ready: true, restarts: 0 }],
  });
  const r = buildReport(input(prev, o));
  assert.is(r.phase, 'Updating');
  assert.is(
    r.instances[1].lastProblem,
    'Restarting: re-addressed: restarted to advertise its new gpfdist address',
  );
});

test('a rollout ends when every instance runs the new revision and is Ready, before the StatefulSet says so', () => {
  const at = (rev: string, pod: LivePod): LivePod => ({
    ...pod,
    metadata: { ...pod.metadata, labels: { 'controller-revision-hash': rev } },
  });
  const rolling = (pods: LivePod[]) => {
    const o = observed(pods);
    o.statefulSet!.status = { ...o.statefulSet!.status!, currentRevision: 'r1', updateRevision: 'r2' };
    return buildReport(input(cluster({ phase: 'Updating', readyReplicas: 3 }), o));
  };
  const [p0, p1, p2] = HEALTHY;
  assert.is(rolling([at('r1', p0), at('r2', p1), at('r2', p2)]).phase, 'Updating', 'one at the old revision');
  const starting = at('r2', p0);
  starting.status = { ...starting.status, conditions: [{ type: 'Ready', status: 'False' }] };
  assert.is(rolling([starting, at('r2', p1), at('r2', p2)]).phase, 'Updating', 'the last one not Ready yet');
  assert.is(rolling([at('r2', p1), at('r2', p2)]).phase, 'Updating', 'one not made again yet');
  const done = rolling([at('r2', p0), at('r2', p1), at('r2', p2)]);
  assert.is(done.phase, 'Ready', 'all at r2 and Ready: currentRevision still r1');
  assert.is(done.conditions[0].reason, 'AllInstancesReady');
});

test('addresses as reported: without the instance config and Services, the same report as with them', () => {
  const full = buildReport(input(cluster({ phase: 'Ready', readyReplicas: 3 }), observed(HEALTHY)));
  const cr = cluster({ phase: 'Ready', readyReplicas: 3, instances: full.instances });
  const { configMap: _c, ...rest } = observed(HEALTHY);
  const kept = buildReport({ ...input(cr, { ...rest, services: [] }), addressesAsReported: true });
  assert.equal(kept, buildReport(input(cr, observed(HEALTHY))));
  assert.is(kept.instances[2].gpfdistAddress, '127.0.1.1:30002');
});

test('the same observation always gives the same report', () => {
  const cr = cluster({ phase: 'Ready', readyReplicas: 3 });
  assert.equal(buildReport(input(cr, observed(HEALTHY))), buildReport(input(cr, observed(HEALTHY))));
});

test.run();
