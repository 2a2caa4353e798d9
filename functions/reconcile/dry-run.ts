// The safety net behind the validators: a spec they accept can still produce a StatefulSet the API
// server refuses (a rule no validator here knows). A server-side dry run of the StatefulSet, before
// anything is applied, turns that refusal into ConfigValid=False naming the GpssCluster field, and no
// child is half-written. Costs one dry-run request, only when the StatefulSet is about to change.
import { FIELD_MANAGERS, type GpssCluster } from '../../lib/api/types';
import type { ApplyOptions, KubeClient } from '../../lib/k8s/client';
import { kubeApiError } from '../../lib/k8s/errors';
import type { Observed } from '../../lib/k8s/observe';
import { specProblems, statefulSetToDryRun } from './plan-config';
import type { Rejection } from './steps';

const DRY_RUN: ApplyOptions = { fieldManager: FIELD_MANAGERS.reconcile, force: true, dryRun: true };
const NOTHING: Observed = { services: [], pods: [], nodes: [] };

/**
 * The dry run a new cluster's first pass makes, sent with its reads (lib/k8s/read-ahead.ts) rather
 * than after them: what it sends depends only on the spec while no StatefulSet exists, so the pass's
 * own dry run of the same object takes this answer, a round trip off the way to the first apply. If
 * the pass finds a StatefulSet after all, or the spec it reads differs, it sends its own. Only where
 * the pass will dry-run: a valid spec, out of maintenance (reconcile.ts's gate).
 */
export function dryRunAhead(kube: KubeClient, cr: GpssCluster): void {
  if (cr.spec.maintenance || specProblems(cr, NOTHING)) return;
  const want = statefulSetToDryRun(cr, NOTHING);
  if (want) kube.apply(want, DRY_RUN).catch(() => undefined);
}

export async function refusedByApiServer(
  kube: KubeClient,
  cr: GpssCluster,
  observed: Observed,
): Promise<Rejection | undefined> {
  const want = statefulSetToDryRun(cr, observed);
  if (!want) return undefined;
  try {
    await kube.apply(want, DRY_RUN);
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
