import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { Service } from '../../lib/desired';
import {
  SEED_CHECKSUM,
  SEED_GPSS_SERVICE,
  SEED_HEADLESS,
  SEED_PDB,
  seedConfigMap,
  seedGpfdistService,
  seedInstanceConfig,
  seedStatefulSet,
} from '../../lib/desired/fixtures-expected';
import type { Observed } from '../../lib/k8s/observe';
import { withAppliedHash } from './diff';
import { cluster, converged, NODE_A, NODE_B, nodePortOf, podUid, readyPod, served } from './fixtures';
import { planCluster, planServices, withServices } from './plan';
import { planMaintenance, planRejected, specProblems } from './plan-config';
import type { Plan, Step } from './steps';

const test = suite('plan');

const SELECTOR =
  'app.kubernetes.io/instance=gpfdist,app.kubernetes.io/managed-by=gpss-operator,app.kubernetes.io/name=gpss';
const CLUSTER_ID = { 'gpss.gpdb.io/cluster-id': 'gpfdist' };
const restartMarks = (...ordinals: number[]) =>
  Object.fromEntries(ordinals.map((i) => [`gpss.gpdb.io/restart-${i}`, podUid(i)]));

// biome-ignore lint/suspicious/noExplicitAny: the literal expected objects are plain JSON
const apply = (object: any, why: string): Step => ({ do: 'apply', object: withAppliedHash(object), why });

/** The instance ConfigMap: every instance at `host` on its node port, with these annotations. */
function configMap(size: number, annotations: Record<string, string>, host = '10.0.0.1') {
  const data = Object.fromEntries(
    Array.from({ length: size }, (_, i) => [`gpfdist-${i}.json`, seedInstanceConfig(host, nodePortOf(i))]),
  );
  const cm = seedConfigMap(data);
  return { ...cm, metadata: { ...cm.metadata, annotations } };
}

function statefulSet(edit: (s: ReturnType<typeof seedStatefulSet>) => void = () => {}) {
  const s = structuredClone(seedStatefulSet(SEED_CHECKSUM));
  edit(s);
  return s;
}

const condition = (type: string, status: 'True' | 'False', reason: string, message: string, gen = 1) => ({
  type,
  status,
  reason,
  message,
  observedGeneration: gen,
});
const ROLLING_OUT = (n: number) => `waiting for ${n} instance(s) ready at the StatefulSet's current revision`;
const VALID = (gen = 1) => condition('ConfigValid', 'True', 'Valid', 'gpss_config is valid', gen);
const ADDRESSED = (n: number, gen = 1) =>
  condition('ExternalAddressReady', 'True', 'AddressesAssigned', `${n} instance address(es) assigned`, gen);

/** The apply steps' objects as the API server returns them, in place of the old ones. */
function afterApply(o: Observed, steps: Step[]): Observed {
  return withServices(
    o,
    steps.flatMap((s) =>
      s.do === 'apply' && s.object.kind === 'Service' ? [served(s.object as Service)] : [],
    ),
  );
}

test('create: Services, again with their node ports, then config, StatefulSet and budget', () => {
  const cr = cluster();
  const o0: Observed = { services: [], pods: [], nodes: [NODE_A] };
  const first = planServices(cr, o0);
  assert.equal(first, [
    apply(SEED_HEADLESS, 'missing'),
    apply(SEED_GPSS_SERVICE, 'missing'),
    apply(seedGpfdistService(0, 'gpfdist'), 'missing'),
    apply(seedGpfdistService(1, 'gpfdist'), 'missing'),
    apply(seedGpfdistService(2, 'gpfdist'), 'missing'),
  ]);
  const o1 = afterApply(o0, first);
  const second = planServices(cr, o1);
  assert.equal(second, [
    apply(seedGpfdistService(0, nodePortOf(0)), 'changed'),
    apply(seedGpfdistService(1, nodePortOf(1)), 'changed'),
    apply(seedGpfdistService(2, nodePortOf(2)), 'changed'),
  ]);
  const plan = planCluster(cr, afterApply(o1, second));
  assert.equal(plan, {
    outcome: 'converge',
    steps: [
      apply(configMap(3, CLUSTER_ID), 'missing'),
      apply(seedStatefulSet(SEED_CHECKSUM), 'missing'),
      apply(SEED_PDB, 'missing'),
    ],
    status: {
      conditions: [VALID(), condition('Progressing', 'True', 'RollingOut', ROLLING_OUT(3)), ADDRESSED(3)],
      fields: { observedGeneration: 1, selector: SELECTOR, gpssAddress: '10.0.0.1:30000' },
    },
    afterStatusChange: [],
    restartsLeft: 0,
  } satisfies Plan);
});

