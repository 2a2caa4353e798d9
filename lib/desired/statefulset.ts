// The StatefulSet running the GPSS instances. One pod template serves every instance; what differs
// per instance (its advertised gpfdist address) comes from its own file in the instance-config
// ConfigMap, mounted at GPSS_CONFIG_DIR and chosen by pod name.
//
// Start-up: an init container waits until this pod's config file exists, then the gpss container
// runs gpss directly (PID 1, signals delivered to it). Waiting in an init container instead of a
// shell loop in the main container matters because probes do not run during init: a wait in the
// main container would fail the liveness probe and show as CrashLoopBackOff for as long as the
// address is pending (a load balancer can take minutes, or never come on bare metal).
//
// No volumeClaimTemplates: GPSS keeps its state in etcd.

import type { V1Affinity, V1Container, V1EnvVar, V1SecurityContext } from '@kubernetes/client-node';
import { COMPONENTS, GPSS_ANNOTATIONS, GPSS_CONFIG_DIR, type Toleration } from '../api/types';
import type { EffectiveCluster } from './cluster';
import { normalizedResources, normalizedToleration, sortedCopy } from './effective';
import type { PodSpec, StatefulSet } from './k8s-types';
import { childMeta, componentLabels, selectorLabels } from './names';
import { PORT_NAMES } from './services';

export const CONTAINER_NAME = 'gpss';
export const INIT_CONTAINER_NAME = 'wait-for-config';
/** gpss writes its logs to $HOME/gpAdminLogs by default, which a read-only root filesystem forbids. */
export const LOG_DIR = '/var/log/gpss';
const DEFAULT_CONTAINER_ANNOTATION = 'kubectl.kubernetes.io/default-container';
const HOSTNAME_TOPOLOGY = 'kubernetes.io/hostname';

const VOLUMES = { config: 'instance-config', tmp: 'tmp', logs: 'logs' } as const;

// POSIX sh only: nothing is known about the image beyond /bin/sh. `-s` (exists, non-empty) follows
// the ConfigMap volume's symlinks, and a key appears in the volume only once the kubelet syncs it.
const WAIT_SCRIPT = [
  'f="$GPSS_CONFIG_DIR/$POD_NAME.json"',
  'echo "waiting for $f (written once this instance\'s gpfdist address is known)"',
  'until [ -s "$f" ]; do sleep 2; done',
  'echo "found $f"',
].join('\n');

function env(): V1EnvVar[] {
  return [
    { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
    { name: 'GPSS_CONFIG_DIR', value: GPSS_CONFIG_DIR },
  ];
}

function containerSecurityContext(): V1SecurityContext {
  return { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] }, readOnlyRootFilesystem: true };
}

function affinity(c: EffectiveCluster): V1Affinity | undefined {
  const term = { labelSelector: { matchLabels: selectorLabels(c) }, topologyKey: HOSTNAME_TOPOLOGY };
  switch (c.antiAffinity) {
    case 'required':
      return { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [term] } };
    case 'preferred':
      return {
        podAntiAffinity: {
          preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 100, podAffinityTerm: term }],
        },
      };
    case 'none':
      return undefined;
  }
}

/**
 * The NoExecute taints the node lifecycle controller puts on a lost node: unreachable (Ready Unknown,
 * the kubelet stopped reporting) and not-ready (Ready False).
 */
export const LOST_NODE_TAINTS = ['node.kubernetes.io/unreachable', 'node.kubernetes.io/not-ready'] as const;
/**
 * Seconds the taint manager's eviction comes after health's failover bound. Health counts the bound
 * from the end of the second of the node's Ready transition (lib/k8s/time.ts endOfSecond); the taint
 * is added, and its eviction timer started, after that transition, so 1 s would do on one clock; the
 * second one absorbs clock skew between the controller-manager and the function.
 */
export const EVICTION_MARGIN_SECONDS = 2;

/** As the DefaultTolerationSeconds admission plugin decides: a toleration of this key's NoExecute taint. */
function tolerates(t: Toleration, key: string): boolean {
  return (!t.key || t.key === key) && (!t.effect || t.effect === 'NoExecute');
}

/**
 * Let Kubernetes keep the failover timer. On a lost node the taint manager evicts the instance pod
 * once its toleration runs out (300 s by default, added by the DefaultTolerationSeconds admission
 * plugin); with failover_after_seconds plus the margin instead, that eviction is the event that
 * wakes health just past its bound, and health force-deletes the pod (functions/health/failover.ts),
 * with no poll and no resync. A user's own toleration of the taint stands.
 */
function failoverTolerations(c: EffectiveCluster): Toleration[] {
  return LOST_NODE_TAINTS.filter((key) => !c.tolerations.some((t) => tolerates(t, key))).map((key) => ({
    key,
    operator: 'Exists',
    effect: 'NoExecute',
    tolerationSeconds: c.failoverAfterSeconds + EVICTION_MARGIN_SECONDS,
  }));
}

