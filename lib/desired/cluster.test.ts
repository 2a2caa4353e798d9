import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { asEffectiveCluster, effectiveCluster, isEffectiveCluster, requireEffectiveCluster } from './cluster';
import { minimalCluster, seedCluster } from './fixtures';
import { SEED_CHECKSUM } from './fixtures-expected';
import { GpssConfigError } from './gpss-config';

const OWNER = {
  apiVersion: 'gpss.gpdb.io/v1',
  kind: 'GpssCluster',
  name: 'gpfdist',
  uid: 'uid-1',
  controller: true,
  blockOwnerDeletion: true,
};

const read = suite('effectiveCluster');

read('the seed cluster: its fields, parsed config, checksum, ports and names', () => {
  assert.equal(effectiveCluster(seedCluster()), {
    ok: true,
    cluster: {
      metadata: { name: 'gpfdist', namespace: 'gpss-workspace-test', uid: 'uid-1', generation: 1 },
      owner: OWNER,
      names: {
        statefulSet: 'gpfdist',
        headlessService: 'gpfdist-headless',
        gpssService: 'gpss-workspace-test-gpfdist-gpss-service',
        instanceConfigMap: 'gpfdist-instance-config',
        podDisruptionBudget: 'gpfdist',
        selector:
          'app.kubernetes.io/instance=gpfdist,app.kubernetes.io/managed-by=gpss-operator,app.kubernetes.io/name=gpss',
      },
      size: 3,
      image: 'us-west1-docker.pkg.dev/data-gpdb-dev2/gpss-test-images/gpss:test',
      service: { gpss: 'NodePort', gpfdist: 'NodePort' },
      pullPolicy: 'Always',
      pullSecret: 'gpss-docker-key',
      resources: { limits: { cpu: '8', memory: '32Gi' }, requests: { cpu: '1', memory: '1Gi' } },
      antiAffinity: 'preferred',
      terminationGraceSeconds: 60,
      nodeSelector: {},
      tolerations: [],
      maintenance: false,
      finalizeTimeoutSeconds: 120,
      failoverAfterSeconds: 60,
      gpss: {
        config: {
          ListenAddress: { Host: '', Port: 5000 },
          Gpfdist: { Host: '', Port: 8090 },
          Cluster: { Id: 'gpfdist', Port: 5001, Etcd: { Endpoints: ['etcd:2379'] } },
        },
        checksum: SEED_CHECKSUM,
        ports: { listen: 5000, gpfdist: 8090, cluster: 5001 },
      },
    },
  });
});

read('an un-defaulted CR gets every default', () => {
  const c = requireEffectiveCluster(minimalCluster());
  assert.equal(
    {
      metadata: c.metadata,
      size: c.size,
      service: c.service,
      pullPolicy: c.pullPolicy,
      resources: c.resources,
      antiAffinity: c.antiAffinity,
      terminationGraceSeconds: c.terminationGraceSeconds,
      nodeSelector: c.nodeSelector,
      tolerations: c.tolerations,
      maintenance: c.maintenance,
      finalizeTimeoutSeconds: c.finalizeTimeoutSeconds,
      failoverAfterSeconds: c.failoverAfterSeconds,
      ports: c.gpss.ports,
    },
    {
      metadata: { name: 'mini', namespace: 'ns1', uid: 'uid-2' },
      size: 1,
      service: { gpss: 'LoadBalancer', gpfdist: 'LoadBalancer' },
      pullPolicy: 'IfNotPresent',
      resources: { limits: { cpu: '8', memory: '16Gi' }, requests: { cpu: '2', memory: '2Gi' } },
      antiAffinity: 'preferred',
      terminationGraceSeconds: 60,
      nodeSelector: {},
      tolerations: [],
      maintenance: false,
      finalizeTimeoutSeconds: 120,
      failoverAfterSeconds: 60,
      ports: { listen: 5019, gpfdist: 8319, cluster: 5020 },
    },
  );
  assert.not.ok('pullSecret' in c);
  assert.not.ok('generation' in c.metadata);
});

read('scheduling and resources: sorted keys, fixed toleration key order, copies of the CR', () => {
  const cr = seedCluster();
  cr.spec.node_selector = { zone: 'b', 'node-role': 'gpss' };
  cr.spec.tolerations = [{ effect: 'NoSchedule', value: 'gpss', operator: 'Equal', key: 'dedicated' }];
  cr.spec.resources = { requests: { memory: '1Gi', cpu: '1' } };
  cr.spec.pull_secret = '';
  const c = requireEffectiveCluster(cr);
  assert.is(JSON.stringify(c.nodeSelector), '{"node-role":"gpss","zone":"b"}');
  assert.is(
    JSON.stringify(c.tolerations),
    '[{"key":"dedicated","operator":"Equal","value":"gpss","effect":"NoSchedule"}]',
  );
  assert.is(JSON.stringify(c.resources), '{"requests":{"cpu":"1","memory":"1Gi"}}');
  assert.not.ok('pullSecret' in c, 'an empty pull secret is none');
  c.nodeSelector.zone = 'x';
  c.resources.requests!.cpu = '9';
  assert.is(cr.spec.node_selector.zone, 'b');
  assert.is(cr.spec.resources.requests!.cpu, '1');
});

read('an unusable gpss_config comes back as problems', () => {
  const cr = seedCluster();
  cr.spec.gpss_config = '{"ListenAddress": {"Port": 5000}}';
  const result = effectiveCluster(cr);
  assert.equal(result, {
    ok: false,
    problems: [
      'gpss_config: Gpfdist must be an object with a Port',
      'gpss_config: Cluster must be an object with a Port',
    ],
  });
  assert.throws(
    () => requireEffectiveCluster(cr),
    (e: unknown) => e instanceof GpssConfigError && /invalid gpss_config/.test(e.message),
  );
  cr.spec.gpss_config = 'nope';
  assert.not.ok(effectiveCluster(cr).ok);
});

read('a CR not read from the API server (no namespace, no uid) throws; a bad config is told first', () => {
  const cr = seedCluster();
  delete cr.metadata.uid;
  assert.throws(() => effectiveCluster(cr), /has no metadata.uid/);
  delete cr.metadata.namespace;
  assert.throws(() => effectiveCluster(cr), /has no metadata.namespace/);
  cr.spec.gpss_config = '{}';
  assert.not.ok(effectiveCluster(cr).ok);
});

read('asEffectiveCluster reads a CR, and passes an effective spec through', () => {
  const cr = seedCluster();
  const c = asEffectiveCluster(cr);
  assert.ok(isEffectiveCluster(c));
  assert.not.ok(isEffectiveCluster(cr));
  assert.is(asEffectiveCluster(c), c);
  assert.equal(c, requireEffectiveCluster(seedCluster()));
});

read.run();
