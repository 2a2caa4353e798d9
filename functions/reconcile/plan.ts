// What reconcile does for one cluster, decided from the CR and what was read alone (no I/O), so every
// decision can be tested without a cluster and a replayed event decides the same thing again.
//
// Two plans, because the second depends on what the API server answers to the first. An instance's
// NodePort or LoadBalancer address exists only once its Service does (the API server allocates the
// node port on the first apply), and the instance configs are rendered from those addresses. So:
//   1. planServices: the Services that differ, applied first;
//   2. withServices: the observed state with the Services the API server returned in their place;
//      when any was applied, planServices again from there (a NodePort Service now targets its
//      allocated port), at most twice per event;
//   3. planCluster, from that same updated observed state: the instance ConfigMap, the StatefulSet,
//      the disruption budget, surplus Services, at most one restart, and the status to write.
// Each plan is plain data; reconcile.ts runs the loop and execute.ts carries the steps out.
import type { GpssCluster } from '../../lib/api/types';
import {
  buildDesired,
  type DesiredState,
  instancePodName,
  type LiveService,
  serviceOrdinal,
} from '../../lib/desired';
import type { Observed } from '../../lib/k8s/observe';
import { applyReason, withAppliedHash } from './diff';
import { planRestart, withInstanceAnnotations } from './plan-restart';
import { addressCondition, configValid, currentGpssAddress, progressing, statusFields } from './plan-status';
import { type Child, type Plan, RESTART_PREFIX, type Step } from './steps';

/** An apply step when the live object differs from the desired one (or is missing); nothing otherwise. */
function applyStep(
  desired: Child,
  live: { metadata: { annotations?: Record<string, string> } } | undefined,
): Step[] {
  const object = withAppliedHash(desired);
  const why = applyReason(object, live);
  return why ? [{ do: 'apply', object, why }] : [];
}

function servicesOf(d: DesiredState) {
  return [d.headless, d.gpssService, ...d.gpfdistServices];
}

/** The Services to apply, in order: headless, gpss, then each instance's gpfdist Service. */
export function planServices(cr: GpssCluster, o: Observed): Step[] {
  return servicesOf(buildDesired(cr, o)).flatMap((svc) =>
    applyStep(
      svc,
      o.services.find((s) => s.metadata.name === svc.metadata.name),
    ),
  );
}

/** The observed state with the Services the API server returned for an apply, each in place of its old self. */
export function withServices(o: Observed, applied: LiveService[]): Observed {
  const services = [...o.services];
  for (const svc of applied) {
    const i = services.findIndex((s) => s.metadata.name === svc.metadata.name);
    if (i >= 0) services[i] = svc;
    else services.push(svc);
  }
  return { ...o, services };
}

/**
 * Everything after the Services, in apply order (a pod created by the StatefulSet finds its config or
 * waits for it, never a stale one).
 */
export function planCluster(cr: GpssCluster, o: Observed): Plan {
  const d = buildDesired(cr, o);
  const configMap = withInstanceAnnotations(cr, d, o);
  const steps = [
    ...applyStep(configMap, o.configMap),
    ...statefulSetSteps(cr, d, o),
    ...pdbSteps(d, o),
    ...surplusServiceSteps(cr, d, o),
    ...planRestart(configMap.metadata.annotations ?? {}, o.pods),
  ];
  const rollout = steps.some((s) => s.do === 'apply' && s.object.kind === 'StatefulSet');
  const restartsLeft = Object.keys(configMap.metadata.annotations ?? {}).filter((k) =>
    k.startsWith(RESTART_PREFIX),
  ).length;
  return {
    outcome: 'converge',
    steps,
    status: {
      conditions: [configValid(cr), progressing(cr, o, rollout, restartsLeft), addressCondition(cr, d)],
      fields: statusFields(cr, currentGpssAddress(cr, o)),
    },
    afterStatusChange: [],
    restartsLeft,
  };
}

/** The StatefulSet apply, and a Scaled Event when it changes the replica count of a StatefulSet that exists. */
function statefulSetSteps(cr: GpssCluster, d: DesiredState, o: Observed): Step[] {
  const apply = applyStep(d.statefulSet, o.statefulSet);
  const from = o.statefulSet?.spec?.replicas;
  const to = d.statefulSet.spec.replicas;
  if (apply.length === 0 || from === undefined || from === to) return apply;
  return [
    ...apply,
    {
      do: 'event',
      event: {
        type: 'Normal',
        reason: 'Scaled',
        message: `StatefulSet scaled from ${from} to ${to}`,
        occurrence: `${cr.metadata.generation}-${from}`,
      },
    },
  ];
}

/** Below two instances there is no budget: one that exists is deleted. */
function pdbSteps(d: DesiredState, o: Observed): Step[] {
  if (d.pdb) return applyStep(d.pdb, o.pdb);
  return o.pdb ? [{ do: 'delete-pdb', name: o.pdb.metadata.name }] : [];
}

/** Per-instance Services beyond size, once their pod is gone (finalize owns the ordering while it runs). */
function surplusServiceSteps(cr: GpssCluster, d: DesiredState, o: Observed): Step[] {
  const wanted = new Set(servicesOf(d).map((s) => s.metadata.name));
  return o.services.flatMap((svc): Step[] => {
    const name = svc.metadata.name;
    const ordinal = serviceOrdinal(svc);
    if (wanted.has(name) || ordinal === undefined) return [];
    if (o.pods.some((p) => p.metadata.name === instancePodName(cr, Number(ordinal)))) return [];
    return [{ do: 'delete-service', name, ordinal }];
  });
}
