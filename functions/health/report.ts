// The status health writes for one cluster, computed from one observation: instances, replicas,
// phase and the Ready/Degraded conditions. Pure and deterministic (no clock: every time in it comes
// from the cluster), so concurrent handlers that see the same cluster write the same bytes.
import type { Condition, GpssCluster, InstanceStatus, Phase } from '../../lib/api/types';
import { effectiveSize, instancePodName, nodeInfo, ordinalOf } from '../../lib/desired';
import type { Observed } from '../../lib/k8s/observe';
import type { ConditionInput } from '../../lib/status/conditions';
import { type InstanceAddress, instanceAddress, restartMarked } from './addresses';
import { type FailoverStep, failoverNote } from './failover';
import {
  assessInstance,
  type HealthPod,
  type InstanceAssessment,
  type NodeView,
  podNode,
  podReady,
} from './instance-health';
import { decidePhase, type OverrideFacts, type PhaseDecision } from './phase';

export interface HealthReport {
  phase: Phase;
  decision: PhaseDecision;
  replicas: number;
  readyReplicas: number;
  instances: InstanceStatus[];
  conditions: [ConditionInput, ConditionInput];
}

export interface ReportInput {
  cr: GpssCluster;
  observed: Observed;
  nodes: ReadonlyMap<string, NodeView>;
  failover: readonly FailoverStep[];
  /** Pods this event deleted for failover. */
  deleted: ReadonlySet<string>;
  /**
   * The instance config and Services were not read (addressesAsReported): each instance keeps the
   * address its status reports, with nothing pending or changing, and no restart is marked.
   */
  addressesAsReported?: boolean;
}

const MAX_MESSAGE = 4096;

/**
 * A StatefulSet rollout is under way: the controller has a new revision to roll out, and not every
 * instance within size runs it and is Ready. The pods decide its end, not the StatefulSet's
 * `currentRevision`, which the controller updates a moment after the last instance turns Ready: health
 * does not receive StatefulSet events (eventing/health.yaml), so that last pod's own event must be the
 * one that ends "Updating".
 */
export function rolloutInProgress(o: Pick<Observed, 'statefulSet' | 'pods'>, cr: GpssCluster): boolean {
  const st = o.statefulSet?.status;
  if (!st?.updateRevision || !st.currentRevision || st.updateRevision === st.currentRevision) return false;
  return Array.from({ length: effectiveSize(cr) }, (_, i) => instancePodName(cr, i)).some((name) => {
    const pod = o.pods.find((p) => p.metadata.name === name);
    return !pod || pod.metadata.labels?.[REVISION_LABEL] !== st.updateRevision || !podReady(pod);
  });
}

/** The label the StatefulSet controller puts on each pod: the revision it was made from. */
const REVISION_LABEL = 'controller-revision-hash';

/**
 * What health takes from the cluster object itself (everything else comes from its children): the
 * phase overrides' facts, and the failing condition, whose type the Ready reason names.
 */
export function clusterFacts(cr: GpssCluster): { facts: OverrideFacts; failing?: Condition } {
  // A function that cannot apply the spec (lib/runtime/failures.ts): what runs is not what was asked for.
  const failing = cr.status?.conditions?.find((c) => /^[A-Z]\w*Failed$/.test(c.type) && c.status === 'True');
  const facts = {
    deleting: !!cr.metadata.deletionTimestamp,
    configInvalid: !!cr.status?.conditions?.some((c) => c.type === 'ConfigValid' && c.status === 'False'),
    failing: failing !== undefined,
    maintenance: !!cr.spec?.maintenance,
  };
  return failing ? { facts, failing } : { facts };
}

/**
 * Why Ready is False when the instances alone do not say it: with every instance ready, "3/3 instances
 * ready" under Ready=False reads as a contradiction unless the message first names what is not applied.
 */
function notReadyBecause(cr: GpssCluster, failing: Condition | undefined, rule: string): string[] {
  if (cr.metadata.deletionTimestamp) return [];
  if (failing) return [`${failing.type}: ${failing.reason ?? 'failed'} (see that condition)`];
  if (rule === 'config-invalid')
    return [
      `generation ${cr.metadata.generation} is not applied: the spec is invalid (see ConfigValid); the instances keep the last valid spec`,
    ];
  return [];
}

