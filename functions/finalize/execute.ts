// Carries out a plan's steps in order, one log line per decision. Each step is safe to repeat: a
// finalizer change is a guarded JSON patch, a Service is deleted only if it is still there (checked
// first, so a replay does not even send a request), an Event has a deterministic name.
import { FIELD_MANAGERS, FINALIZERS, type GpssCluster } from '../../lib/api/types';
import type { LiveService } from '../../lib/desired/k8s-types';
import { statefulSetName } from '../../lib/desired/names';
import { hasStatus } from '../../lib/k8s/errors';
import { childSelector } from '../../lib/k8s/observe';
import { recordEvent } from '../../lib/k8s/record-event';
import type { FunctionContext } from '../../lib/runtime/context';
import { addFinalizer, removeFinalizer } from './finalizers';
import type { InstancePod } from './pod-state';
import type { Step } from './steps';

const MANAGER = FIELD_MANAGERS.finalize;

/** The function's context plus what the plan was made from. */
export interface ExecContext extends FunctionContext {
  namespace: string;
  name: string;
  cr: GpssCluster | undefined;
  pods: InstancePod[];
}

/** Runs the steps; returns a short description of each write that was made. */
export async function execute(ctx: ExecContext, steps: Step[]): Promise<string[]> {
  const done: string[] = [];
  let services: LiveService[] | undefined;
  const pod = (name: string) => ctx.pods.find((p) => p.metadata.name === name)!;
  const podTarget = (name: string) => ({
    res: 'pods' as const,
    namespace: ctx.namespace,
    name,
    finalizers: pod(name).metadata.finalizers,
    uid: pod(name).metadata.uid,
  });
  const crTarget = () => ({
    res: 'gpssclusters' as const,
    namespace: ctx.namespace,
    name: ctx.name,
    finalizers: ctx.cr!.metadata.finalizers,
  });

  for (const s of steps) {
    switch (s.do) {
      case 'event':
        ctx.log.info({ decision: 'event', reason: s.event.reason }, s.event.message);
        await recordEvent(ctx.kube, ctx.cr!, { ...s.event, component: MANAGER }, ctx.now());
        break;
      case 'add-cluster-finalizer':
        ctx.log.info({ decision: s.do }, 'guard the cluster with its finalizer');
        if ((await addFinalizer(ctx.kube, crTarget(), FINALIZERS.cluster, MANAGER)) === 'done')
          done.push(s.do);
        break;
      case 'add-instance-finalizer':
        ctx.log.info({ decision: s.do, pod: s.pod }, `guard ${s.pod} with the instance finalizer`);
        if ((await addFinalizer(ctx.kube, podTarget(s.pod), FINALIZERS.instance, MANAGER)) === 'done')
          done.push(`${s.do} ${s.pod}`);
        break;
      case 'scale-to-zero': {
        const sts = statefulSetName(ctx.cr!);
        ctx.log.info({ decision: s.do, statefulSet: sts, from: s.from }, `scale ${sts} from ${s.from} to 0`);
        try {
          await ctx.kube.patch('statefulsets', ctx.namespace, sts, { spec: { replicas: 0 } }, 'merge', {
            fieldManager: MANAGER,
          });
          done.push(s.do);
        } catch (err) {
          if (!hasStatus(err, 404)) throw err;
        }
        break;
      }
      case 'delete-service': {
        services ??= (
          await ctx.kube.list<LiveService>('services', ctx.namespace, {
            labelSelector: childSelector(ctx.cr!),
          })
        ).items;
        const svc = services.find((x) => x.metadata.name === s.service);
        ctx.log.info(
          { decision: s.do, service: s.service, pod: s.pod, present: !!svc },
          `delete ${s.service}: ${s.pod} has stopped and its instance is beyond size`,
        );
        if (svc && (await deleteIfSame(ctx, 'services', s.service, svc.metadata.uid)))
          done.push(`${s.do} ${s.service}`);
        break;
      }
      case 'release-instance':
        ctx.log.info({ decision: s.do, pod: s.pod, why: s.why }, `release ${s.pod}: ${s.why}`);
        if ((await removeFinalizer(ctx.kube, podTarget(s.pod), FINALIZERS.instance, MANAGER)) === 'done')
          done.push(`${s.do} ${s.pod}`);
        break;
      case 'force-delete-pod':
        ctx.log.warn({ decision: s.do, pod: s.pod }, `force-delete ${s.pod} (grace period 0)`);
        if (await deleteIfSame(ctx, 'pods', s.pod, s.uid, 0)) done.push(`${s.do} ${s.pod}`);
        break;
      case 'remove-cluster-finalizer':
        ctx.log.info({ decision: s.do, why: s.why }, `remove the cluster finalizer: ${s.why}`);
        if ((await removeFinalizer(ctx.kube, crTarget(), FINALIZERS.cluster, MANAGER)) === 'done')
          done.push(s.do);
        break;
    }
  }
  return done;
}

/** Deletes exactly the object that was read: a replacement with the same name answers 409 and is kept. */
async function deleteIfSame(
  ctx: ExecContext,
  res: 'services' | 'pods',
  name: string,
  uid: string | undefined,
  gracePeriodSeconds?: number,
): Promise<boolean> {
  return ctx.kube.delete(res, ctx.namespace, name, {
    ...(uid ? { preconditions: { uid } } : {}),
    ...(gracePeriodSeconds !== undefined ? { gracePeriodSeconds } : {}),
  });
}
