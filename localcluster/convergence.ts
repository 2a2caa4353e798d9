// What "converged" means for a GpssCluster, checked object by object against the API server: the list
// of differences is empty, or names exactly what differs (a failing scenario reports it).
import type { GpssCluster } from '../lib/api/types';
import type { KubeClient } from '../lib/k8s/client';

interface Meta {
  name: string;
  uid: string;
  deletionTimestamp?: string;
  generation?: number;
  finalizers?: string[];
}
interface Pod {
  metadata: Meta;
  spec: { containers: Array<{ image: string }> };
  status: { conditions?: Array<{ type: string; status: string }> };
}
interface Svc {
  metadata: Meta & { labels?: Record<string, string> };
  spec: { type: string; ports: Array<{ nodePort?: number; targetPort: number | string }> };
}
interface Sts {
  metadata: Meta;
  spec: { replicas: number; template: { spec: { containers: Array<{ image: string }> } } };
  status: {
    readyReplicas?: number;
    updatedReplicas?: number;
    currentRevision?: string;
    updateRevision?: string;
    observedGeneration?: number;
  };
}

interface Pdb {
  metadata: Meta;
  spec: { maxUnavailable?: number | string; selector?: { matchLabels?: Record<string, string> } };
}
interface Ev {
  type?: string;
  reason?: string;
  message?: string;
  involvedObject?: { kind?: string; name?: string };
  lastTimestamp?: string | Date;
  eventTime?: string | Date;
}

export const CLUSTER_FINALIZER = 'gpss.gpdb.io/finalizer';
export const INSTANCE_FINALIZER = 'gpss.gpdb.io/instance';

export interface ConvergenceOptions {
  /** Check the phase (Ready, or Stopped at size 0); default true. */
  phase?: boolean;
  /**
   * Everything a converged cluster shows beyond its objects: finalizers on the CR and every instance
   * (finalize runs) and the status conditions of all three functions at the current generation.
   * Default true; off where a scenario runs without finalize. (Warnings: see warningsSince.)
   */
  strict?: boolean;
}

/**
 * What still differs between the cluster and its spec; empty when converged. For a deleted cluster:
 * whatever is left of it (children, the disruption budget, a finalizer).
 */
