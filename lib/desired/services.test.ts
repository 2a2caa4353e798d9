import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { requireEffectiveCluster } from './cluster';
import { minimalEffective, seedCluster, seedEffective } from './fixtures';
import { buildGpfdistService, buildGpssService, buildHeadlessService } from './services';

const OWNER = [
  {
    apiVersion: 'gpss.gpdb.io/v1',
    kind: 'GpssCluster',
    name: 'gpfdist',
    uid: 'uid-1',
    controller: true,
    blockOwnerDeletion: true,
  },
];

const SELECTOR = {
  'app.kubernetes.io/name': 'gpss',
  'app.kubernetes.io/instance': 'gpfdist',
  'app.kubernetes.io/managed-by': 'gpss-operator',
};

const headless = suite('buildHeadlessService');

headless('the seed cluster', () => {
  const expected = {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: {
      name: 'gpfdist-headless',
      namespace: 'gpss-workspace-test',
      labels: {
        'app.kubernetes.io/name': 'gpss',
        'app.kubernetes.io/instance': 'gpfdist',
        'app.kubernetes.io/managed-by': 'gpss-operator',
        'app.kubernetes.io/component': 'headless',
      },
      ownerReferences: OWNER,
    },
    spec: {
      type: 'ClusterIP',
      clusterIP: 'None',
      publishNotReadyAddresses: true,
      selector: {
        'app.kubernetes.io/name': 'gpss',
        'app.kubernetes.io/instance': 'gpfdist',
        'app.kubernetes.io/managed-by': 'gpss-operator',
      },
      ports: [
        { name: 'gpss', protocol: 'TCP', port: 5000, targetPort: 'gpss' },
        { name: 'cluster', protocol: 'TCP', port: 5001, targetPort: 'cluster' },
      ],
    },
  };
  const actual = buildHeadlessService(seedEffective());
  assert.equal(actual, expected);
  assert.is(JSON.stringify(actual), JSON.stringify(expected));
});

headless.run();

const gpss = suite('buildGpssService');

gpss('the seed cluster (NodePort)', () => {
  const expected = {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: {
      name: 'gpss-workspace-test-gpfdist-gpss-service',
      namespace: 'gpss-workspace-test',
      labels: {
        'app.kubernetes.io/name': 'gpss',
        'app.kubernetes.io/instance': 'gpfdist',
        'app.kubernetes.io/managed-by': 'gpss-operator',
        'app.kubernetes.io/component': 'gpss-service',
      },
      ownerReferences: OWNER,
    },
    spec: {
      type: 'NodePort',
      externalTrafficPolicy: 'Cluster',
      selector: {
        'app.kubernetes.io/name': 'gpss',
        'app.kubernetes.io/instance': 'gpfdist',
        'app.kubernetes.io/managed-by': 'gpss-operator',
      },
      ports: [{ name: 'gpss', protocol: 'TCP', port: 5000, targetPort: 'gpss' }],
    },
  };
  const actual = buildGpssService(seedEffective());
  assert.equal(actual, expected);
  assert.is(JSON.stringify(actual), JSON.stringify(expected));
});

gpss('defaults to LoadBalancer', () => {
  assert.equal(buildGpssService(minimalEffective()), {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: {
      name: 'ns1-mini-gpss-service',
      namespace: 'ns1',
      labels: {
        'app.kubernetes.io/name': 'gpss',
        'app.kubernetes.io/instance': 'mini',
        'app.kubernetes.io/managed-by': 'gpss-operator',
        'app.kubernetes.io/component': 'gpss-service',
      },
      ownerReferences: [
        {
          apiVersion: 'gpss.gpdb.io/v1',
          kind: 'GpssCluster',
          name: 'mini',
          uid: 'uid-2',
          controller: true,
          blockOwnerDeletion: true,
        },
      ],
    },
    spec: {
      type: 'LoadBalancer',
      externalTrafficPolicy: 'Cluster',
      selector: {
        'app.kubernetes.io/name': 'gpss',
        'app.kubernetes.io/instance': 'mini',
        'app.kubernetes.io/managed-by': 'gpss-operator',
      },
      ports: [{ name: 'gpss', protocol: 'TCP', port: 5019, targetPort: 'gpss' }],
    },
  });
});

