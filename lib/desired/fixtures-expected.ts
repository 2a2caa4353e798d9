// Expected builder output for the seed cluster, written out literally (never computed by a
// builder), shared by the tests of the single builders and of buildDesired.

export const WAIT_SCRIPT = `f="$GPSS_CONFIG_DIR/$POD_NAME.json"
echo "waiting for $f (written once this instance's gpfdist address is known)"
until [ -s "$f" ]; do sleep 2; done
echo "found $f"`;

export const SEED_SELECTOR = {
  'app.kubernetes.io/name': 'gpss',
  'app.kubernetes.io/instance': 'gpfdist',
  'app.kubernetes.io/managed-by': 'gpss-operator',
};

export function seedStatefulSet(checksum: string) {
  return {
    apiVersion: 'apps/v1',
    kind: 'StatefulSet',
    metadata: {
      name: 'gpfdist',
      namespace: 'gpss-workspace-test',
      labels: {
        'app.kubernetes.io/name': 'gpss',
        'app.kubernetes.io/instance': 'gpfdist',
        'app.kubernetes.io/managed-by': 'gpss-operator',
        'app.kubernetes.io/component': 'gpss',
      },
      ownerReferences: [
        {
          apiVersion: 'gpss.gpdb.io/v1',
          kind: 'GpssCluster',
          name: 'gpfdist',
          uid: 'uid-1',
          controller: true,
          blockOwnerDeletion: true,
        },
      ],
    },
    spec: {
      replicas: 3,
      serviceName: 'gpfdist-headless',
      podManagementPolicy: 'Parallel',
      updateStrategy: { type: 'RollingUpdate', rollingUpdate: { partition: 0 } },
      selector: {
        matchLabels: {
          'app.kubernetes.io/name': 'gpss',
          'app.kubernetes.io/instance': 'gpfdist',
          'app.kubernetes.io/managed-by': 'gpss-operator',
        },
      },
      template: {
        metadata: {
          labels: {
            'app.kubernetes.io/name': 'gpss',
            'app.kubernetes.io/instance': 'gpfdist',
            'app.kubernetes.io/managed-by': 'gpss-operator',
            'app.kubernetes.io/component': 'gpss',
          },
          annotations: {
            'gpss.gpdb.io/config-checksum': checksum,
            'kubectl.kubernetes.io/default-container': 'gpss',
          },
        },
        spec: {
          automountServiceAccountToken: false,
          enableServiceLinks: false,
          terminationGracePeriodSeconds: 60,
          securityContext: { runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } },
          imagePullSecrets: [{ name: 'gpss-docker-key' }],
          // failover_after_seconds (60) + 2: the taint manager's eviction wakes health past its bound.
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
                        'app.kubernetes.io/instance': 'gpfdist',
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
              image: 'us-west1-docker.pkg.dev/data-gpdb-dev2/gpss-test-images/gpss:test',
              imagePullPolicy: 'Always',
              command: ['/bin/sh', '-c', WAIT_SCRIPT],
              env: [
                { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
                { name: 'GPSS_CONFIG_DIR', value: '/etc/gpss' },
              ],
              resources: { limits: { cpu: '8', memory: '32Gi' }, requests: { cpu: '1', memory: '1Gi' } },
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
              image: 'us-west1-docker.pkg.dev/data-gpdb-dev2/gpss-test-images/gpss:test',
              imagePullPolicy: 'Always',
              command: ['gpss'],
              args: ['--config', '/etc/gpss/$(POD_NAME).json', '--log-dir', '/var/log/gpss'],
              env: [
                { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
                { name: 'GPSS_CONFIG_DIR', value: '/etc/gpss' },
              ],
              ports: [
                { name: 'gpss', containerPort: 5000, protocol: 'TCP' },
                { name: 'gpfdist', containerPort: 8090, protocol: 'TCP' },
                { name: 'cluster', containerPort: 5001, protocol: 'TCP' },
              ],
              startupProbe: { tcpSocket: { port: 'gpss' }, periodSeconds: 5, failureThreshold: 60 },
              readinessProbe: { tcpSocket: { port: 'gpss' }, periodSeconds: 5, failureThreshold: 3 },
              livenessProbe: { tcpSocket: { port: 'gpss' }, periodSeconds: 10, failureThreshold: 6 },
              resources: { limits: { cpu: '8', memory: '32Gi' }, requests: { cpu: '1', memory: '1Gi' } },
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
            { name: 'instance-config', configMap: { name: 'gpfdist-instance-config', optional: true } },
            { name: 'tmp', emptyDir: {} },
            { name: 'logs', emptyDir: {} },
          ],
        },
      },
    },
  };
}

