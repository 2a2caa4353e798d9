// One cluster, end to end: read the CR, its pods and (only while a deletion must scale it) its
// StatefulSet; plan; write finalize's conditions (before acting, so what is about to be forced is on
// record even if a later step fails); carry out the steps. Nothing waits in-process: a wait is a plan
// with no steps, and the next event or the resync decides again from the objects and the clock. A
// deletion pass that let pods go lists them once more and decides again: the last pod's going ends
// the deletion there, since that pod's delete event is not judged (nothing-to-do.ts).
//
// Events about live pods of a live cluster are answered from the events' own pods and the cluster
// alone (no list of its pods): what finalize does to a live cluster's pod depends only on that pod
// and the spec (add its finalizer, or let it go once stopped or out of time), and every other pod
// brings events of its own. A plan from the events' copies is carried out only when it changes
// finalizers alone, each change pinned to the copy it was decided from (the pod's uid and its
// finalizers, a JSON patch `test`); when one no longer holds (most often a pass for another event did
// the same already), or the plan would do more (record a forced release, delete a Service), those
// pods are got again and judged as they are; should that be refused too, the whole cluster is read.
import { FIELD_MANAGERS, FINALIZERS, type GpssCluster } from '../../lib/api/types';
import type { LivePod, LiveStatefulSet } from '../../lib/desired/k8s-types';
import { selectorString, statefulSetName } from '../../lib/desired/names';
import type { FunctionContext } from '../../lib/runtime/context';
import { writeStatus } from '../../lib/status/write-status';
import { execute } from './execute';
import { FinalizerConflict, hasFinalizer } from './finalizers';
import { needsStatefulSet, type PlanInput, planCluster } from './plan';
import type { InstancePod } from './pod-state';
import { CONDITIONS, type Outcome, type Plan } from './steps';

export interface FinalizeResult {
  outcome: Outcome;
  done: string[];
}

export async function finalizeCluster(
  ctx: FunctionContext,
  namespace: string,
  name: string,
): Promise<FinalizeResult> {
  const { kube } = ctx;
  const podsOfEvents = livePodsOf(ctx.events);
  if (podsOfEvents) {
    const cr = await kube.get<GpssCluster>('gpssclusters', namespace, name);
    if (cr && !cr.metadata.deletionTimestamp) {
      ctx.seen?.(cr);
      const scoped = (pods: InstancePod[]) =>
        planAndCarryOut(ctx, namespace, name, { cr, pods, now: ctx.now() });
      const asTheyAre = async () =>
        (
          await Promise.all(podsOfEvents.map((p) => kube.get<LivePod>('pods', namespace, p.metadata.name)))
        ).filter((p): p is LivePod => p !== undefined);
      const copiesSuffice = pinnedOnly(planCluster({ cr, pods: podsOfEvents, now: ctx.now() }));
      if (!copiesSuffice)
        ctx.log.info(
          { decision: 'read-pods' },
          'more than a finalizer change: read the pods as they are now',
        );
      const result =
        (copiesSuffice
          ? await unlessRefused(ctx, 'read-pods', 'a pod changed since its event: read it again', () =>
              scoped(podsOfEvents),
            )
          : undefined) ??
        (await unlessRefused(ctx, 'read-all', "a pod keeps changing: read all the cluster's pods", async () =>
          scoped(await asTheyAre()),
        ));
      if (result) return result;
    }
  }
  const listPods = () =>
    kube.list<LivePod>('pods', namespace, { labelSelector: selectorString({ metadata: { name } }) });
  const [cr, pods] = await Promise.all([kube.get<GpssCluster>('gpssclusters', namespace, name), listPods()]);
  if (cr) ctx.seen?.(cr);
  let replicas: number | undefined;
  if (cr && needsStatefulSet(cr)) {
    const sts = await kube.get<LiveStatefulSet>('statefulsets', namespace, statefulSetName(cr));
    if (sts) replicas = sts.spec?.replicas ?? 1;
  }
  const result = await planAndCarryOut(ctx, namespace, name, {
    cr,
    pods: pods.items,
    replicas,
    now: ctx.now(),
  });
  const letGo = result.done.some((d) => d.startsWith('release-instance'));
  const guarding =
    !!cr && hasFinalizer(cr, FINALIZERS.cluster) && !result.done.includes('remove-cluster-finalizer');
  if (!cr?.metadata.deletionTimestamp || !letGo || !guarding) return result;
  // A pod let go here is often gone as the patch returns (its node had let it go), and its delete event,
  // which still shows our finalizer, is not judged (nothing-to-do.ts): the deletion goes on from a
  // fresh list of the pods, so that the last pod let go ends it.
  ctx.log.info({ decision: 'list-again' }, 'pods were let go: list them again');
  const left = await listPods();
  const scaled = result.done.includes('scale-to-zero') ? 0 : replicas;
  const next = await planAndCarryOut(ctx, namespace, name, {
    cr,
    pods: left.items,
    replicas: scaled,
    now: ctx.now(),
  });
  return { outcome: next.outcome, done: [...result.done, ...next.done] };
}

/**
 * Whether a plan made from events' copies of pods may be carried out as it is: only finalizer changes,
 * each pinned to its copy (uid and finalizers). Anything else it would do (a condition and Event
 * recording a forced release, a Service deleted beyond size) must not come from a copy that may be
 * stale: a replayed event of a pod long gone would read as a time box expired.
 */
function pinnedOnly(plan: Plan): boolean {
  return (
    plan.conditions.length === 0 &&
    plan.steps.every(
      (s) =>
        s.do === 'add-instance-finalizer' || s.do === 'release-instance' || s.do === 'add-cluster-finalizer',
    )
  );
}

/**
 * The result, or undefined (logged as `decision`, what is read next) when a write pinned to what was
 * read is refused: a pass for another event, or another writer, changed that pod since; often it
 * already did what was planned.
 */
async function unlessRefused(
  ctx: FunctionContext,
  decision: string,
  message: string,
  run: () => Promise<FinalizeResult>,
): Promise<FinalizeResult | undefined> {
  try {
    return await run();
  } catch (err) {
    if (!(err instanceof FinalizerConflict)) throw err;
    ctx.log.info({ decision, why: err.message }, message);
    return undefined;
  }
}

async function planAndCarryOut(
  ctx: FunctionContext,
  namespace: string,
  name: string,
  input: PlanInput,
): Promise<FinalizeResult> {
  const { cr, pods } = input;
  const plan = planCluster(input);
  if (cr) {
    await writeStatus(ctx, cr, {
      manager: FIELD_MANAGERS.finalize,
      owned: Object.values(CONDITIONS),
      conditions: plan.conditions,
    });
  }
  const done = await execute({ ...ctx, namespace, name, cr, pods }, plan.steps);
  return { outcome: plan.outcome, done };
}

/**
 * The pods of the events being answered, when every one is an add or update of a pod, each pod once
 * (two copies of one pod cannot be ordered without a read); undefined otherwise: the full pass.
 */
function livePodsOf(events: FunctionContext['events']): InstancePod[] | undefined {
  if (!events?.length) return undefined;
  const pods: InstancePod[] = [];
  for (const ev of events) {
    const pod = ev.object as unknown as InstancePod | undefined;
    if (ev.kind !== 'Pod' || ev.verb === 'delete' || !pod?.metadata?.name) return undefined;
    if (pods.some((p) => p.metadata.name === pod.metadata.name)) return undefined;
    pods.push(pod);
  }
  return pods;
}
