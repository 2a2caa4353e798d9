import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { Phase } from '../../lib/api/types';
import { decidePhase, OPERATIONAL_RULES, OVERRIDE_RULES, type PhaseInput } from './phase';

const test = suite('status/phase');

/** An established, healthy 3-instance cluster; each row changes only what it is about. */
const HEALTHY: PhaseInput = {
  deleting: false,
  configInvalid: false,
  failing: false,
  maintenance: false,
  size: 3,
  pods: 3,
  statefulSetReplicas: 3,
  ready: 3,
  problems: 0,
  restarting: 0,
  starting: 0,
  rollout: false,
  previousPhase: 'Ready',
  previousReady: 3,
};

const FRESH: Partial<PhaseInput> = {
  pods: 0,
  statefulSetReplicas: undefined,
  ready: 0,
  starting: 3,
  previousPhase: undefined,
  previousReady: undefined,
};

const rows: Array<[string, Partial<PhaseInput>, Phase, Phase, string]> = [
  // name, change, phase, operational phase, rule
  ['healthy', {}, 'Ready', 'Ready', 'ready'],
  ['brand new, nothing exists yet', FRESH, 'Creating', 'Creating', 'creating'],
  [
    'new, some pods ready',
    { ...FRESH, pods: 3, statefulSetReplicas: 3, ready: 2, starting: 1 },
    'Creating',
    'Creating',
    'creating',
  ],
  [
    'new, still Creating after a first write',
    {
      ...FRESH,
      pods: 3,
      statefulSetReplicas: 3,
      ready: 1,
      starting: 2,
      previousPhase: 'Creating',
      previousReady: 1,
    },
    'Creating',
    'Creating',
    'creating',
  ],
  [
    'new, an image cannot be pulled',
    { ...FRESH, pods: 3, statefulSetReplicas: 3, problems: 1, starting: 2 },
    'Degraded',
    'Degraded',
    'problem',
  ],
  [
    'started again from size 0',
    { ...FRESH, pods: 3, statefulSetReplicas: 3, previousPhase: 'Stopped', previousReady: 0 },
    'Creating',
    'Creating',
    'creating',
  ],
  ['an instance crash-loops', { ready: 2, problems: 1 }, 'Degraded', 'Degraded', 'problem'],
  ['every instance is down', { ready: 0, problems: 3 }, 'Degraded', 'Degraded', 'problem'],
  [
    'a replacement is starting after failover (carried problem)',
    { ready: 2, problems: 1, pods: 2 },
    'Degraded',
    'Degraded',
    'problem',
  ],
  [
    'a rollout is stuck on a bad image',
    { ready: 2, problems: 1, rollout: true },
    'Degraded',
    'Degraded',
    'problem',
  ],
  [
    'a rolling update restarts an instance',
    { ready: 2, restarting: 1, rollout: true },
    'Updating',
    'Updating',
    'rollout',
  ],
  ['an instance is re-addressed, all still ready', { rollout: true }, 'Updating', 'Updating', 'rollout'],
  ['a restarted instance, mark already gone', { ready: 2, restarting: 1 }, 'Updating', 'Updating', 'rollout'],
  ['scale-up applied, pods not created yet', { size: 5 }, 'Scaling', 'Scaling', 'scaling'],
  [
    'scale-up, new pods starting',
    { size: 5, pods: 5, statefulSetReplicas: 5, starting: 2 },
    'Scaling',
    'Scaling',
    'scaling',
  ],
  [
    'scale-in, surplus pods still running',
    { size: 2, ready: 2, statefulSetReplicas: 2 },
    'Scaling',
    'Scaling',
    'scaling',
  ],
  [
    'size 0, pods terminating',
    { size: 0, ready: 0, statefulSetReplicas: 0 },
    'Scaling',
    'Scaling',
    'scaling',
  ],
  [
    'size 0, nothing runs',
    { size: 0, pods: 0, ready: 0, statefulSetReplicas: 0 },
    'Stopped',
    'Stopped',
    'stopped',
  ],
  ['an unexplained gap is never Ready', { ready: 2 }, 'Degraded', 'Degraded', 'unready'],
  ['maintenance while healthy', { maintenance: true }, 'Maintenance', 'Ready', 'maintenance'],
  [
    'maintenance while degraded',
    { maintenance: true, ready: 2, problems: 1 },
    'Maintenance',
    'Degraded',
    'maintenance',
  ],
  ['rejected config, cluster runs on', { configInvalid: true }, 'Invalid', 'Ready', 'config-invalid'],
  [
    'rejected config wins over maintenance',
    { configInvalid: true, maintenance: true },
    'Invalid',
    'Ready',
    'config-invalid',
  ],
  ['a function cannot apply the spec', { failing: true }, 'Failed', 'Ready', 'failing'],
  [
    'a rejected config is named before a failed write',
    { configInvalid: true, failing: true },
    'Invalid',
    'Ready',
    'config-invalid',
  ],
  [
    'a failed write wins over maintenance',
    { failing: true, maintenance: true },
    'Failed',
    'Ready',
    'failing',
  ],
  [
    'deleting wins over everything',
    { deleting: true, configInvalid: true, maintenance: true },
    'Deleting',
    'Ready',
    'deleting',
  ],
  [
    'an outage after maintenance is not Creating',
    { ready: 0, problems: 0, starting: 0, restarting: 0, previousPhase: 'Maintenance', previousReady: 3 },
    'Degraded',
    'Degraded',
    'unready',
  ],
];

for (const [name, change, phase, operational, rule] of rows) {
  test(name, () => {
    assert.equal(decidePhase({ ...HEALTHY, ...change }), { phase, operational, rule });
  });
}

test('every rule is exercised by a row', () => {
  const used = new Set(rows.map((r) => r[4]));
  for (const r of [...OVERRIDE_RULES, ...OPERATIONAL_RULES]) assert.ok(used.has(r.name), r.name);
});

test.run();
