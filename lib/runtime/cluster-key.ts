// Which GpssCluster an ApiServerSource event concerns: the CR itself, or the cluster that owns a
// child (owner reference to the CR, or for pods the instance label the StatefulSet stamps on them).
import { API_VERSION, KIND, LABELS, MANAGED_BY } from '../api/types';
import { BadEventError } from './errors';
import type { ApiServerEvent } from './events/apiserver';

export interface ClusterRef {
  namespace: string;
  name: string;
}

/** An event this function cannot map to a cluster: a misrouted sink or misconfigured source. */
export class UnrelatedEventError extends BadEventError {}

interface MaybeOwned {
  metadata?: {
    labels?: Record<string, string>;
    ownerReferences?: Array<{ apiVersion: string; kind: string; name: string }>;
  };
}

/**
 * The cluster an event is about. `kinds` lists the kinds this function subscribes to; anything else
 * (a wrong sink, a misconfigured source) is a bad request, not a reason to read the API.
 */
export function clusterRefOf(ev: ApiServerEvent, kinds: readonly string[]): ClusterRef {
  if (!kinds.includes(ev.kind)) {
    throw new UnrelatedEventError(
      `kind ${ev.kind} is not handled here (expected one of ${kinds.join(', ')})`,
    );
  }
  if (!ev.namespace) throw new UnrelatedEventError(`${ev.kind} ${ev.name} has no namespace`);
  if (ev.kind === KIND) {
    if (ev.apiVersion !== API_VERSION)
      throw new UnrelatedEventError(`${ev.kind} apiVersion ${ev.apiVersion} is not ${API_VERSION}`);
    return { namespace: ev.namespace, name: ev.name };
  }
  const obj = (ev.object ?? {}) as MaybeOwned;
  const owner = obj.metadata?.ownerReferences?.find(
    (o) => o.kind === KIND && o.apiVersion.startsWith('gpss.gpdb.io/'),
  );
  if (owner) return { namespace: ev.namespace, name: owner.name };
  const labels = obj.metadata?.labels ?? {};
  if (labels[LABELS.managedBy] === MANAGED_BY && labels[LABELS.instance]) {
    return { namespace: ev.namespace, name: labels[LABELS.instance] };
  }
  throw new UnrelatedEventError(`${ev.kind} ${ev.namespace}/${ev.name} is not owned by a ${KIND}`);
}