// Copies of the effective spec's values (already normalized): output shares no objects with it.
function scheduling(c: EffectiveCluster): Pick<PodSpec, 'nodeSelector' | 'tolerations' | 'affinity'> {
  const out: Pick<PodSpec, 'nodeSelector' | 'tolerations' | 'affinity'> = {};
  if (Object.keys(c.nodeSelector).length > 0) out.nodeSelector = sortedCopy(c.nodeSelector);
  const tolerations = [...c.tolerations.map(normalizedToleration), ...failoverTolerations(c)];
  if (tolerations.length > 0) out.tolerations = tolerations;
  const a = affinity(c);
  if (a) out.affinity = a;
  return out;
}

/** The pod template carries the config checksum (c.gpss.checksum): a gpss_config change rolls the instances. */
export function buildStatefulSet(c: EffectiveCluster): StatefulSet {
  const ports = c.gpss.ports;
  const labels = componentLabels(c, COMPONENTS.instance);
  const { image, pullPolicy: imagePullPolicy } = c;

  const init: V1Container = {
    name: INIT_CONTAINER_NAME,
    image,
    imagePullPolicy,
    command: ['/bin/sh', '-c', WAIT_SCRIPT],
    env: env(),
    // The same resources as gpss: a pod's effective request is the max of the two, so this costs
    // nothing, and a namespace quota that demands limits accepts it.
    resources: normalizedResources(c.resources),
    securityContext: containerSecurityContext(),
    volumeMounts: [{ name: VOLUMES.config, mountPath: GPSS_CONFIG_DIR, readOnly: true }],
  };

  const gpss: V1Container = {
    name: CONTAINER_NAME,
    image,
    imagePullPolicy,
    // $(POD_NAME) is expanded by the kubelet, so no shell stands between the runtime and gpss.
    command: ['gpss'],
    args: ['--config', `${GPSS_CONFIG_DIR}/$(POD_NAME).json`, '--log-dir', LOG_DIR],
    env: env(),
    // The gpfdist containerPort is informational for a NodePort instance, which listens on its node
    // port instead (one template cannot declare a per-instance port); the Service targets it by number.
    ports: [
      { name: PORT_NAMES.gpss, containerPort: ports.listen, protocol: 'TCP' },
      { name: PORT_NAMES.gpfdist, containerPort: ports.gpfdist, protocol: 'TCP' },
      { name: PORT_NAMES.cluster, containerPort: ports.cluster, protocol: 'TCP' },
    ],
    // GPSS documents no health endpoint; an open gRPC port is the best signal available. The startup
    // probe gives gpss up to 5 minutes to reach etcd and listen before liveness may kill it.
    startupProbe: { tcpSocket: { port: PORT_NAMES.gpss }, periodSeconds: 5, failureThreshold: 60 },
    readinessProbe: { tcpSocket: { port: PORT_NAMES.gpss }, periodSeconds: 5, failureThreshold: 3 },
    livenessProbe: { tcpSocket: { port: PORT_NAMES.gpss }, periodSeconds: 10, failureThreshold: 6 },
    resources: normalizedResources(c.resources),
    securityContext: containerSecurityContext(),
    volumeMounts: [
      { name: VOLUMES.config, mountPath: GPSS_CONFIG_DIR, readOnly: true },
      { name: VOLUMES.tmp, mountPath: '/tmp' },
      { name: VOLUMES.logs, mountPath: LOG_DIR },
    ],
  };

  return {
    apiVersion: 'apps/v1',
    kind: 'StatefulSet',
    metadata: childMeta(c, c.names.statefulSet, labels),
    spec: {
      replicas: c.size,
      serviceName: c.names.headlessService,
      // Instances are peers coordinated by etcd: no reason to start or stop them one by one.
      podManagementPolicy: 'Parallel',
      // No maxUnavailable: updates replace one instance at a time and wait for it to be Ready.
      updateStrategy: { type: 'RollingUpdate', rollingUpdate: { partition: 0 } },
      selector: { matchLabels: selectorLabels(c) },
      template: {
        metadata: {
          labels,
          annotations: {
            [GPSS_ANNOTATIONS.configChecksum]: c.gpss.checksum,
            [DEFAULT_CONTAINER_ANNOTATION]: CONTAINER_NAME,
          },
        },
        spec: {
          // Instances never call the Kubernetes API: their config comes through the volume.
          automountServiceAccountToken: false,
          enableServiceLinks: false,
          terminationGracePeriodSeconds: c.terminationGraceSeconds,
          securityContext: { runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } },
          ...(c.pullSecret ? { imagePullSecrets: [{ name: c.pullSecret }] } : {}),
          ...scheduling(c),
          initContainers: [init],
          containers: [gpss],
          volumes: [
            // optional: a pod starts (and waits in its init container) before its key exists.
            { name: VOLUMES.config, configMap: { name: c.names.instanceConfigMap, optional: true } },
            { name: VOLUMES.tmp, emptyDir: {} },
            { name: VOLUMES.logs, emptyDir: {} },
          ],
        },
      },
    },
  };
}
