// GPSS reads its config once, at start: an instance whose advertised address changed keeps
// advertising the old one until it restarts. The instance ConfigMap records that as a mark
// (`restart-<ordinal>: <pod uid>`), so the decision survives this event, and the marked pods are
// restarted one at a time, each only when every instance is Ready again.
import type { GpssCluster } from '../../lib/api/types';
import { clusterIdOf } from '../../lib/api/validate-config';
import type { ConfigMap, DesiredState, LivePod } from '../../lib/desired';
import type { Observed } from '../../lib/k8s/observe';
import { CLUSTER_ID_ANNOTATION, RESTART_PREFIX, type Step } from './steps';

/** The ConfigMap to apply: the running Cluster.Id, and restart marks for instances whose address changed. */
export function withInstanceAnnotations(cr: GpssCluster, d: DesiredState, o: Observed): ConfigMap {
  const annotations: Record<string, string> = {
    ...d.configMap.metadata.annotations,
    [CLUSTER_ID_ANNOTATION]: clusterIdOf(cr.spec.gpss_config) ?? '',
  };
  const live = o.configMap?.metadata.annotations ?? {};
  for (const inst of d.instances) {
    const pod = o.pods.find((p) => p.metadata.name === inst.podName);
    const key = `${RESTART_PREFIX}${inst.ordinal}`;
    if (!pod?.metadata.uid) continue;
    // A mark stays until the pod it names is gone; a new mark names the pod that still runs the old address.
    if (live[key] === pod.metadata.uid) annotations[key] = pod.metadata.uid;
    else if (inst.addressChanged) annotations[key] = pod.metadata.uid;
  }
  return { ...d.configMap, metadata: { ...d.configMap.metadata, annotations } };
}

/** The first marked pod (by mark), once no instance is starting or stopping; nothing otherwise. */
export function planRestart(annotations: Record<string, string>, pods: LivePod[]): Step[] {
  const marked = Object.entries(annotations).filter(([k]) => k.startsWith(RESTART_PREFIX));
  if (marked.length === 0) return [];
  const busy = pods.some(
    (p) =>
      p.metadata.deletionTimestamp ||
      !p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'),
  );
  if (busy) return []; // one at a time: wait until every instance is Ready again
  const [mark, uid] = marked.sort()[0]!;
  const pod = pods.find((p) => p.metadata.uid === uid);
  if (!pod) return [];
  const name = pod.metadata.name;
  return [
    { do: 'restart', pod: name, uid, mark },
    {
      do: 'event',
      event: {
        type: 'Normal',
        reason: 'InstanceReaddressed',
        message: `restarted ${name} so it advertises its new gpfdist address`,
        occurrence: uid,
      },
    },
  ];
}
