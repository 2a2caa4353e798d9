// Objects for the unit tests of the planners: a cluster and its pods in the states finalize meets.
import { FINALIZERS, type GpssCluster, type GpssClusterSpec } from '../../lib/api/types';
import type { InstancePod } from './pod-state';

export const T0 = Date.parse('2026-03-01T10:00:00Z');
export const at = (seconds: number) => new Date(T0 + seconds * 1000);
/** A GpssCluster's timestamps (plain JSON) are strings. */
export const iso = (seconds: number) => at(seconds).toISOString().replace('.000Z', 'Z');

export function cluster(
  spec: Partial<GpssClusterSpec> = {},
  meta: Partial<GpssCluster['metadata']> = {},
): GpssCluster {
  return {
    apiVersion: 'gpss.gpdb.io/v1',
    kind: 'GpssCluster',
    metadata: {
      name: 'g',
      namespace: 'ns',
      uid: 'cr-uid',
      generation: 2,
      finalizers: [FINALIZERS.cluster],
      ...meta,
    },
    spec: { size: 3, image: 'gpss:1', gpss_config: '{}', finalize_timeout_seconds: 100, ...spec },
  };
}

export interface PodOpts {
  finalizers?: string[];
  /** Seconds after T0 the deletion was requested; undefined = not being deleted. */
  deletedAt?: number;
  grace?: number;
  /** The node released it (deletionGracePeriodSeconds 0). */
  released?: boolean;
  node?: string | null;
  state?: 'running' | 'terminated' | 'waiting';
}

/** An instance pod as the client library reads it: deletionTimestamp is a Date. */
export function pod(ordinal: number, o: PodOpts = {}): InstancePod {
  const grace = o.released ? 0 : (o.grace ?? 60);
  return {
    metadata: {
      name: `g-${ordinal}`,
      namespace: 'ns',
      uid: `uid-${ordinal}`,
      labels: { 'app.kubernetes.io/instance': 'g', 'app.kubernetes.io/managed-by': 'gpss-operator' },
      finalizers: o.finalizers ?? [FINALIZERS.instance],
      ...(o.deletedAt !== undefined
        ? { deletionTimestamp: at(o.deletedAt + grace), deletionGracePeriodSeconds: grace }
        : {}),
    },
    spec: o.node === null ? {} : { nodeName: o.node ?? 'node-0' },
    status: {
      phase: 'Running',
      containerStatuses: [{ name: 'gpss', state: { [o.state ?? 'running']: {} } }],
    },
  };
}