export async function differences(
  kube: KubeClient,
  ns: string,
  name: string,
  opts: ConvergenceOptions = {},
): Promise<string[]> {
  const d: string[] = [];
  const cr = await kube.get<GpssCluster>('gpssclusters', ns, name);
  const sel = `app.kubernetes.io/instance=${name},app.kubernetes.io/managed-by=gpss-operator`;
  const [pods, svcs, sts, cm, pdb] = await Promise.all([
    kube.list<Pod>('pods', ns, { labelSelector: sel }),
    kube.list<Svc>('services', ns, { labelSelector: sel }),
    kube.get<Sts>('statefulsets', ns, name),
    kube.get<{ data?: Record<string, string> }>('configmaps', ns, `${name}-instance-config`),
    kube.get<Pdb>('poddisruptionbudgets', ns, name),
  ]);
  if (!cr) {
    if (pods.items.length) d.push(`pods remain after deletion: ${pods.items.map((p) => p.metadata.name)}`);
    if (svcs.items.length)
      d.push(`services remain after deletion: ${svcs.items.map((s) => s.metadata.name)}`);
    if (sts) d.push('StatefulSet remains after deletion');
    if (cm) d.push('instance ConfigMap remains after deletion');
    if (pdb) d.push('PodDisruptionBudget remains after deletion');
    for (const p of pods.items)
      if (p.metadata.finalizers?.length)
        d.push(`pod ${p.metadata.name} keeps finalizers ${p.metadata.finalizers.join(', ')}`);
    return d;
  }
  const size = cr.spec.size ?? 1;
  const image = cr.spec.image;
  const gpfdistType = cr.spec.service?.gpfdist ?? 'LoadBalancer';
  if (!sts) return [...d, 'StatefulSet missing'];
  if (sts.spec.replicas !== size) d.push(`StatefulSet replicas ${sts.spec.replicas}, want ${size}`);
  if (sts.spec.template.spec.containers[0].image !== image)
    d.push(`StatefulSet image ${sts.spec.template.spec.containers[0].image}, want ${image}`);
  if (sts.status.observedGeneration !== sts.metadata.generation)
    d.push('StatefulSet status not observed yet');
  if ((sts.status.readyReplicas ?? 0) !== size)
    d.push(`StatefulSet ready ${sts.status.readyReplicas ?? 0}/${size}`);
  if (size > 0 && sts.status.currentRevision !== sts.status.updateRevision)
    d.push('StatefulSet rollout not finished');

  const wantPods = Array.from({ length: size }, (_, i) => `${name}-${i}`);
  const havePods = pods.items.map((p) => p.metadata.name).sort();
  if (JSON.stringify(havePods) !== JSON.stringify(wantPods.sort()))
    d.push(`pods ${havePods}, want ${wantPods}`);
  for (const p of pods.items) {
    if (p.metadata.deletionTimestamp) d.push(`pod ${p.metadata.name} terminating`);
    if (!p.status.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'))
      d.push(`pod ${p.metadata.name} not Ready`);
    if (p.spec.containers[0].image !== image)
      d.push(`pod ${p.metadata.name} image ${p.spec.containers[0].image}`);
  }

  const wantSvcs = new Set([
    `${name}-headless`,
    `${ns}-${name}-gpss-service`,
    ...Array.from({ length: size }, (_, i) => `${name}-gpfdist-${i}`),
  ]);
  for (const s of svcs.items)
    if (!wantSvcs.has(s.metadata.name)) d.push(`orphaned Service ${s.metadata.name}`);
  const configs = cm?.data ?? {};
  const wantKeys = Array.from({ length: size }, (_, i) => `${name}-${i}.json`);
  if (JSON.stringify(Object.keys(configs).sort()) !== JSON.stringify(wantKeys.sort()))
    d.push(`instance configs ${Object.keys(configs)}, want ${wantKeys}`);
  for (const want of wantSvcs) {
    const s = svcs.items.find((x) => x.metadata.name === want);
    if (!s) {
      d.push(`Service ${want} missing`);
      continue;
    }
    const m = /-gpfdist-(\d+)$/.exec(want);
    if (!m) continue;
    if (s.spec.type !== gpfdistType) d.push(`Service ${want} type ${s.spec.type}, want ${gpfdistType}`);
    const cfg = configs[`${name}-${m[1]}.json`];
    if (cfg && gpfdistType === 'NodePort' && JSON.parse(cfg).Gpfdist?.Port !== s.spec.ports[0].nodePort) {
      d.push(
        `instance ${m[1]} advertises port ${JSON.parse(cfg).Gpfdist?.Port}, its Service has node port ${s.spec.ports[0].nodePort}`,
      );
    }
  }
  if (size >= 2 && !pdb) d.push('PodDisruptionBudget missing');
  if (size < 2 && pdb) d.push(`PodDisruptionBudget present at size ${size}`);
  if (pdb && pdb.spec.maxUnavailable !== 1)
    d.push(`PodDisruptionBudget maxUnavailable ${pdb.spec.maxUnavailable}, want 1`);
  if (pdb && pdb.spec.selector?.matchLabels?.['app.kubernetes.io/instance'] !== name)
    d.push('PodDisruptionBudget selects other pods');
  d.push(...statusDifferences(cr, opts));
  if (opts.strict === false) return d;
  for (const p of pods.items)
    if (!p.metadata.finalizers?.includes(INSTANCE_FINALIZER))
      d.push(`pod ${p.metadata.name} lacks ${INSTANCE_FINALIZER}`);
  return d;
}

/**
 * What the GpssCluster object alone shows still differing (its status, and with `strict` its
 * finalizer and every function's conditions): a poll can check it from one read before it reads
 * the children.
 */
export function statusDifferences(cr: GpssCluster, opts: ConvergenceOptions = {}): string[] {
  const d: string[] = [];
  const size = cr.spec.size ?? 1;
  const st = cr.status ?? {};
  if (st.observedGeneration !== cr.metadata.generation)
    d.push(`status.observedGeneration ${st.observedGeneration}, want ${cr.metadata.generation}`);
  if (opts.phase !== false && st.phase !== (size === 0 ? 'Stopped' : 'Ready')) d.push(`phase ${st.phase}`);
  if (opts.strict === false) return d;
  if (!cr.metadata.finalizers?.includes(CLUSTER_FINALIZER)) d.push(`GpssCluster lacks ${CLUSTER_FINALIZER}`);
  d.push(...conditionDifferences(cr, size));
  return d;
}

/**
 * Warning Events for the cluster recorded after `since` (Event timestamps have whole seconds: only
 * those from the next second on count). A rollout may warn on its way (an instance stops being
 * ready); once converged, nothing may.
 */
export async function warningsSince(
  kube: KubeClient,
  ns: string,
  name: string,
  since: Date,
): Promise<string[]> {
  const events = await kube.list<Ev>('events', ns, {
    fieldSelector: `involvedObject.kind=GpssCluster,involvedObject.name=${name},type=Warning`,
  });
  const from = Math.floor(since.getTime() / 1000) * 1000 + 1000;
  return events.items
    .filter((e) => new Date(e.lastTimestamp ?? e.eventTime ?? 0).getTime() >= from)
    .map((e) => `Warning Event ${e.reason}: ${e.message}`);
}

/** What each function reports on a converged cluster, at the current generation. */
const CONVERGED: Record<string, { status: string; reason?: string }> = {
  ConfigValid: { status: 'True' },
  Progressing: { status: 'False', reason: 'Converged' },
  ExternalAddressReady: { status: 'True' },
  Ready: { status: 'True' },
};

function conditionDifferences(cr: GpssCluster, size: number): string[] {
  const d: string[] = [];
  const conds = cr.status?.conditions ?? [];
  const gen = cr.metadata.generation;
  for (const [type, want] of Object.entries(CONVERGED)) {
    if (type === 'Ready' && size === 0) continue;
    const c = conds.find((x) => x.type === type);
    if (!c) d.push(`condition ${type} missing`);
    else if (c.status !== want.status || (want.reason && c.reason !== want.reason))
      d.push(
        `condition ${type}=${c.status}/${c.reason}, want ${want.status}${want.reason ? `/${want.reason}` : ''}`,
      );
  }
  for (const c of conds) {
    if (c.observedGeneration !== undefined && c.observedGeneration !== gen)
      d.push(`condition ${c.type} observedGeneration ${c.observedGeneration}, want ${gen}`);
    if (c.type.endsWith('Failed') && c.status === 'True')
      d.push(`condition ${c.type}=True/${c.reason}: ${c.message}`);
  }
  return d;
}
