// Minimal shapes of the Kubernetes objects the builders emit and the live objects they read.
// Only the fields this operator sets or reads are typed: the builders' output is an apply
// configuration (what we own), not a full object, and a full client type would drag
// @kubernetes/client-node into pure code.

import type { OwnerReference, ResourceRequirements, Toleration } from '../api/types';

export interface ChildMeta {
  name: string;
  namespace: string;
  labels: Record<string, string>;
  annotations?: Record<string, string>;
  ownerReferences: OwnerReference[];
}

export type IntOrString = number | string;

export interface LabelSelector {
  matchLabels: Record<string, string>;
}

// ---- Service ----

export interface ServicePort {
  name: string;
  protocol: 'TCP';
  port: number;
  targetPort: IntOrString;
  nodePort?: number;
}

export interface ServiceSpec {
  type?: 'LoadBalancer' | 'NodePort' | 'ClusterIP';
  clusterIP?: string;
  publishNotReadyAddresses?: boolean;
  externalTrafficPolicy?: 'Cluster' | 'Local';
  selector: Record<string, string>;
  ports: ServicePort[];
}

export interface Service {
  apiVersion: 'v1';
  kind: 'Service';
  metadata: ChildMeta;
  spec: ServiceSpec;
}

// ---- ConfigMap ----

export interface ConfigMap {
  apiVersion: 'v1';
  kind: 'ConfigMap';
  metadata: ChildMeta;
  data: Record<string, string>;
}

// ---- PodDisruptionBudget ----

export interface PodDisruptionBudget {
  apiVersion: 'policy/v1';
  kind: 'PodDisruptionBudget';
  metadata: ChildMeta;
  spec: { maxUnavailable: IntOrString; selector: LabelSelector };
}

// ---- StatefulSet ----

export interface Probe {
  tcpSocket: { port: IntOrString };
  periodSeconds: number;
  timeoutSeconds?: number;
  failureThreshold: number;
}

export interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: { fieldRef: { fieldPath: string } };
}

export interface ContainerSecurityContext {
  allowPrivilegeEscalation: boolean;
  capabilities: { drop: string[] };
  readOnlyRootFilesystem: boolean;
}

export interface Container {
  name: string;
  image: string;
  imagePullPolicy: string;
  command: string[];
  args?: string[];
  env: EnvVar[];
  ports?: Array<{ name: string; containerPort: number; protocol: 'TCP' }>;
  startupProbe?: Probe;
  readinessProbe?: Probe;
  livenessProbe?: Probe;
  resources: ResourceRequirements;
  securityContext: ContainerSecurityContext;
  volumeMounts: Array<{ name: string; mountPath: string; readOnly?: boolean }>;
}

export interface Volume {
  name: string;
  configMap?: { name: string; optional: boolean };
  emptyDir?: Record<string, never>;
}

export interface PodAffinityTerm {
  labelSelector: LabelSelector;
  topologyKey: string;
}

export interface Affinity {
  podAntiAffinity: {
    requiredDuringSchedulingIgnoredDuringExecution?: PodAffinityTerm[];
    preferredDuringSchedulingIgnoredDuringExecution?: Array<{
      weight: number;
      podAffinityTerm: PodAffinityTerm;
    }>;
  };
}

export interface PodSpec {
  automountServiceAccountToken: boolean;
  enableServiceLinks: boolean;
  terminationGracePeriodSeconds: number;
  securityContext: { runAsNonRoot: boolean; seccompProfile: { type: 'RuntimeDefault' } };
  imagePullSecrets?: Array<{ name: string }>;
  nodeSelector?: Record<string, string>;
  tolerations?: Toleration[];
  affinity?: Affinity;
  initContainers: Container[];
  containers: Container[];
  volumes: Volume[];
}

export interface StatefulSet {
  apiVersion: 'apps/v1';
  kind: 'StatefulSet';
  metadata: ChildMeta;
  spec: {
    replicas: number;
    serviceName: string;
    podManagementPolicy: 'Parallel' | 'OrderedReady';
    updateStrategy: { type: 'RollingUpdate'; rollingUpdate: { partition: number } };
    selector: LabelSelector;
    template: {
      metadata: { labels: Record<string, string>; annotations: Record<string, string> };
      spec: PodSpec;
    };
  };
}

// ---- Live objects (read, never built) ----

export interface LiveService {
  metadata: { name: string; namespace?: string; labels?: Record<string, string> };
  spec?: {
    type?: string;
    clusterIP?: string;
    ports?: Array<{ name?: string; port: number; nodePort?: number; targetPort?: IntOrString }>;
  };
  status?: { loadBalancer?: { ingress?: Array<{ ip?: string; hostname?: string }> } };
}

export interface NodeAddress {
  type: string;
  address: string;
}

export interface LiveNode {
  metadata: { name: string };
  status?: {
    addresses?: NodeAddress[];
    conditions?: Array<{ type: string; status: string }>;
  };
}

export interface LivePod {
  metadata: { name: string };
  spec?: { nodeName?: string };
}

export interface LiveConfigMap {
  metadata: { name: string };
  data?: Record<string, string>;
}