export function buildReport(input: ReportInput): HealthReport {
  const { cr, observed, nodes } = input;
  const size = effectiveSize(cr);
  const pods = observed.pods;
  const byOrdinal = new Map<number, HealthPod>();
  for (const p of pods) {
    const o = ordinalOf(cr, p.metadata.name);
    if (o !== undefined) byOrdinal.set(o, p);
  }
  const ordinals = [...new Set([...Array.from({ length: size }, (_, i) => i), ...byOrdinal.keys()])].sort(
    (a, b) => a - b,
  );
  const previous = new Map((cr.status?.instances ?? []).map((i) => [i.name, i]));
  const nodeInfos = observed.nodes.map(nodeInfo);
  const marks = observed.configMap?.metadata.annotations;
  const rolling = rolloutInProgress(observed, cr);
  let readdressing = false;
  const notes: string[] = [];

  const assessed: Array<{ ordinal: number; a: InstanceAssessment }> = ordinals.map((ordinal) => {
    const name = instancePodName(cr, ordinal);
    const pod = byOrdinal.get(ordinal);
    const inSize = ordinal < size;
    const reported = previous.get(name)?.gpfdistAddress;
    const addr: InstanceAddress = !inSize
      ? { changing: false }
      : input.addressesAsReported
        ? { changing: false, ...(reported ? { advertised: reported } : {}) }
        : instanceAddress(
            cr,
            ordinal,
            observed.configMap?.data,
            observed.services,
            nodeInfos,
            pod?.spec?.nodeName,
          );
    const marked = !input.addressesAsReported && restartMarked(marks, ordinal);
    if (inSize && (addr.changing || marked)) readdressing = true;
    if (inSize && addr.note) notes.push(`${name}: ${addr.note}`);
    const step = pod ? input.failover.find((s) => s.pod === pod.metadata.name) : undefined;
    const a = assessInstance({
      name,
      pod,
      node: pod ? podNode(pod, nodes) : undefined,
      previous: previous.get(name),
      expectedRestart: marked
        ? 're-addressed: restarted to advertise its new gpfdist address'
        : rolling
          ? 'rolling update to a new revision'
          : undefined,
      gpfdistAddress: addr.advertised,
      failoverNote: failoverNote(step, input.deleted.has(pod?.metadata.name ?? '')),
    });
    // An instance waiting for its config is waiting for its address: say which.
    if (a.state !== 'ready' && a.state !== 'problem' && addr.note && a.detail?.includes('init container')) {
      a.detail = `${a.detail}: ${addr.note}`;
    }
    return { ordinal, a };
  });

  const current = assessed.filter((x) => x.ordinal < size).map((x) => x.a);
  const count = (s: InstanceAssessment['state']) => current.filter((a) => a.state === s).length;
  const ready = count('ready');
  const { facts, failing } = clusterFacts(cr);
  const decision = decidePhase({
    ...facts,
    size,
    pods: pods.filter((p) => !p.metadata.deletionTimestamp).length,
    statefulSetReplicas: observed.statefulSet?.spec?.replicas,
    ready,
    problems: count('problem'),
    restarting: count('restarting'),
    starting: count('starting'),
    rollout: rolling || readdressing,
    previousPhase: cr.status?.phase,
    previousReady: cr.status?.readyReplicas,
  });

  const gen = cr.metadata.generation;
  const unready = current.filter((a) => a.state !== 'ready').map((a) => `${a.status.name}: ${a.detail}`);
  const cap = (s: string) => (s.length > MAX_MESSAGE ? `${s.slice(0, MAX_MESSAGE - 1)}…` : s);
  const readyCond: ConditionInput =
    size > 0 &&
    ready === size &&
    !cr.metadata.deletionTimestamp &&
    !failing &&
    !decision.rule.startsWith('config')
      ? {
          type: 'Ready',
          status: 'True',
          reason: 'AllInstancesReady',
          message: cap([`${ready}/${size} instances ready`, ...notes].join('; ')),
          observedGeneration: gen,
        }
      : {
          type: 'Ready',
          status: 'False',
          reason: cr.metadata.deletionTimestamp
            ? 'Deleting'
            : failing
              ? failing.type
              : decision.rule === 'config-invalid'
                ? 'ConfigInvalid'
                : decision.operational,
          message: cap(
            size === 0
              ? 'spec.size is 0: no instance runs'
              : [
                  ...notReadyBecause(cr, failing, decision.rule),
                  `${ready}/${size} instances ready`,
                  ...unready,
                ].join('; '),
          ),
          observedGeneration: gen,
        };
  const troubled = current.filter((a) => a.state === 'problem');
  const degradedCond: ConditionInput =
    troubled.length > 0
      ? {
          type: 'Degraded',
          status: 'True',
          reason: troubled[0].reason ?? 'InstanceProblem',
          message: cap(troubled.map((a) => `${a.status.name}: ${a.detail}`).join('; ')),
          observedGeneration: gen,
        }
      : {
          type: 'Degraded',
          status: 'False',
          reason: 'AsExpected',
          message: 'no instance reports a problem',
          observedGeneration: gen,
        };

  return {
    phase: decision.phase,
    decision,
    replicas: pods.filter((p) => !p.metadata.deletionTimestamp).length,
    readyReplicas: ready,
    instances: assessed.map((x) => x.a.status),
    conditions: [readyCond, degradedCond],
  };
}
