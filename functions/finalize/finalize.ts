// One cluster, end to end: read the CR, its pods and (only while a deletion must scale it) its
// StatefulSet; plan; write finalize's conditions (before acting, so what is about to be forced is on
// record even if a later step fails); carry out the steps. Nothing waits in-process: a wait is a plan
// with no steps, and the next event or the resync decides again from the objects and the clock.
import { FIELD_MANAGERS, type GpssCluster } from '../../lib/api/types';
import type { LivePod, LiveStatefulSet } from '../../lib/desired/k8s-types';
import { selectorString, statefulSetName } from '../../lib/desired/names';
import type { FunctionContext } from '../../lib/runtime/context';
import { writeStatus } from '../../lib/status/write-status';
import { execute } from './execute';
import { needsStatefulSet, planCluster } from './plan';
import { CONDITIONS, type Outcome } from './steps';

export async function finalizeCluster(
  ctx: FunctionContext,
  namespace: string,
  name: string,
): Promise<{ outcome: Outcome; done: string[] }> {
  const { kube } = ctx;
  const [cr, pods] = await Promise.all([
    kube.get<GpssCluster>('gpssclusters', namespace, name),
    kube.list<LivePod>('pods', namespace, { labelSelector: selectorString({ metadata: { name } }) }),
  ]);
  if (cr) ctx.seen?.(cr);
  let replicas: number | undefined;
  if (cr && needsStatefulSet(cr)) {
    const sts = await kube.get<LiveStatefulSet>('statefulsets', namespace, statefulSetName(cr));
    if (sts) replicas = sts.spec?.replicas ?? 1;
  }
  const plan = planCluster({ cr, pods: pods.items, replicas, now: ctx.now() });
  if (cr) {
    await writeStatus(ctx, cr, {
      manager: FIELD_MANAGERS.finalize,
      owned: Object.values(CONDITIONS),
      conditions: plan.conditions,
    });
  }
  const done = await execute({ ...ctx, namespace, name, cr, pods: pods.items }, plan.steps);
  return { outcome: plan.outcome, done };
}