test('converged: no step, and Progressing says Converged', () => {
  const cr = cluster();
  const o = converged(cr);
  assert.equal(planServices(cr, o), []);
  assert.equal(planCluster(cr, o), {
    outcome: 'converge',
    steps: [],
    status: {
      conditions: [
        VALID(),
        condition('Progressing', 'False', 'Converged', '3 instance(s) at the desired spec'),
        ADDRESSED(3),
      ],
      fields: { observedGeneration: 1, selector: SELECTOR, gpssAddress: '10.0.0.1:30000' },
    },
    afterStatusChange: [],
    restartsLeft: 0,
  });
});

test('scale 3 -> 5: two new Services, their configs, the StatefulSet and a Scaled Event', () => {
  const cr = cluster({ size: 5 }, 2);
  const o0 = converged(cluster());
  const first = planServices(cr, o0);
  assert.equal(first, [
    apply(seedGpfdistService(3, 'gpfdist'), 'missing'),
    apply(seedGpfdistService(4, 'gpfdist'), 'missing'),
  ]);
  const o1 = afterApply(o0, first);
  const second = planServices(cr, o1);
  assert.equal(second, [
    apply(seedGpfdistService(3, nodePortOf(3)), 'changed'),
    apply(seedGpfdistService(4, nodePortOf(4)), 'changed'),
  ]);
  const plan = planCluster(cr, afterApply(o1, second));
  assert.equal(plan.steps, [
    apply(configMap(5, CLUSTER_ID), 'changed'),
    apply(
      statefulSet((s) => {
        s.spec.replicas = 5;
      }),
      'changed',
    ),
    {
      do: 'event',
      event: {
        type: 'Normal',
        reason: 'Scaled',
        message: 'StatefulSet scaled from 3 to 5',
        occurrence: '2-3',
      },
    },
  ]);
  assert.equal(plan.status.conditions, [
    VALID(2),
    condition('Progressing', 'True', 'RollingOut', ROLLING_OUT(5), 2),
    ADDRESSED(5, 2),
  ]);
});

test('scale 5 -> 3: config and StatefulSet shrink; a surplus Service goes once its pod is gone', () => {
  const cr = cluster({ size: 3 }, 2);
  const o = converged(cluster({ size: 5 }));
  assert.equal(planServices(cr, o), []);
  assert.equal(planCluster(cr, o).steps, [
    apply(configMap(3, CLUSTER_ID), 'changed'),
    apply(statefulSet(), 'changed'),
    {
      do: 'event',
      event: {
        type: 'Normal',
        reason: 'Scaled',
        message: 'StatefulSet scaled from 5 to 3',
        occurrence: '2-5',
      },
    },
  ]);
  // The next event: the StatefulSet is at 3 and pod gpfdist-4 is gone, gpfdist-3 still stopping.
  const later = converged(cr);
  const shrinking: Observed = {
    ...later,
    services: o.services,
    pods: [...later.pods, readyPod(3)],
  };
  assert.equal(planCluster(cr, shrinking).steps, [
    { do: 'delete-service', name: 'gpfdist-gpfdist-4', ordinal: '4' },
  ]);
});

test('image change: only the StatefulSet', () => {
  const cr = cluster({ image: 'gpss:2' }, 2);
  const o = converged(cluster());
  assert.equal(planServices(cr, o), []);
  const plan = planCluster(cr, o);
  assert.equal(plan.steps, [
    apply(
      statefulSet((s) => {
        s.spec.template.spec.initContainers[0]!.image = 'gpss:2';
        s.spec.template.spec.containers[0]!.image = 'gpss:2';
      }),
      'changed',
    ),
  ]);
  assert.equal(plan.status.conditions[1], condition('Progressing', 'True', 'RollingOut', ROLLING_OUT(3), 2));
});

test('gpfdist LoadBalancer -> NodePort: Services re-typed, new addresses, marks, one restart', () => {
  const before = cluster({ service: { gpss: 'NodePort', gpfdist: 'LoadBalancer' } });
  const cr = cluster({}, 2);
  const o0 = converged(before);
  const first = planServices(cr, o0);
  // The load balancer's node port is kept and becomes the one the instance listens on.
  assert.equal(
    first,
    [0, 1, 2].map((i) => apply(seedGpfdistService(i, nodePortOf(i)), 'changed')),
  );
  const o1 = afterApply(o0, first);
  assert.equal(planServices(cr, o1), []);
  assert.equal(planCluster(cr, o1).steps, [
    apply(configMap(3, { ...CLUSTER_ID, ...restartMarks(0, 1, 2) }), 'changed'),
    { do: 'restart', pod: 'gpfdist-0', uid: podUid(0), mark: 'gpss.gpdb.io/restart-0' },
    {
      do: 'event',
      event: {
        type: 'Normal',
        reason: 'InstanceReaddressed',
        message: 'restarted gpfdist-0 so it advertises its new gpfdist address',
        occurrence: podUid(0),
      },
    },
  ]);
});

