// Reconciles one GpssCluster: validate, observe, build the desired children with the pure builders,
// apply only what differs (server-side apply, field manager gpss-reconcile), write this function's
// status conditions only when they change. Everything it needs is re-read: the event is only a hint.
import { FIELD_MANAGERS, type GpssCluster } from '../../lib/api/types';
import { clusterIdOf, etcdEndpointsOf, shareEtcd, validateSpec } from '../../lib/api/validate-config';
import { applyReason, withAppliedHash } from '../../lib/apply/diff';
import {
  buildDesired,
  type DesiredState,
  formatAddress,
  gpfdistServiceType,
  gpssAddress,
  gpssPorts,
  gpssServiceType,
  instancePodName,
  nameProblems,
  nodeInfo,
  requireGpssConfig,
  selectorString,
} from '../../lib/desired';
import type { LivePod, LiveService } from '../../lib/desired/k8s-types';
import type { KubeClient } from '../../lib/k8s/client';
import { kubeApiError } from '../../lib/k8s/errors';
import type { Logger } from '../../lib/log';
import { type Observed, observeCluster } from '../../lib/observe';
import { recordEvent } from '../../lib/record-event';
import {
  type ConditionInput,
  conditionsMatch,
  findCondition,
  setCondition,
} from '../../lib/status/conditions';
import { listWatched } from '../../lib/watch-scope';

const MANAGER = FIELD_MANAGERS.reconcile;
/** On the instance ConfigMap: the Cluster.Id the cluster runs with (a change would orphan its etcd state). */
export const CLUSTER_ID_ANNOTATION = 'gpss.gpdb.io/cluster-id';
/** On the instance ConfigMap: `restart-<ordinal>: <pod uid>` marks a running instance whose address changed. */
export const RESTART_PREFIX = 'gpss.gpdb.io/restart-';

export interface ReconcileResult {
  outcome: 'gone' | 'deleting' | 'invalid' | 'maintenance' | 'applied' | 'unchanged';
  applied: string[];
}

interface Ctx {
  kube: KubeClient;
  log: Logger;
  now: () => Date;
  seen?: (cr: GpssCluster) => void;
}