export const SEED_OWNER = [
  {
    apiVersion: 'gpss.gpdb.io/v1',
    kind: 'GpssCluster',
    name: 'gpfdist',
    uid: 'uid-1',
    controller: true,
    blockOwnerDeletion: true,
  },
];

/** configChecksum of the seed gpss_config (sha256 of its whitespace-free JSON, computed with sha256sum). */
export const SEED_CHECKSUM = '84076a4281a034529be735c5888b898c7959517116741ec4a6b31cc1cfa01813';

export const SEED_HEADLESS = {
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
    ownerReferences: SEED_OWNER,
  },
  spec: {
    type: 'ClusterIP',
    clusterIP: 'None',
    publishNotReadyAddresses: true,
    selector: SEED_SELECTOR,
    ports: [
      { name: 'gpss', protocol: 'TCP', port: 5000, targetPort: 'gpss' },
      { name: 'cluster', protocol: 'TCP', port: 5001, targetPort: 'cluster' },
    ],
  },
};

export const SEED_GPSS_SERVICE = {
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
    ownerReferences: SEED_OWNER,
  },
  spec: {
    type: 'NodePort',
    externalTrafficPolicy: 'Cluster',
    selector: SEED_SELECTOR,
    ports: [{ name: 'gpss', protocol: 'TCP', port: 5000, targetPort: 'gpss' }],
  },
};

export function seedGpfdistService(ordinal: number, targetPort: number | 'gpfdist') {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: {
      name: `gpfdist-gpfdist-${ordinal}`,
      namespace: 'gpss-workspace-test',
      labels: {
        'app.kubernetes.io/name': 'gpss',
        'app.kubernetes.io/instance': 'gpfdist',
        'app.kubernetes.io/managed-by': 'gpss-operator',
        'app.kubernetes.io/component': 'gpfdist',
        'gpss.gpdb.io/instance-ordinal': `${ordinal}`,
      },
      ownerReferences: SEED_OWNER,
    },
    spec: {
      type: 'NodePort',
      externalTrafficPolicy: 'Cluster',
      selector: {
        'app.kubernetes.io/name': 'gpss',
        'app.kubernetes.io/instance': 'gpfdist',
        'app.kubernetes.io/managed-by': 'gpss-operator',
        'statefulset.kubernetes.io/pod-name': `gpfdist-${ordinal}`,
      },
      ports: [{ name: 'gpfdist', protocol: 'TCP', port: 8090, targetPort }],
    },
  };
}

export const SEED_PDB = {
  apiVersion: 'policy/v1',
  kind: 'PodDisruptionBudget',
  metadata: {
    name: 'gpfdist',
    namespace: 'gpss-workspace-test',
    labels: {
      'app.kubernetes.io/name': 'gpss',
      'app.kubernetes.io/instance': 'gpfdist',
      'app.kubernetes.io/managed-by': 'gpss-operator',
      'app.kubernetes.io/component': 'pdb',
    },
    ownerReferences: SEED_OWNER,
  },
  spec: { maxUnavailable: 1, selector: { matchLabels: SEED_SELECTOR } },
};

export function seedConfigMap(data: Record<string, string>) {
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: {
      name: 'gpfdist-instance-config',
      namespace: 'gpss-workspace-test',
      labels: {
        'app.kubernetes.io/name': 'gpss',
        'app.kubernetes.io/instance': 'gpfdist',
        'app.kubernetes.io/managed-by': 'gpss-operator',
        'app.kubernetes.io/component': 'instance-config',
      },
      ownerReferences: SEED_OWNER,
    },
    data,
  };
}

/** The seed gpss_config rendered for one instance. */
export function seedInstanceConfig(host: string, port: number): string {
  return `{
  "ListenAddress": {
    "Host": "",
    "Port": 5000
  },
  "Gpfdist": {
    "Host": "${host}",
    "Port": ${port},
    "BindAddress": "0.0.0.0"
  },
  "Cluster": {
    "Id": "gpfdist",
    "Port": 5001,
    "Etcd": {
      "Endpoints": [
        "etcd:2379"
      ]
    }
  }
}
`;
}
