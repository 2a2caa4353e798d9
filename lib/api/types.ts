// The GpssCluster API (gpss.gpdb.io/v1). Spec field names keep the original GPSS operator's
// snake_case so existing manifests apply unchanged; status follows Kubernetes conventions.
// A GpssCluster is read through CustomObjectsApi as plain JSON, so its timestamps are RFC 3339
// strings (unlike the built-in objects the client library reads, whose timestamps are Dates).
// The Kubernetes types it embeds are the client library's, imported as types only (erased at build
// time: this module stays free of the library's runtime).

import type { V1OwnerReference, V1ResourceRequirements, V1Toleration } from '@kubernetes/client-node';

export const GROUP = 'gpss.gpdb.io';
export const VERSION = 'v1';
export const API_VERSION = `${GROUP}/${VERSION}`;
export const KIND = 'GpssCluster';
export const PLURAL = 'gpssclusters';

export type ServiceType = 'LoadBalancer' | 'NodePort' | 'ClusterIP';
export type PullPolicy = 'Always' | 'IfNotPresent' | 'Never';
export type AntiAffinity = 'preferred' | 'required' | 'none';

/** A container's `resources`, as far as the CRD takes it (no resource claims). */
export type ResourceRequirements = Pick<V1ResourceRequirements, 'limits' | 'requests'>;

/** A core/v1 Toleration, with the operator and effect values the CRD schema admits. */
export type Toleration = V1Toleration & {
  operator?: 'Exists' | 'Equal';
  effect?: 'NoSchedule' | 'PreferNoSchedule' | 'NoExecute';
};

export interface GpssClusterSpec {
  /** Number of GPSS instances; 0 stops the cluster but keeps the CR. */
  size: number;
  image: string;
  service?: { gpss?: ServiceType; gpfdist?: ServiceType };
  resources?: ResourceRequirements;
  pull_policy?: PullPolicy;
  pull_secret?: string;
  /** The user's GPSS JSON config, as a string (the original operator's format). */
  gpss_config: string;
  /** Pause all actions; status keeps being reported. */
  maintenance?: boolean;
  node_selector?: Record<string, string>;
  tolerations?: Toleration[];
  anti_affinity?: AntiAffinity;
  termination_grace_seconds?: number;
  /** Bound on each finalizer wait before the step is forced. */
  finalize_timeout_seconds?: number;
  /** How long an instance may sit on an unreachable node before health replaces it. */
  failover_after_seconds?: number;
}

export interface Condition {
  type: string;
  status: 'True' | 'False' | 'Unknown';
  reason: string;
  message: string;
  lastTransitionTime: string;
  observedGeneration?: number;
}

export type Phase =
  | 'Creating'
  | 'Ready'
  | 'Updating'
  | 'Scaling'
  | 'Degraded'
  | 'Invalid'
  | 'Failed'
  | 'Maintenance'
  | 'Deleting'
  | 'Stopped';

export interface InstanceStatus {
  name: string;
  /** The pod reported here: a replaced pod's late events are told apart from its successor's. */
  uid?: string;
  node?: string;
  ready: boolean;
  restarts: number;
  /** host:port that Greenplum segments dial for this instance's gpfdist. */
  gpfdistAddress?: string;
  lastProblem?: string;
}

export interface GpssClusterStatus {
  phase?: Phase;
  conditions?: Condition[];
  observedGeneration?: number;
  replicas?: number;
  readyReplicas?: number;
  selector?: string;
  /** host:port of the load-balanced gRPC endpoint (for gpsscli --gpss-host/--gpss-port). */
  gpssAddress?: string;
  instances?: InstanceStatus[];
}

export interface ObjectMeta {
  name: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  generation?: number;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  finalizers?: string[];
  deletionTimestamp?: string;
  creationTimestamp?: string;
  ownerReferences?: OwnerReference[];
}

export type OwnerReference = V1OwnerReference;

export interface GpssCluster {
  apiVersion: typeof API_VERSION;
  kind: typeof KIND;
  metadata: ObjectMeta;
  spec: GpssClusterSpec;
  status?: GpssClusterStatus;
}

