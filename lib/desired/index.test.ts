import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { requireEffectiveCluster } from './cluster';
import {
  liveConfigMap,
  liveLoadBalancerService,
  liveNode,
  liveNodePortService,
  livePod,
  seedCluster,
  seedEffective,
} from './fixtures';
import {
  SEED_CHECKSUM,
  SEED_GPSS_SERVICE,
  SEED_HEADLESS,
  SEED_PDB,
  seedConfigMap,
  seedGpfdistService,
  seedInstanceConfig,
  seedStatefulSet,
} from './fixtures-expected';
import { buildDesired, type ObservedState } from './index';

const NODES = [
  liveNode('node-c', '10.0.0.3'),
  liveNode('node-a', '10.0.0.1', false),
  liveNode('node-b', '10.0.0.2'),
];

const desired = suite('buildDesired');

desired('first pass: nothing observed, every instance waits for its Service', () => {
  const expected = {
    statefulSet: seedStatefulSet(SEED_CHECKSUM),
    headless: SEED_HEADLESS,
    gpssService: SEED_GPSS_SERVICE,
    gpfdistServices: [
      seedGpfdistService(0, 'gpfdist'),
      seedGpfdistService(1, 'gpfdist'),
      seedGpfdistService(2, 'gpfdist'),
    ],
    configMap: seedConfigMap({}),
    pdb: SEED_PDB,
    configChecksum: SEED_CHECKSUM,
    instances: [
      {
        ordinal: 0,
        podName: 'gpfdist-0',
        serviceName: 'gpfdist-gpfdist-0',
        addressChanged: false,
        pending: 'Service gpfdist-gpfdist-0 does not exist yet',
      },
      {
        ordinal: 1,
        podName: 'gpfdist-1',
        serviceName: 'gpfdist-gpfdist-1',
        addressChanged: false,
        pending: 'Service gpfdist-gpfdist-1 does not exist yet',
      },
      {
        ordinal: 2,
        podName: 'gpfdist-2',
        serviceName: 'gpfdist-gpfdist-2',
        addressChanged: false,
        pending: 'Service gpfdist-gpfdist-2 does not exist yet',
      },
    ],
    cluster: seedEffective(),
  };
  const actual = buildDesired(seedCluster(), {});
  assert.equal(actual, expected);
  assert.is(JSON.stringify(actual), JSON.stringify(expected));
  assert.equal(buildDesired(seedCluster()), expected, 'observed defaults to nothing');
});

function converging(): ObservedState {
  return {
    services: [
      liveNodePortService('gpfdist-gpfdist-0', 31000),
      liveNodePortService('gpfdist-gpfdist-1', 31001),
      liveNodePortService('gpfdist-gpfdist-2', 31002),
      liveNodePortService('unrelated', 30999),
    ],
    nodes: NODES,
    pods: [livePod('gpfdist-0', 'node-b'), livePod('gpfdist-1', 'node-b'), livePod('gpfdist-2')],
    configMap: liveConfigMap({
      // Instance 0 already advertises node-c: kept (node-c is Ready) although its pod is on node-b.
      'gpfdist-0.json': seedInstanceConfig('10.0.0.3', 31000),
      // Instance 1 advertised node-a, now NotReady: moves to its pod's node.
      'gpfdist-1.json': seedInstanceConfig('10.0.0.1', 31001),
      // A key of a removed instance is dropped.
      'gpfdist-7.json': seedInstanceConfig('10.0.0.3', 31007),
    }),
  };
}

