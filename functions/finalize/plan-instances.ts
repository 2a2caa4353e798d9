// A live cluster (not being deleted): guard it and its instance pods with finalizers, and let an
// instance pod go only once its GPSS process has stopped. An instance beyond spec.size (scale-in)
// loses its gpfdist Service at that moment, never earlier: Greenplum segments may still be pulling
// from that address while the process drains. An instance within size (rolling update, eviction,
// restart) keeps its Service, so its replacement comes back at the same address.
//
// maintenance: true suspends all of it: no finalizer is added and a deleted pod is not let go until
// its time box expires (then it is let go, its Service kept: reconcile removes a surplus Service
// once the pod is gone and maintenance is over). Manual work on the instances is never blocked for
// longer than finalize_timeout_seconds.
import { FINALIZERS, finalizeTimeoutSeconds, type GpssCluster } from '../../lib/api/types';
import { effectiveSize } from '../../lib/desired/effective';
import { gpfdistServiceName, ordinalOf } from '../../lib/desired/names';
import { hasFinalizer } from './finalizers';
import { deletionStartedAt, type InstancePod, stoppedBecause } from './pod-state';
import { byName, CONDITIONS, type Plan, type Step } from './steps';

export function planInstances({ cr, pods, now }: { cr: GpssCluster; pods: InstancePod[]; now: Date }): Plan {
  const maintenance = !!cr.spec.maintenance;
  const size = effectiveSize(cr);
  const timeout = finalizeTimeoutSeconds(cr.spec);
  const steps: Step[] = [];
  const forced: string[] = [];
  let waiting = 0;
  if (!maintenance && !hasFinalizer(cr, FINALIZERS.cluster)) steps.push({ do: 'add-cluster-finalizer' });

  for (const pod of byName(pods)) {
    const name = pod.metadata.name;
    if (!pod.metadata.deletionTimestamp) {
      if (!maintenance && !hasFinalizer(pod, FINALIZERS.instance))
        steps.push({ do: 'add-instance-finalizer', pod: name });
      continue;
    }
    if (!hasFinalizer(pod, FINALIZERS.instance)) continue;
    const stopped = stoppedBecause(pod);
    const expired = now.getTime() >= (deletionStartedAt(pod) ?? 0) + timeout * 1000;
    if (!expired && (!stopped || maintenance)) {
      waiting++;
      continue;
    }
    const ordinal = ordinalOf(cr, name);
    const service = ordinal === undefined ? undefined : gpfdistServiceName(cr, ordinal);
    const beyond = ordinal !== undefined && ordinal >= size;
    const dropService = beyond && !maintenance ? service : undefined;
    const serviceText = !service
      ? 'no instance Service'
      : dropService
        ? `deleted its gpfdist Service ${service}`
        : beyond
          ? `kept its gpfdist Service ${service} (maintenance; reconcile removes it later)`
          : `kept its gpfdist Service ${service} (instance ${ordinal} is within size ${size})`;
    if (stopped && !maintenance) {
      if (dropService) {
        steps.push({
          do: 'event',
          event: {
            type: 'Normal',
            reason: 'InstanceRemoved',
            message: `${name} stopped (${stopped}); instance ${ordinal} is beyond size ${size}: deleting its gpfdist Service ${dropService}`,
            occurrence: pod.metadata.uid ?? name,
          },
        });
        steps.push({ do: 'delete-service', service: dropService, pod: name });
      }
      steps.push({ do: 'release-instance', pod: name, why: stopped });
      continue;
    }
    const cause = stopped
      ? 'was held by maintenance'
      : 'had not stopped (its node never confirmed termination)';
    const message = `${name} ${cause} ${timeout}s after its deletion began (finalize_timeout_seconds); ${serviceText} and released its instance finalizer`;
    forced.push(message);
    steps.push({
      do: 'event',
      event: {
        type: 'Warning',
        reason: 'InstanceTerminationForced',
        message,
        occurrence: pod.metadata.uid ?? name,
      },
    });
    if (dropService) steps.push({ do: 'delete-service', service: dropService, pod: name });
    steps.push({ do: 'release-instance', pod: name, why: 'time box expired' });
  }

  const conditions = forced.length
    ? [
        {
          type: CONDITIONS.forced,
          status: 'True' as const,
          reason: 'TimeBoxExpired',
          message: forced.join('; '),
          observedGeneration: cr.metadata.generation,
        },
      ]
    : [];
  const outcome = steps.length
    ? 'applied'
    : waiting
      ? maintenance
        ? 'maintenance'
        : 'draining'
      : 'unchanged';
  return { outcome, steps, conditions };
}