export async function reconcileCluster(ctx: Ctx, namespace: string, name: string): Promise<ReconcileResult> {
  const { kube, log } = ctx;
  const cr = await kube.get<GpssCluster>('gpssclusters', namespace, name);
  if (!cr) return { outcome: 'gone', applied: [] };
  ctx.seen?.(cr);
  if (cr.metadata.deletionTimestamp) return { outcome: 'deleting', applied: [] };

  const nodePorts = gpfdistServiceType(cr) === 'NodePort' || gpssServiceType(cr) === 'NodePort';
  const observed = await observeCluster(kube, cr, { nodes: nodePorts });
  // In maintenance nothing is applied, so nothing is dry-run either.
  const invalid =
    (await configProblems(kube, cr, observed)) ??
    (cr.spec.maintenance ? undefined : await refusedByApiServer(ctx, cr, observed));
  const gen = cr.metadata.generation;
  if (invalid) {
    log.warn(
      { reason: invalid.reason, problem: invalid.message },
      'configuration rejected; cluster keeps its last valid config',
    );
    // The cluster keeps running: its last GPSS address stays in the status (the rejected spec may not
    // even parse), and Progressing says this generation is not applied rather than an old "Converged".
    const changed = await writeStatus(
      ctx,
      cr,
      [
        {
          type: 'ConfigValid',
          status: 'False',
          reason: invalid.reason,
          message: invalid.message,
          observedGeneration: gen,
        },
        {
          type: 'Progressing',
          status: 'False',
          reason: 'ConfigInvalid',
          message: `generation ${gen} is not applied: the instances keep running the last valid spec`,
          observedGeneration: gen,
        },
      ],
      undefined,
      cr.status?.gpssAddress,
    );
    if (changed) {
      await recordEvent(
        kube,
        cr,
        {
          type: 'Warning',
          reason: invalid.reason,
          message: invalid.message,
          occurrence: `${gen}`,
          component: MANAGER,
        },
        ctx.now(),
      );
      // Once per rejected generation, the API server's own verdict on the StatefulSet goes to the
      // log beside ours (npm run logs shows both): a dry run, so nothing is written.
      if (invalid.reason === 'InvalidConfig' && !cr.spec.maintenance) {
        const verdict = await refusedByApiServer(ctx, cr, observed).catch(() => undefined);
        if (verdict) log.warn({ problem: verdict.message }, 'the API server refuses it too');
      }
    }
    return { outcome: 'invalid', applied: [] };
  }

  const valid: ConditionInput = {
    type: 'ConfigValid',
    status: 'True',
    reason: 'Valid',
    message: 'gpss_config is valid',
    observedGeneration: gen,
  };

  if (cr.spec.maintenance) {
    log.info({ decision: 'maintenance' }, 'maintenance mode: observing only');
    await writeStatus(
      ctx,
      cr,
      [
        valid,
        {
          type: 'Progressing',
          status: 'False',
          reason: 'Maintenance',
          message: 'spec.maintenance is true: no changes are made',
          observedGeneration: gen,
        },
      ],
      undefined,
      cr.status?.gpssAddress,
    );
    return { outcome: 'maintenance', applied: [] };
  }

  const applied: string[] = [];
  const apply = async <T = unknown>(
    obj: {
      apiVersion: string;
      kind: string;
      metadata: { name: string; namespace: string; annotations?: Record<string, string> };
    },
    live: { metadata: { annotations?: Record<string, string> } } | undefined,
  ) => {
    const want = withAppliedHash(obj);
    const why = applyReason(want, live);
    if (!why) return undefined;
    log.info(
      { decision: 'apply', kind: obj.kind, name: obj.metadata.name, why },
      `apply ${obj.kind} ${obj.metadata.name}`,
    );
    applied.push(`${obj.kind}/${obj.metadata.name}`);
    return kube.apply<T>(want, { fieldManager: MANAGER, force: true });
  };

  // Services first: a NodePort or LoadBalancer address exists only once its Service does, and the
  // instance configs are rendered from those addresses (second pass, same event).
  let desired = buildDesired(cr, observed);
  const services = [...observed.services];
  const byName = (n: string) => services.find((s) => s.metadata.name === n);
  const applyServices = async (d: DesiredState) => {
    let any = false;
    for (const svc of [d.headless, d.gpssService, ...d.gpfdistServices]) {
      const res = await apply<LiveService>(svc, byName(svc.metadata.name));
      if (res) {
        any = true;
        const i = services.findIndex((s) => s.metadata.name === svc.metadata.name);
        if (i >= 0) services[i] = res;
        else services.push(res);
      }
    }
    return any;
  };
  if (await applyServices(desired)) {
    desired = buildDesired(cr, { ...observed, services });
    await applyServices(desired);
  }

  const configMap = withInstanceAnnotations(cr, desired, observed);
  await apply(configMap, observed.configMap);
  const sts = desired.statefulSet;
  const prevReplicas = observed.statefulSet?.spec?.replicas;
  if (await apply(sts, observed.statefulSet)) {
    if (prevReplicas !== undefined && prevReplicas !== sts.spec.replicas) {
      await recordEvent(
        kube,
        cr,
        {
          type: 'Normal',
          reason: 'Scaled',
          message: `StatefulSet scaled from ${prevReplicas} to ${sts.spec.replicas}`,
          occurrence: `${gen}-${prevReplicas}`,
          component: MANAGER,
        },
        ctx.now(),
      );
    }
  }
  if (desired.pdb) await apply(desired.pdb, observed.pdb);
  else if (observed.pdb) {
    log.info({ decision: 'delete', kind: 'PodDisruptionBudget' }, 'size < 2: delete the disruption budget');
    await kube.delete('poddisruptionbudgets', namespace, observed.pdb.metadata.name);
    applied.push('delete PodDisruptionBudget');
  }
  await deleteSurplusServices(ctx, cr, desired, services, observed.pods, applied);
  await restartReaddressedInstances(ctx, cr, configMap.metadata.annotations ?? {}, observed.pods, applied);

  const addressCond = addressCondition(cr, desired);
  await writeStatus(ctx, cr, [valid, progressing(cr, observed, applied), addressCond], {
    ...observed,
    services,
  });
  return { outcome: applied.length ? 'applied' : 'unchanged', applied };
}