desired('NodePort: each instance listens and advertises on its node port; sticky hosts', () => {
  const expected = {
    statefulSet: seedStatefulSet(SEED_CHECKSUM),
    headless: SEED_HEADLESS,
    gpssService: SEED_GPSS_SERVICE,
    gpfdistServices: [
      seedGpfdistService(0, 31000),
      seedGpfdistService(1, 31001),
      seedGpfdistService(2, 31002),
    ],
    configMap: seedConfigMap({
      'gpfdist-0.json': seedInstanceConfig('10.0.0.3', 31000),
      'gpfdist-1.json': seedInstanceConfig('10.0.0.2', 31001),
      'gpfdist-2.json': seedInstanceConfig('10.0.0.2', 31002),
    }),
    pdb: SEED_PDB,
    configChecksum: SEED_CHECKSUM,
    instances: [
      {
        ordinal: 0,
        podName: 'gpfdist-0',
        serviceName: 'gpfdist-gpfdist-0',
        addressChanged: false,
        address: { host: '10.0.0.3', port: 31000 },
      },
      {
        ordinal: 1,
        podName: 'gpfdist-1',
        serviceName: 'gpfdist-gpfdist-1',
        addressChanged: true,
        address: { host: '10.0.0.2', port: 31001 },
      },
      {
        ordinal: 2,
        podName: 'gpfdist-2',
        serviceName: 'gpfdist-gpfdist-2',
        addressChanged: false,
        address: { host: '10.0.0.2', port: 31002 },
      },
    ],
    cluster: seedEffective(),
  };
  const actual = buildDesired(seedCluster(), converging());
  assert.equal(actual, expected);
  assert.is(JSON.stringify(actual), JSON.stringify(expected));
});

desired(
  'pending with a previous config: keeps the last address, re-rendered with the current gpss_config',
  () => {
    const cr = seedCluster();
    cr.spec.gpss_config = cr.spec.gpss_config.replace('etcd:2379', 'etcd-new:2379');
    const observed = converging();
    observed.services = observed.services!.filter((s) => s.metadata.name !== 'gpfdist-gpfdist-0');
    const out = buildDesired(cr, observed);
    assert.equal(out.instances[0], {
      ordinal: 0,
      podName: 'gpfdist-0',
      serviceName: 'gpfdist-gpfdist-0',
      addressChanged: false,
      address: { host: '10.0.0.3', port: 31000 },
      pending: 'Service gpfdist-gpfdist-0 does not exist yet',
    });
    assert.is(
      out.configMap.data['gpfdist-0.json'],
      seedInstanceConfig('10.0.0.3', 31000).replace('etcd:2379', 'etcd-new:2379'),
    );
    assert.equal(out.gpfdistServices[0], seedGpfdistService(0, 'gpfdist'));
    assert.is.not(out.configChecksum, SEED_CHECKSUM);
    assert.is(
      out.statefulSet.spec.template.metadata.annotations['gpss.gpdb.io/config-checksum'],
      out.configChecksum,
    );
  },
);

desired('changing the service type: pending until the live Service follows', () => {
  const cr = seedCluster();
  cr.spec.service = { gpss: 'NodePort', gpfdist: 'LoadBalancer' };
  const out = buildDesired(cr, converging());
  assert.equal(out.gpfdistServices[2].spec, {
    type: 'LoadBalancer',
    externalTrafficPolicy: 'Cluster',
    selector: {
      'app.kubernetes.io/name': 'gpss',
      'app.kubernetes.io/instance': 'gpfdist',
      'app.kubernetes.io/managed-by': 'gpss-operator',
      'statefulset.kubernetes.io/pod-name': 'gpfdist-2',
    },
    ports: [{ name: 'gpfdist', protocol: 'TCP', port: 8090, targetPort: 'gpfdist' }],
  });
  assert.equal(out.instances[2], {
    ordinal: 2,
    podName: 'gpfdist-2',
    serviceName: 'gpfdist-gpfdist-2',
    addressChanged: false,
    pending: 'Service gpfdist-gpfdist-2 is NodePort, waiting for it to become LoadBalancer',
  });

  const observed = converging();
  observed.services = [liveLoadBalancerService('gpfdist-gpfdist-0', [{ ip: '34.1.2.3' }])];
  const next = buildDesired(cr, observed);
  assert.equal(next.instances[0], {
    ordinal: 0,
    podName: 'gpfdist-0',
    serviceName: 'gpfdist-gpfdist-0',
    addressChanged: true,
    address: { host: '34.1.2.3', port: 8090 },
  });
  assert.is(next.configMap.data['gpfdist-0.json'], seedInstanceConfig('34.1.2.3', 8090));
});

