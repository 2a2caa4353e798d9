// The Kubernetes objects the builders emit and the live objects they read, as the client library's
// model types. Imported with `import type` only: the types are erased at build time, so the pure
// builders stay free of the library's runtime (HTTP, config loading) and of any I/O.
//
// The models mark almost every field optional. Where a builder always sets a field and its callers
// rely on it, the types below narrow the model (`V1Service & { spec: ... }`) instead of re-declaring
// the Kubernetes fields. Read objects are the library's class instances: their date-time fields are
// Date objects, not strings (read them with toMillis, lib/k8s/time.ts).

import type {
  V1ConfigMap,
  V1Container,
  V1Node,
  V1ObjectMeta,
  V1OwnerReference,
  V1Pod,
  V1PodDisruptionBudget,
  V1PodDisruptionBudgetSpec,
  V1PodSpec,
  V1PodTemplateSpec,
  V1Service,
  V1ServicePort,
  V1ServiceSpec,
  V1StatefulSet,
  V1StatefulSetSpec,
  V1Volume,
} from '@kubernetes/client-node';

/** The metadata every child gets: namespaced like its owner, labelled, owned by the GpssCluster. */
export type ChildMeta = V1ObjectMeta & {
  name: string;
  namespace: string;
  labels: Record<string, string>;
  ownerReferences: V1OwnerReference[];
};

// ---- Built (what we apply) ----

export type Service = V1Service & {
  apiVersion: 'v1';
  kind: 'Service';
  metadata: ChildMeta;
  spec: V1ServiceSpec & { selector: Record<string, string>; ports: V1ServicePort[] };
};

export type ConfigMap = V1ConfigMap & {
  apiVersion: 'v1';
  kind: 'ConfigMap';
  metadata: ChildMeta;
  data: Record<string, string>;
};

export type PodDisruptionBudget = V1PodDisruptionBudget & {
  apiVersion: 'policy/v1';
  kind: 'PodDisruptionBudget';
  metadata: ChildMeta;
  spec: V1PodDisruptionBudgetSpec;
};

/** The instance pod template's spec: init container and volumes always set. */
export type PodSpec = V1PodSpec & { initContainers: V1Container[]; volumes: V1Volume[] };

export type StatefulSet = V1StatefulSet & {
  apiVersion: 'apps/v1';
  kind: 'StatefulSet';
  metadata: ChildMeta;
  spec: V1StatefulSetSpec & {
    replicas: number;
    template: V1PodTemplateSpec & {
      metadata: V1ObjectMeta & { labels: Record<string, string>; annotations: Record<string, string> };
      spec: PodSpec;
    };
  };
};

// ---- Live (read, never built) ----

/** An object as the API server returns it: its metadata is always there, with a name. */
export type Live<T extends { metadata?: V1ObjectMeta }> = T & { metadata: V1ObjectMeta & { name: string } };

export type LiveService = Live<V1Service>;
export type LiveNode = Live<V1Node>;
export type LivePod = Live<V1Pod>;
export type LiveConfigMap = Live<V1ConfigMap>;
export type LiveStatefulSet = Live<V1StatefulSet>;
export type LivePodDisruptionBudget = Live<V1PodDisruptionBudget>;
