// finalize's part of GpssCluster status: its own condition types only, server-side applied under its
// own field manager, and only when something visible changes (a status write is itself an event).
// Every apply carries all of finalize's current conditions: server-side apply drops a field its
// manager stops sending, so applying one condition alone would delete the other.
import { FIELD_MANAGERS, type GpssCluster } from '../../lib/api/types';
import type { KubeClient } from '../../lib/k8s/client';
import type { Logger } from '../../lib/log';
import {
  type ConditionInput,
  conditionsMatch,
  findCondition,
  setCondition,
} from '../../lib/status/conditions';
import { CONDITIONS } from './steps';

const MINE = Object.values(CONDITIONS);

export async function writeConditions(
  ctx: { kube: KubeClient; log: Logger; now: () => Date },
  cr: GpssCluster,
  conds: ConditionInput[],
): Promise<boolean> {
  if (conds.length === 0 || conditionsMatch(cr.status?.conditions, conds)) return false;
  let merged = cr.status?.conditions;
  const now = ctx.now().toISOString();
  for (const c of conds) merged = setCondition(merged, c, now);
  const mine = MINE.flatMap((t) => findCondition(merged, t) ?? []);
  ctx.log.info(
    { decision: 'status', conditions: conds.map((c) => `${c.type}=${c.status}/${c.reason}`) },
    'write status',
  );
  await ctx.kube.apply(
    {
      apiVersion: cr.apiVersion,
      kind: cr.kind,
      metadata: { name: cr.metadata.name, namespace: cr.metadata.namespace },
      status: { conditions: mine },
    },
    { fieldManager: FIELD_MANAGERS.finalize, force: true, subresource: 'status' },
  );
  return true;
}