test('address change: every instance marked, restarted one at a time, each when all are Ready', () => {
  const cr = cluster();
  const lost = {
    ...NODE_A,
    status: { ...NODE_A.status, conditions: [{ type: 'Ready', status: 'Unknown' }] },
  };
  const o = { ...converged(cr), nodes: [lost, NODE_B] };
  const marked = configMap(3, { ...CLUSTER_ID, ...restartMarks(0, 1, 2) }, '10.0.0.2');
  const restart = (i: number): Step[] => [
    { do: 'restart', pod: `gpfdist-${i}`, uid: podUid(i), mark: `gpss.gpdb.io/restart-${i}` },
    {
      do: 'event',
      event: {
        type: 'Normal',
        reason: 'InstanceReaddressed',
        message: `restarted gpfdist-${i} so it advertises its new gpfdist address`,
        occurrence: podUid(i),
      },
    },
  ];
  const plan = planCluster(cr, o);
  assert.equal(plan.steps, [apply(marked, 'changed'), ...restart(0)]);
  assert.is(plan.status.fields.gpssAddress, '10.0.0.2:30000');

  // gpfdist-0 is stopping: the marks stay, nobody else is restarted meanwhile.
  const stopping = { ...readyPod(0), metadata: { ...readyPod(0).metadata, deletionTimestamp: new Date(0) } };
  const o2 = { ...o, configMap: withAppliedHash(marked), pods: [stopping, readyPod(1), readyPod(2)] };
  assert.equal(planCluster(cr, o2).steps, []);

  // Its replacement is Ready (a new uid, the new address): its mark goes, the next one restarts.
  const o3 = { ...o2, pods: [readyPod(0, 'pod-uid-0b'), readyPod(1), readyPod(2)] };
  assert.equal(planCluster(cr, o3).steps, [
    apply(configMap(3, { ...CLUSTER_ID, ...restartMarks(1, 2) }, '10.0.0.2'), 'changed'),
    ...restart(1),
  ]);
});

test('maintenance: no step but the log line; status keeps the last GPSS address', () => {
  const cr = { ...cluster({ maintenance: true }, 3), status: { gpssAddress: '10.0.0.1:30000' } };
  assert.equal(planMaintenance(cr), {
    outcome: 'maintenance',
    steps: [{ do: 'maintenance' }],
    status: {
      conditions: [
        VALID(3),
        condition('Progressing', 'False', 'Maintenance', 'spec.maintenance is true: no changes are made', 3),
      ],
      fields: { observedGeneration: 3, selector: SELECTOR, gpssAddress: '10.0.0.1:30000' },
    },
    afterStatusChange: [],
  });
});

test('invalid config: rejected, last address kept; Event and API verdict once the status changes', () => {
  const config =
    '{"ListenAddress":{"Port":5000},"Gpfdist":{"Port":5000},"Cluster":{"Id":"gpfdist","Port":5001,"Etcd":{"Endpoints":["etcd:2379"]}}}';
  const cr = { ...cluster({ gpss_config: config }, 4), status: { gpssAddress: '10.0.0.1:30000' } };
  const rejection = specProblems(cr, converged(cluster()));
  const message =
    'spec.gpss_config.Gpfdist.Port: must differ from gpss_config.ListenAddress.Port (both are 5000)';
  assert.equal(rejection, { reason: 'InvalidConfig', message });
  assert.equal(planRejected(cr, rejection!), {
    outcome: 'invalid',
    steps: [{ do: 'reject', reason: 'InvalidConfig', problem: message }],
    status: {
      conditions: [
        condition('ConfigValid', 'False', 'InvalidConfig', message, 4),
        condition(
          'Progressing',
          'False',
          'ConfigInvalid',
          'generation 4 is not applied: the instances keep running the last valid spec',
          4,
        ),
      ],
      fields: { observedGeneration: 4, selector: SELECTOR, gpssAddress: '10.0.0.1:30000' },
    },
    afterStatusChange: [
      { do: 'event', event: { type: 'Warning', reason: 'InvalidConfig', message, occurrence: '4' } },
      { do: 'explain-refusal' },
    ],
  });
});

test.run();
