import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { Toleration } from '../api/types';
import { type EffectiveCluster, requireEffectiveCluster } from './cluster';
import { minimalEffective, seedCluster, seedEffective } from './fixtures';
import { SEED_SELECTOR, seedStatefulSet, WAIT_SCRIPT } from './fixtures-expected';
import { buildStatefulSet } from './statefulset';

/** The template carries the effective spec's checksum; these tests pin it to a short literal. */
function withChecksum(c: EffectiveCluster, checksum: string): EffectiveCluster {
  return { ...c, gpss: { ...c.gpss, checksum } };
}

const SEED_EXPECTED = seedStatefulSet('abc123');

const MINIMAL_EXPECTED = {
  apiVersion: 'apps/v1',
  kind: 'StatefulSet',
  metadata: {
    name: 'mini',
    namespace: 'ns1',
    labels: {
      'app.kubernetes.io/name': 'gpss',
      'app.kubernetes.io/instance': 'mini',
      'app.kubernetes.io/managed-by': 'gpss-operator',
      'app.kubernetes.io/component': 'gpss',
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
    replicas: 1,
    serviceName: 'mini-headless',
    podManagementPolicy: 'Parallel',
    updateStrategy: { type: 'RollingUpdate', rollingUpdate: { partition: 0 } },
    selector: {
      matchLabels: {
        'app.kubernetes.io/name': 'gpss',
        'app.kubernetes.io/instance': 'mini',
        'app.kubernetes.io/managed-by': 'gpss-operator',
      },
    },
    template: {
      metadata: {
        labels: {
          'app.kubernetes.io/name': 'gpss',
          'app.kubernetes.io/instance': 'mini',
          'app.kubernetes.io/managed-by': 'gpss-operator',
          'app.kubernetes.io/component': 'gpss',
        },
        annotations: {
          'gpss.gpdb.io/config-checksum': 'c0ffee',
          'kubectl.kubernetes.io/default-container': 'gpss',
        },
      },
      spec: {
        automountServiceAccountToken: false,
        enableServiceLinks: false,
        terminationGracePeriodSeconds: 60,
        securityContext: { runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } },
        tolerations: [
          {
            key: 'node.kubernetes.io/unreachable',
            operator: 'Exists',
            effect: 'NoExecute',
            tolerationSeconds: 62,
          },
          {
            key: 'node.kubernetes.io/not-ready',
            operator: 'Exists',
            effect: 'NoExecute',
            tolerationSeconds: 62,
          },
        ],
        affinity: {
          podAntiAffinity: {
            preferredDuringSchedulingIgnoredDuringExecution: [
              {
                weight: 100,
                podAffinityTerm: {
                  labelSelector: {
                    matchLabels: {
                      'app.kubernetes.io/name': 'gpss',
                      'app.kubernetes.io/instance': 'mini',
                      'app.kubernetes.io/managed-by': 'gpss-operator',
                    },
                  },
                  topologyKey: 'kubernetes.io/hostname',
                },
              },
            ],
          },
        },
        initContainers: [
          {
            name: 'wait-for-config',
            image: 'gpss:1',
            imagePullPolicy: 'IfNotPresent',
            command: ['/bin/sh', '-c', WAIT_SCRIPT],
            env: [
              { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
              { name: 'GPSS_CONFIG_DIR', value: '/etc/gpss' },
            ],
            resources: { limits: { cpu: '8', memory: '16Gi' }, requests: { cpu: '2', memory: '2Gi' } },
            securityContext: {
              allowPrivilegeEscalation: false,
              capabilities: { drop: ['ALL'] },
              readOnlyRootFilesystem: true,
            },
            volumeMounts: [{ name: 'instance-config', mountPath: '/etc/gpss', readOnly: true }],
          },
        ],
        containers: [
          {
            name: 'gpss',
            image: 'gpss:1',
            imagePullPolicy: 'IfNotPresent',
            command: ['gpss'],
            args: ['--config', '/etc/gpss/$(POD_NAME).json', '--log-dir', '/var/log/gpss'],
            env: [
              { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
              { name: 'GPSS_CONFIG_DIR', value: '/etc/gpss' },
            ],
            ports: [
              { name: 'gpss', containerPort: 5019, protocol: 'TCP' },
              { name: 'gpfdist', containerPort: 8319, protocol: 'TCP' },
              { name: 'cluster', containerPort: 5020, protocol: 'TCP' },
            ],
            startupProbe: { tcpSocket: { port: 'gpss' }, periodSeconds: 5, failureThreshold: 60 },
            readinessProbe: { tcpSocket: { port: 'gpss' }, periodSeconds: 5, failureThreshold: 3 },
            livenessProbe: { tcpSocket: { port: 'gpss' }, periodSeconds: 10, failureThreshold: 6 },
            resources: { limits: { cpu: '8', memory: '16Gi' }, requests: { cpu: '2', memory: '2Gi' } },
            securityContext: {
              allowPrivilegeEscalation: false,
              capabilities: { drop: ['ALL'] },
              readOnlyRootFilesystem: true,
            },
            volumeMounts: [
              { name: 'instance-config', mountPath: '/etc/gpss', readOnly: true },
              { name: 'tmp', mountPath: '/tmp' },
              { name: 'logs', mountPath: '/var/log/gpss' },
            ],
          },
        ],
        volumes: [
          { name: 'instance-config', configMap: { name: 'mini-instance-config', optional: true } },
          { name: 'tmp', emptyDir: {} },
          { name: 'logs', emptyDir: {} },
        ],
      },
    },
  },
};

const sts = suite('buildStatefulSet');

sts('the seed cluster', () => {
  const actual = buildStatefulSet(withChecksum(seedEffective(), 'abc123'));
  assert.equal(actual, SEED_EXPECTED);
  // Deep equality ignores key order; the serialized form pins it too.
  assert.is(JSON.stringify(actual), JSON.stringify(SEED_EXPECTED));
});

sts('an un-defaulted CR gets every default', () => {
  assert.equal(buildStatefulSet(withChecksum(minimalEffective(), 'c0ffee')), MINIMAL_EXPECTED);
});

sts('byte-identical output for the same input, and the input is not mutated', () => {
  const cr = seedCluster();
  const before = JSON.stringify(cr);
  const a = JSON.stringify(buildStatefulSet(withChecksum(requireEffectiveCluster(cr), 'abc123')));
  const b = JSON.stringify(buildStatefulSet(withChecksum(seedEffective(), 'abc123')));
  assert.is(a, b);
  assert.is(JSON.stringify(cr), before);
});

sts('output shares no objects with the input', () => {
  const cr = seedCluster();
  const c = requireEffectiveCluster(cr);
  const out = buildStatefulSet(c);
  out.spec.template.spec.containers[0].resources!.limits!.cpu = '99';
  out.spec.template.spec.initContainers[0].resources!.requests!.cpu = '98';
  assert.is(cr.spec.resources!.limits!.cpu, '8');
  assert.equal(c.resources, { limits: { cpu: '8', memory: '32Gi' }, requests: { cpu: '1', memory: '1Gi' } });
  assert.equal(buildStatefulSet(c).spec.template.spec.containers[0].resources, {
    limits: { cpu: '8', memory: '32Gi' },
    requests: { cpu: '1', memory: '1Gi' },
  });
});

sts('scheduling values are copies of the effective spec', () => {
  const cr = seedCluster();
  cr.spec.node_selector = { zone: 'b' };
  cr.spec.tolerations = [{ key: 'dedicated', operator: 'Exists' }];
  const c = requireEffectiveCluster(cr);
  const spec = buildStatefulSet(c).spec.template.spec;
  spec.nodeSelector!.zone = 'changed';
  spec.tolerations![0].key = 'changed';
  spec.imagePullSecrets![0].name = 'changed';
  assert.equal(c.nodeSelector, { zone: 'b' });
  assert.equal(c.tolerations, [{ key: 'dedicated', operator: 'Exists' }]);
  assert.is(c.pullSecret, 'gpss-docker-key');
});

sts('a config change changes only the checksum annotation', () => {
  const a = buildStatefulSet(withChecksum(seedEffective(), 'one'));
  const b = buildStatefulSet(withChecksum(seedEffective(), 'two'));
  assert.is(b.spec.template.metadata.annotations['gpss.gpdb.io/config-checksum'], 'two');
  b.spec.template.metadata.annotations['gpss.gpdb.io/config-checksum'] = 'one';
  assert.equal(a, b);
});

sts('partial resources are taken as written, with sorted keys', () => {
  const cr = seedCluster();
  cr.spec.resources = { limits: { memory: '4Gi', cpu: '1' } };
  assert.equal(
    buildStatefulSet(withChecksum(requireEffectiveCluster(cr), 'x')).spec.template.spec.containers[0]
      .resources,
    {
      limits: { cpu: '1', memory: '4Gi' },
    },
  );
  cr.spec.resources = {};
  assert.equal(
    buildStatefulSet(withChecksum(requireEffectiveCluster(cr), 'x')).spec.template.spec.containers[0]
      .resources,
    {},
  );
});

sts('required anti-affinity', () => {
  const cr = seedCluster();
  cr.spec.anti_affinity = 'required';
  assert.equal(buildStatefulSet(withChecksum(requireEffectiveCluster(cr), 'x')).spec.template.spec.affinity, {
    podAntiAffinity: {
      requiredDuringSchedulingIgnoredDuringExecution: [
        { labelSelector: { matchLabels: SEED_SELECTOR }, topologyKey: 'kubernetes.io/hostname' },
      ],
    },
  });
});

sts('no anti-affinity, no pull secret: the fields are absent', () => {
  const cr = seedCluster();
  cr.spec.anti_affinity = 'none';
  delete cr.spec.pull_secret;
  const spec = buildStatefulSet(withChecksum(requireEffectiveCluster(cr), 'x')).spec.template.spec;
  assert.not.ok('affinity' in spec);
  assert.not.ok('imagePullSecrets' in spec);
});

sts('scheduling fields: node selector (sorted), tolerations (normalized key order), grace period', () => {
  const cr = seedCluster();
  cr.spec.node_selector = { zone: 'b', 'node-role': 'gpss' };
  cr.spec.tolerations = [
    { effect: 'NoSchedule', value: 'gpss', operator: 'Equal', key: 'dedicated' },
    { tolerationSeconds: 30, operator: 'Exists', effect: 'NoExecute' },
  ];
  cr.spec.termination_grace_seconds = 120;
  const spec = buildStatefulSet(withChecksum(requireEffectiveCluster(cr), 'x')).spec.template.spec;
  assert.is(JSON.stringify(spec.nodeSelector), '{"node-role":"gpss","zone":"b"}');
  // The second tolerates every NoExecute taint for 30 s: it covers the lost-node taints, none added.
  assert.is(
    JSON.stringify(spec.tolerations),
    '[{"key":"dedicated","operator":"Equal","value":"gpss","effect":"NoSchedule"},' +
      '{"operator":"Exists","effect":"NoExecute","tolerationSeconds":30}]',
  );
  assert.is(spec.terminationGracePeriodSeconds, 120);
});

sts('an empty node selector is omitted; no tolerations of their own: the failover ones only', () => {
  const cr = seedCluster();
  cr.spec.node_selector = {};
  cr.spec.tolerations = [];
  const spec = buildStatefulSet(withChecksum(requireEffectiveCluster(cr), 'x')).spec.template.spec;
  assert.not.ok('nodeSelector' in spec);
  assert.equal(
    spec.tolerations?.map((t) => t.key),
    ['node.kubernetes.io/unreachable', 'node.kubernetes.io/not-ready'],
  );
});

const LOST = (key: string, tolerationSeconds: number) => ({
  key,
  operator: 'Exists',
  effect: 'NoExecute',
  tolerationSeconds,
});

sts("failover tolerations: failover_after_seconds + 2, after the user's own", () => {
  const cr = seedCluster();
  cr.spec.failover_after_seconds = 5;
  cr.spec.tolerations = [{ key: 'dedicated', operator: 'Exists', effect: 'NoSchedule' }];
  assert.equal(
    buildStatefulSet(withChecksum(requireEffectiveCluster(cr), 'x')).spec.template.spec.tolerations,
    [
      { key: 'dedicated', operator: 'Exists', effect: 'NoSchedule' },
      LOST('node.kubernetes.io/unreachable', 7),
      LOST('node.kubernetes.io/not-ready', 7),
    ],
  );
});

sts('a user toleration of a lost-node taint stands, as the admission plugin judges one', () => {
  const build = (tolerations: Toleration[]) => {
    const cr = seedCluster();
    cr.spec.tolerations = tolerations;
    return buildStatefulSet(withChecksum(requireEffectiveCluster(cr), 'x')).spec.template.spec.tolerations;
  };
  // Theirs for unreachable (any effect NoExecute, or none): only not-ready is added.
  const theirs = { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute' } as const;
  assert.equal(build([theirs]), [theirs, LOST('node.kubernetes.io/not-ready', 62)]);
  const noEffect = {
    key: 'node.kubernetes.io/not-ready',
    operator: 'Exists',
    tolerationSeconds: 600,
  } as const;
  assert.equal(build([noEffect]), [noEffect, LOST('node.kubernetes.io/unreachable', 62)]);
  // A NoSchedule toleration of the key does not keep the pod from eviction: ours is added.
  const noSchedule = {
    key: 'node.kubernetes.io/unreachable',
    operator: 'Exists',
    effect: 'NoSchedule',
  } as const;
  assert.equal(build([noSchedule])?.length, 3);
  // Tolerate everything (empty key, Exists): theirs covers both.
  assert.equal(build([{ operator: 'Exists' }]), [{ operator: 'Exists' }]);
});

sts('failover_after_seconds changes the tolerations (and so rolls the instances)', () => {
  const cr = seedCluster();
  const a = buildStatefulSet(withChecksum(requireEffectiveCluster(cr), 'x'));
  cr.spec.failover_after_seconds = 300;
  const b = buildStatefulSet(withChecksum(requireEffectiveCluster(cr), 'x'));
  assert.equal(
    b.spec.template.spec.tolerations?.map((t) => t.tolerationSeconds),
    [302, 302],
  );
  b.spec.template.spec.tolerations = a.spec.template.spec.tolerations;
  assert.equal(a, b);
});

sts('size 0 keeps the StatefulSet with no replicas', () => {
  const cr = seedCluster();
  cr.spec.size = 0;
  assert.is(buildStatefulSet(withChecksum(requireEffectiveCluster(cr), 'x')).spec.replicas, 0);
});

sts.run();
