// Kubernetes Events with stable reasons. The name is derived from what happened (cluster uid, reason,
// and a caller-chosen discriminator), so a replayed event finds its Event already there (409) and
// writes nothing new: `kubectl describe` tells the story once per occurrence, not once per delivery.
import { createHash } from 'node:crypto';
import type { GpssCluster } from '../api/types';
import { API_VERSION, KIND } from '../api/types';
import type { KubeClient } from './client';
import { hasStatus, kubeApiError } from './errors';

export interface EventSpec {
  type: 'Normal' | 'Warning';
  reason: string;
  message: string;
  /** Distinguishes occurrences of the same reason (e.g. the generation, a pod uid). */
  occurrence: string;
  component: string;
}

export async function recordEvent(kube: KubeClient, cr: GpssCluster, e: EventSpec, now: Date): Promise<void> {
  const id = createHash('sha256')
    .update(`${cr.metadata.uid}/${e.reason}/${e.occurrence}`)
    .digest('hex')
    .slice(0, 12);
  const ts = now.toISOString();
  const event = {
    apiVersion: 'v1',
    kind: 'Event',
    metadata: { name: `${cr.metadata.name}.${id}`, namespace: cr.metadata.namespace },
    involvedObject: {
      apiVersion: API_VERSION,
      kind: KIND,
      name: cr.metadata.name,
      namespace: cr.metadata.namespace,
      uid: cr.metadata.uid,
    },
    type: e.type,
    reason: e.reason,
    message: e.message.slice(0, 1024),
    source: { component: e.component },
    reportingComponent: e.component,
    reportingInstance: e.component,
    action: e.reason,
    firstTimestamp: ts,
    lastTimestamp: ts,
    count: 1,
  };
  try {
    await kube.create(event);
  } catch (err) {
    if (hasStatus(err, 409)) return;
    // A namespace being deleted refuses new content, Events included; the work the Event describes
    // (releasing a finalizer, most often) must go on.
    if (inTerminatingNamespace(err)) return;
    throw new Error(`recording event ${e.reason} for ${cr.metadata.namespace}/${cr.metadata.name}`, {
      cause: err,
    });
  }
}

function inTerminatingNamespace(err: unknown): boolean {
  const api = kubeApiError(err);
  return api?.status === 403 && api.message.includes('because it is being terminated');
}
