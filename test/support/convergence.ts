// What "converged" means for a GpssCluster, checked object by object against the API server: the list
// of differences is empty, or names exactly what differs (a failing scenario reports it).
import type { GpssCluster } from '../../lib/api/types';
import type { KubeClient } from '../../lib/k8s/client';

interface Meta {
  name: string;
  uid: string;
  deletionTimestamp?: string;
  generation?: number;
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

export async function differences(
  kube: KubeClient,
  ns: string,
  name: string,
  opts: { phase?: boolean } = {},
): Promise<string[]> {
  const d: string[] = [];
  const cr = await kube.get<GpssCluster>('gpssclusters', ns, name);
  const sel = `app.kubernetes.io/instance=${name},app.kubernetes.io/managed-by=gpss-operator`;
  const [pods, svcs, sts, cm] = await Promise.all([
    kube.list<Pod>('pods', ns, { labelSelector: sel }),
    kube.list<Svc>('services', ns, { labelSelector: sel }),
    kube.get<Sts>('statefulsets', ns, name),
    kube.get<{ data?: Record<string, string> }>('configmaps', ns, `${name}-instance-config`),
  ]);
  if (!cr) {
    if (pods.items.length) d.push(`pods remain after deletion: ${pods.items.map((p) => p.metadata.name)}`);
    if (svcs.items.length)
      d.push(`services remain after deletion: ${svcs.items.map((s) => s.metadata.name)}`);
    if (sts) d.push('StatefulSet remains after deletion');
    if (cm) d.push('instance ConfigMap remains after deletion');
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
  const st = cr.status ?? {};
  if (st.observedGeneration !== cr.metadata.generation)
    d.push(`status.observedGeneration ${st.observedGeneration}, want ${cr.metadata.generation}`);
  if (opts.phase !== false && st.phase !== (size === 0 ? 'Stopped' : 'Ready')) d.push(`phase ${st.phase}`);
  return d;
}
