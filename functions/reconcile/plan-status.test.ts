import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { buildDesired } from '../../lib/desired';
import { cluster, converged, NODE_A } from './fixtures';
import { planCluster } from './plan';
import { addressCondition, progressing } from './plan-status';

const test = suite('plan-status');

test('Progressing: the pass that applies the StatefulSet says RollingOut itself; other writes leave it computed', () => {
  const cr = cluster();
  const o = converged(cr);
  assert.is(planCluster(cr, o).status.conditions[1]?.reason, 'Converged', 'nothing to apply');
  const image = cluster({ image: 'gpss:2' }, 2);
  assert.equal(planCluster(image, o).status.conditions[1], {
    type: 'Progressing',
    status: 'True',
    reason: 'RollingOut',
    message: "waiting for 3 instance(s) ready at the StatefulSet's current revision",
    observedGeneration: 2,
  });
  assert.is(progressing(cr, o, true).reason, 'RollingOut', 'whatever the StatefulSet says yet');
});

test('Progressing: RollingOut while the StatefulSet has not caught up, Converged once it has', () => {
  const cr = cluster();
  const o = converged(cr);
  const rolling = {
    ...o,
    statefulSet: {
      ...o.statefulSet!,
      status: { observedGeneration: 1, replicas: 3, readyReplicas: 2, updatedReplicas: 3 },
    },
  };
  assert.equal(progressing(cr, rolling, false), {
    type: 'Progressing',
    status: 'True',
    reason: 'RollingOut',
    message: "waiting for 3 instance(s) ready at the StatefulSet's current revision",
    observedGeneration: 1,
  });
  const stale = {
    ...o,
    statefulSet: { ...o.statefulSet!, metadata: { ...o.statefulSet!.metadata, generation: 2 } },
  };
  assert.is(progressing(cr, stale, false).reason, 'RollingOut');
  assert.is(progressing(cr, o, false).reason, 'Converged');
  // Replica counts stay out of the message: a pod turning Ready is no status write.
  const fewer = {
    ...rolling,
    statefulSet: { ...rolling.statefulSet, status: { ...rolling.statefulSet.status, readyReplicas: 1 } },
  };
  assert.equal(progressing(cr, fewer, false), progressing(cr, rolling, false));
});

test('Progressing: Readdressing while instances wait to be restarted one at a time', () => {
  const cr = cluster();
  assert.equal(progressing(cr, converged(cr), false, 2), {
    type: 'Progressing',
    status: 'True',
    reason: 'Readdressing',
    message: '2 instance(s) to restart, one at a time, to advertise a new gpfdist address',
    observedGeneration: 1,
  });
  assert.is(progressing(cr, converged(cr), true, 2).reason, 'Readdressing', 'every event is handled then');
});

test('ExternalAddressReady: pending while a Service has no address yet', () => {
  const cr = cluster();
  const d = buildDesired(cr, { services: [], nodes: [NODE_A] });
  assert.equal(addressCondition(cr, d), {
    type: 'ExternalAddressReady',
    status: 'False',
    reason: 'AddressPending',
    message: [0, 1, 2]
      .map((i) => `gpfdist-gpfdist-${i}: Service gpfdist-gpfdist-${i} does not exist yet`)
      .join('; '),
    observedGeneration: 1,
  });
});

test('ExternalAddressReady: a node port equal to a configured port is a collision', () => {
  const config =
    '{"ListenAddress":{"Port":30101},"Gpfdist":{"Port":8090},"Cluster":{"Id":"gpfdist","Port":5001,"Etcd":{"Endpoints":["etcd:2379"]}}}';
  const cr = cluster({ gpss_config: config });
  const d = buildDesired(cr, converged(cr));
  assert.equal(addressCondition(cr, d), {
    type: 'ExternalAddressReady',
    status: 'False',
    reason: 'PortCollision',
    message:
      'gpfdist-gpfdist-1: node port 30101 equals spec.gpss_config ListenAddress.Port; pick a port outside the node-port range (30000-32767) there',
    observedGeneration: 1,
  });
});

test.run();