desired('size 0: no instances, no per-instance Services, no budget; shared Services stay', () => {
  const cr = seedCluster();
  cr.spec.size = 0;
  const out = buildDesired(cr, converging());
  assert.equal(out, {
    statefulSet: {
      ...seedStatefulSet(SEED_CHECKSUM),
      spec: { ...seedStatefulSet(SEED_CHECKSUM).spec, replicas: 0 },
    },
    headless: SEED_HEADLESS,
    gpssService: SEED_GPSS_SERVICE,
    gpfdistServices: [],
    configMap: seedConfigMap({}),
    configChecksum: SEED_CHECKSUM,
    instances: [],
    cluster: requireEffectiveCluster(cr),
  });
  assert.not.ok('pdb' in out);
});

desired('scale-in drops the configs and Services of removed instances', () => {
  const cr = seedCluster();
  cr.spec.size = 1;
  const out = buildDesired(cr, converging());
  assert.equal(Object.keys(out.configMap.data), ['gpfdist-0.json']);
  assert.equal(
    out.gpfdistServices.map((s) => s.metadata.name),
    ['gpfdist-gpfdist-0'],
  );
  assert.not.ok('pdb' in out);
});

desired('deterministic: same input, same bytes; observed order is irrelevant; input untouched', () => {
  const cr = seedCluster();
  const observed = converging();
  const crBefore = JSON.stringify(cr);
  const observedBefore = JSON.stringify(observed);
  const a = JSON.stringify(buildDesired(cr, observed));
  assert.is(JSON.stringify(buildDesired(cr, observed)), a);
  assert.is(JSON.stringify(cr), crBefore);
  assert.is(JSON.stringify(observed), observedBefore);
  const shuffled = converging();
  shuffled.services!.reverse();
  shuffled.nodes!.reverse();
  shuffled.pods!.reverse();
  assert.is(JSON.stringify(buildDesired(seedCluster(), shuffled)), a);
});

desired('invalid gpss_config throws GpssConfigError', () => {
  const cr = seedCluster();
  cr.spec.gpss_config = '{"ListenAddress": {"Port": 5000}}';
  assert.throws(
    () => buildDesired(cr, {}),
    (e: unknown) => (e as Error).name === 'GpssConfigError',
  );
});

desired('the effective spec in: the same objects as from its CR, and no reading at all', () => {
  const cr = seedCluster();
  const fromCr = buildDesired(cr, converging());
  cr.spec.gpss_config = 'not read again';
  assert.equal(buildDesired(fromCr.cluster, converging()), fromCr);
  assert.is(JSON.stringify(buildDesired(fromCr.cluster, converging())), JSON.stringify(fromCr));
});

desired.run();

const once = suite('gpss_config is parsed once per build');

/** Runs `fn` counting the JSON.parse calls on exactly `text` (rendered configs are other texts). */
function parsesOf(text: string, fn: () => void): number {
  const original = JSON.parse;
  let count = 0;
  JSON.parse = ((s: string, reviver?: Parameters<typeof JSON.parse>[1]) => {
    if (s === text) count++;
    return original(s, reviver);
  }) as typeof JSON.parse;
  try {
    fn();
  } finally {
    JSON.parse = original;
  }
  return count;
}

once('the seed CR, every builder and every instance: one parse', () => {
  const cr = seedCluster();
  let out: ReturnType<typeof buildDesired> | undefined;
  const count = parsesOf(cr.spec.gpss_config, () => {
    out = buildDesired(cr, converging());
  });
  // The build did reach every builder: three rendered configs, three gpfdist Services.
  assert.is(Object.keys(out!.configMap.data).length, 3);
  assert.is(out!.gpfdistServices.length, 3);
  assert.is(count, 1);
});

once('the counter does count: a second reading of the CR is seen', () => {
  const cr = seedCluster();
  const count = parsesOf(cr.spec.gpss_config, () => {
    buildDesired(cr, converging());
    buildDesired(cr, {});
  });
  assert.is(count, 2);
});

once('from an effective spec: none', () => {
  const c = seedEffective();
  assert.is(
    parsesOf(seedCluster().spec.gpss_config, () => buildDesired(c, converging())),
    0,
  );
});

once.run();