/** Defaults the CRD schema fills in; builders apply them again so a CR read without defaulting is safe. */
export const DEFAULTS = {
  size: 1,
  serviceType: 'LoadBalancer' as ServiceType,
  pullPolicy: 'IfNotPresent' as PullPolicy,
  resources: {
    requests: { cpu: '2', memory: '2Gi' },
    limits: { cpu: '8', memory: '16Gi' },
  } satisfies ResourceRequirements,
  antiAffinity: 'preferred' as AntiAffinity,
  terminationGraceSeconds: 60,
  failoverAfterSeconds: 60,
} as const;

/** Finalize waits default to the grace period plus a margin for the API to observe the exit. */
export function finalizeTimeoutSeconds(spec: GpssClusterSpec): number {
  return (
    spec.finalize_timeout_seconds ?? (spec.termination_grace_seconds ?? DEFAULTS.terminationGraceSeconds) + 60
  );
}

export const LABELS = {
  name: 'app.kubernetes.io/name',
  instance: 'app.kubernetes.io/instance',
  managedBy: 'app.kubernetes.io/managed-by',
  component: 'app.kubernetes.io/component',
} as const;

export const APP_NAME = 'gpss';
export const MANAGED_BY = 'gpss-operator';

export const FINALIZERS = {
  cluster: 'gpss.gpdb.io/finalizer',
  instance: 'gpss.gpdb.io/instance',
} as const;

export const FIELD_MANAGERS = {
  reconcile: 'gpss-reconcile',
  finalize: 'gpss-finalize',
  health: 'gpss-health',
} as const;

export function clusterKey(c: { metadata: { namespace?: string; name: string } }): string {
  return `${c.metadata.namespace ?? ''}/${c.metadata.name}`;
}

/** Labels and annotations the operator sets on its children beyond the app.kubernetes.io set. */
export const GPSS_LABELS = {
  /** On each per-instance gpfdist Service: the StatefulSet ordinal it fronts. */
  instanceOrdinal: 'gpss.gpdb.io/instance-ordinal',
  /** Set by the StatefulSet controller on each pod; selects exactly one instance. */
  podName: 'statefulset.kubernetes.io/pod-name',
} as const;

export const GPSS_ANNOTATIONS = {
  /** On the pod template: digest of the user's gpss_config, so a config change rolls the instances. */
  configChecksum: 'gpss.gpdb.io/config-checksum',
  /** On the instance ConfigMap: the Cluster.Id the cluster runs with (a change would orphan its etcd state). */
  clusterId: 'gpss.gpdb.io/cluster-id',
  /**
   * On the instance ConfigMap, `restart-<ordinal>: <pod uid>`: a running instance whose advertised
   * address changed, to be restarted by reconcile (one at a time) and reported by health meanwhile.
   */
  restartPrefix: 'gpss.gpdb.io/restart-',
} as const;

/** Values of LABELS.component, so label-selected lists can tell the children apart. */
export const COMPONENTS = {
  instance: 'gpss',
  headlessService: 'headless',
  gpssService: 'gpss-service',
  gpfdistService: 'gpfdist',
  instanceConfig: 'instance-config',
  disruptionBudget: 'pdb',
} as const;

/** Where each instance's rendered config is mounted (one file per pod: `${podName}.json`). */
export const GPSS_CONFIG_DIR = '/etc/gpss';

/**
 * Bounds the CRD enforces (manifests/crd/gpssclusters.gpss.gpdb.io.yaml), for code that derives
 * names or sizes from a spec. The name bound keeps `${name}-gpfdist-${ordinal}` within a DNS label
 * and the StatefulSet name (the CR name) within the 52 characters its pods' revision label allows.
 */
export const SPEC_LIMITS = {
  maxSize: 256,
  maxNameLength: 40,
  maxGpssConfigLength: 32768,
  terminationGraceSeconds: { min: 0, max: 3600 },
  finalizeTimeoutSeconds: { min: 1, max: 86400 },
  failoverAfterSeconds: { min: 5, max: 86400 },
} as const;