gpss('ClusterIP carries no externalTrafficPolicy (the API rejects it there)', () => {
  const cr = seedCluster();
  cr.spec.service = { gpss: 'ClusterIP' };
  assert.equal(buildGpssService(requireEffectiveCluster(cr)).spec, {
    type: 'ClusterIP',
    selector: SELECTOR,
    ports: [{ name: 'gpss', protocol: 'TCP', port: 5000, targetPort: 'gpss' }],
  });
});

gpss.run();

const gpfdist = suite('buildGpfdistService');

const GPFDIST_1_META = {
  name: 'gpfdist-gpfdist-1',
  namespace: 'gpss-workspace-test',
  labels: {
    'app.kubernetes.io/name': 'gpss',
    'app.kubernetes.io/instance': 'gpfdist',
    'app.kubernetes.io/managed-by': 'gpss-operator',
    'app.kubernetes.io/component': 'gpfdist',
    'gpss.gpdb.io/instance-ordinal': '1',
  },
  ownerReferences: OWNER,
};

const GPFDIST_1_SELECTOR = {
  'app.kubernetes.io/name': 'gpss',
  'app.kubernetes.io/instance': 'gpfdist',
  'app.kubernetes.io/managed-by': 'gpss-operator',
  'statefulset.kubernetes.io/pod-name': 'gpfdist-1',
};

gpfdist('NodePort before allocation: named target port, no nodePort', () => {
  const expected = {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: GPFDIST_1_META,
    spec: {
      type: 'NodePort',
      externalTrafficPolicy: 'Cluster',
      selector: GPFDIST_1_SELECTOR,
      ports: [{ name: 'gpfdist', protocol: 'TCP', port: 8090, targetPort: 'gpfdist' }],
    },
  };
  const actual = buildGpfdistService(seedEffective(), 1);
  assert.equal(actual, expected);
  assert.is(JSON.stringify(actual), JSON.stringify(expected));
});

gpfdist('NodePort after allocation: targets the node port the instance listens on', () => {
  assert.equal(buildGpfdistService(seedEffective(), 1, { targetPort: 31001 }), {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: GPFDIST_1_META,
    spec: {
      type: 'NodePort',
      externalTrafficPolicy: 'Cluster',
      selector: GPFDIST_1_SELECTOR,
      ports: [{ name: 'gpfdist', protocol: 'TCP', port: 8090, targetPort: 31001 }],
    },
  });
});

gpfdist('LoadBalancer ignores targetPort: the instance listens on the named port', () => {
  const cr = seedCluster();
  cr.spec.service = { gpfdist: 'LoadBalancer' };
  assert.equal(buildGpfdistService(requireEffectiveCluster(cr), 1, { targetPort: 31001 }), {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: GPFDIST_1_META,
    spec: {
      type: 'LoadBalancer',
      externalTrafficPolicy: 'Cluster',
      selector: GPFDIST_1_SELECTOR,
      ports: [{ name: 'gpfdist', protocol: 'TCP', port: 8090, targetPort: 'gpfdist' }],
    },
  });
});

gpfdist('ClusterIP', () => {
  const cr = seedCluster();
  cr.spec.service = { gpfdist: 'ClusterIP' };
  assert.equal(buildGpfdistService(requireEffectiveCluster(cr), 1).spec, {
    type: 'ClusterIP',
    selector: GPFDIST_1_SELECTOR,
    ports: [{ name: 'gpfdist', protocol: 'TCP', port: 8090, targetPort: 'gpfdist' }],
  });
});

gpfdist('deterministic', () => {
  assert.is(
    JSON.stringify(buildGpfdistService(seedEffective(), 2, { targetPort: 30002 })),
    JSON.stringify(buildGpfdistService(seedEffective(), 2, { targetPort: 30002 })),
  );
});

gpfdist.run();