function progressing(cr: GpssCluster, o: Observed, applied: string[]): ConditionInput {
  const gen = cr.metadata.generation;
  const st = o.statefulSet?.status;
  const size = cr.spec.size ?? 1;
  if (
    applied.length ||
    !st ||
    st.observedGeneration !== o.statefulSet?.metadata.generation ||
    (st.updatedReplicas ?? 0) < size ||
    (st.readyReplicas ?? 0) < size ||
    (st.replicas ?? 0) !== size
  ) {
    const msg = st
      ? `${st.readyReplicas ?? 0}/${size} ready, ${st.updatedReplicas ?? 0}/${size} updated`
      : 'creating the StatefulSet';
    return {
      type: 'Progressing',
      status: 'True',
      reason: applied.length ? 'Applying' : 'RollingOut',
      message: msg,
      observedGeneration: gen,
    };
  }
  return {
    type: 'Progressing',
    status: 'False',
    reason: 'Converged',
    message: `${size} instance(s) at the desired spec`,
    observedGeneration: gen,
  };
}

async function configProblems(
  kube: KubeClient,
  cr: GpssCluster,
  observed: Observed,
): Promise<{ reason: string; message: string } | undefined> {
  const problems = [...validateSpec(cr.spec).map((p) => `spec.${p.path}: ${p.message}`), ...nameProblems(cr)];
  if (problems.length) return { reason: 'InvalidConfig', message: problems.join('; ') };
  const id = clusterIdOf(cr.spec.gpss_config);
  const running = observed.configMap?.metadata.annotations?.[CLUSTER_ID_ANNOTATION];
  if (running && running !== id) {
    return {
      reason: 'ClusterIdChanged',
      message: `gpss_config.Cluster.Id changed from "${running}" to "${id}": the running instances keep their jobs in etcd under the old Id; recreate the cluster to change it`,
    };
  }
  // Checked when a cluster first claims its Id (nothing recorded yet): once it runs with the Id, a
  // later cluster claiming the same one is the duplicate and is refused at its own first reconcile.
  // This keeps the namespace-wide list off every later event.
  if (running === id) return undefined;
  // Every namespace the operator sees: clusters in different namespaces that share an etcd and an Id
  // would run each other's jobs.
  const others = await listWatched<GpssCluster>(kube, 'gpssclusters');
  const dup = others.find(
    (o) =>
      o.metadata.uid !== cr.metadata.uid &&
      !o.metadata.deletionTimestamp &&
      clusterIdOf(o.spec.gpss_config) === id &&
      shareEtcd(o.spec.gpss_config, cr.spec.gpss_config),
  );
  if (dup)
    return {
      reason: 'DuplicateClusterId',
      message: `spec.gpss_config.Cluster.Id "${id}" is already used by GpssCluster ${dup.metadata.namespace}/${dup.metadata.name} on the same etcd (${etcdEndpointsOf(dup.spec.gpss_config).join(', ')})`,
    };
  return undefined;
}

/** The ConfigMap to apply: the running Cluster.Id, and restart marks for instances whose address changed. */
function withInstanceAnnotations(cr: GpssCluster, d: DesiredState, o: Observed) {
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

/** Restarts, one at a time, instances still running with an address that changed (GPSS reads it once). */
async function restartReaddressedInstances(
  ctx: Ctx,
  cr: GpssCluster,
  annotations: Record<string, string>,
  pods: LivePod[],
  applied: string[],
) {
  const marked = Object.entries(annotations).filter(([k]) => k.startsWith(RESTART_PREFIX));
  if (marked.length === 0) return;
  const busy = pods.some(
    (p) =>
      p.metadata.deletionTimestamp ||
      !p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'),
  );
  if (busy) return; // one at a time: wait until every instance is Ready again
  const [key, uid] = marked.sort()[0];
  const pod = pods.find((p) => p.metadata.uid === uid);
  if (!pod) return;
  ctx.log.info(
    { decision: 'restart', pod: pod.metadata.name, mark: key },
    'restart instance: its advertised address changed',
  );
  await ctx.kube.delete('pods', cr.metadata.namespace!, pod.metadata.name, { preconditions: { uid } });
  applied.push(`restart Pod/${pod.metadata.name}`);
  await recordEvent(
    ctx.kube,
    cr,
    {
      type: 'Normal',
      reason: 'InstanceReaddressed',
      message: `restarted ${pod.metadata.name} so it advertises its new gpfdist address`,
      occurrence: uid,
      component: MANAGER,
    },
    ctx.now(),
  );
}

/** Per-instance Services beyond size, once their pod is gone (finalize owns the ordering while it runs). */
async function deleteSurplusServices(
  ctx: Ctx,
  cr: GpssCluster,
  d: DesiredState,
  services: LiveService[],
  pods: LivePod[],
  applied: string[],
) {
  const wanted = new Set([d.headless, d.gpssService, ...d.gpfdistServices].map((s) => s.metadata.name));
  for (const svc of services) {
    const name = svc.metadata.name;
    if (wanted.has(name)) continue;
    const ordinal = svc.metadata.labels?.['gpss.gpdb.io/instance-ordinal'];
    if (ordinal === undefined) continue;
    if (pods.some((p) => p.metadata.name === instancePodName(cr, Number(ordinal)))) continue;
    ctx.log.info(
      { decision: 'delete', kind: 'Service', name },
      `delete ${name}: instance ${ordinal} is beyond size and gone`,
    );
    if (await ctx.kube.delete('services', cr.metadata.namespace!, name))
      applied.push(`delete Service/${name}`);
  }
}

/** Server-side applies this function's part of the status, only when something visible changes. */
async function writeStatus(
  ctx: Ctx,
  cr: GpssCluster,
  conds: ConditionInput[],
  observed?: Observed,
  /** Without `observed`: the GPSS address to keep reporting. */
  lastAddress?: string,
): Promise<boolean> {
  const status = cr.status ?? {};
  const fields: Record<string, unknown> = {
    observedGeneration: cr.metadata.generation,
    selector: selectorString(cr),
  };
  if (observed) {
    const a = gpssAddress(
      cr,
      observed.services.find(
        (s) => s.metadata.name === `${cr.metadata.namespace}-${cr.metadata.name}-gpss-service`,
      ),
      observed.nodes.map(nodeInfo),
    );
    if (a && !('pending' in a)) fields.gpssAddress = formatAddress(a);
  } else if (lastAddress) {
    fields.gpssAddress = lastAddress;
  }
  const same =
    conditionsMatch(status.conditions, conds) &&
    Object.entries(fields).every(([k, v]) => (status as Record<string, unknown>)[k] === v);
  if (same) return false;
  let merged = status.conditions;
  const now = ctx.now().toISOString();
  for (const c of conds) merged = setCondition(merged, c, now);
  const mine = conds.map((c) => findCondition(merged, c.type)!);
  ctx.log.info(
    { decision: 'status', conditions: conds.map((c) => `${c.type}=${c.status}/${c.reason}`) },
    'write status',
  );
  const patch = {
    apiVersion: cr.apiVersion,
    kind: cr.kind,
    metadata: { name: cr.metadata.name, namespace: cr.metadata.namespace },
    status: { ...fields, conditions: mine },
  };
  await ctx.kube.apply(patch, { fieldManager: MANAGER, force: true, subresource: 'status' });
  return true;
}

/**
 * The safety net behind the validators: a spec they accept can still produce a StatefulSet the API
 * server refuses (a rule no validator here knows). A server-side dry run of the StatefulSet, before
 * anything is applied, turns that refusal into ConfigValid=False naming the GpssCluster field, and
 * no child is half-written. Costs one dry-run request, only when the StatefulSet is about to change.
 */
async function refusedByApiServer(
  ctx: Ctx,
  cr: GpssCluster,
  observed: Observed,
): Promise<{ reason: string; message: string } | undefined> {
  const want = withAppliedHash(buildDesired(cr, observed).statefulSet);
  if (!applyReason(want, observed.statefulSet)) return undefined;
  try {
    await ctx.kube.apply(want, { fieldManager: MANAGER, force: true, dryRun: true });
    return undefined;
  } catch (err) {
    if (!isRefusal(err)) throw err;
    return { reason: 'RefusedByApiServer', message: specTerms(refusalMessage(err)) };
  }
}

/** 422 Invalid, 400 BadRequest, or the 500 server-side apply answers for a value of the wrong type. */
function isRefusal(err: unknown): boolean {
  const api = kubeApiError(err);
  return (
    api !== undefined &&
    (api.status === 422 ||
      api.status === 400 ||
      (api.status === 500 && api.message.includes('failed to create typed patch object')))
  );
}

function refusalMessage(err: unknown): string {
  const api = kubeApiError(err);
  const causes = api?.details?.causes?.map(
    (c) => `${c.field ? `${c.field}: ` : ''}${c.message ?? c.reason ?? ''}`,
  );
  const what = api ? `${api.status} ${api.reason}: ` : '';
  return causes?.length ? `${what}${causes.join('; ')}` : (api?.message ?? String(err));
}

/** StatefulSet field paths in an API server message, renamed to the GpssCluster fields they come from. */
const SPEC_TERMS: Array<[RegExp, string]> = [
  [/spec\.template\.spec\.nodeSelector/g, 'spec.node_selector'],
  [/spec\.template\.spec\.tolerations/g, 'spec.tolerations'],
  [/spec\.template\.spec\.affinity/g, 'spec.anti_affinity (pod affinity)'],
  [/spec\.template\.spec\.imagePullSecrets(\[\d+\])?(\.name)?/g, 'spec.pull_secret'],
  [/spec\.template\.spec\.terminationGracePeriodSeconds/g, 'spec.termination_grace_seconds'],
  [/spec\.template\.spec\.(?:initContainers|containers)\[\d+\]\.resources/g, 'spec.resources'],
  [/spec\.template\.spec\.(?:initContainers|containers)\[\d+\]\.imagePullPolicy/g, 'spec.pull_policy'],
  [/spec\.template\.spec\.(?:initContainers|containers)\[\d+\]\.image/g, 'spec.image'],
];

export function specTerms(message: string): string {
  let m = message;
  for (const [re, to] of SPEC_TERMS) m = m.replace(re, to);
  return `the API server refuses the StatefulSet this spec makes: ${m}`;
}

/**
 * ExternalAddressReady: every instance has an address, and none listens on a port it also needs for
 * ListenAddress or Cluster (behind a NodePort an instance listens on its allocated node port, which
 * Kubernetes may pick equal to a configured port in the node-port range).
 */
export function addressCondition(cr: GpssCluster, desired: DesiredState): ConditionInput {
  const gen = cr.metadata.generation;
  const pending = desired.instances.filter((i) => i.pending && !i.address);
  if (pending.length > 0) {
    return {
      type: 'ExternalAddressReady',
      status: 'False',
      reason: 'AddressPending',
      message: pending.map((p) => `${p.serviceName}: ${p.pending}`).join('; '),
      observedGeneration: gen,
    };
  }
  const ports = gpssPorts(requireGpssConfig(cr.spec.gpss_config));
  const clashes =
    gpfdistServiceType(cr) === 'NodePort'
      ? desired.instances.filter(
          (i) => i.address && (i.address.port === ports.listen || i.address.port === ports.cluster),
        )
      : [];
  if (clashes.length > 0) {
    return {
      type: 'ExternalAddressReady',
      status: 'False',
      reason: 'PortCollision',
      message: clashes
        .map(
          (i) =>
            `${i.serviceName}: node port ${i.address!.port} equals spec.gpss_config ${i.address!.port === ports.listen ? 'ListenAddress.Port' : 'Cluster.Port'}; pick a port outside the node-port range (30000-32767) there`,
        )
        .join('; '),
      observedGeneration: gen,
    };
  }
  return {
    type: 'ExternalAddressReady',
    status: 'True',
    reason: 'AddressesAssigned',
    message: `${desired.instances.length} instance address(es) assigned`,
    observedGeneration: gen,
  };
}
