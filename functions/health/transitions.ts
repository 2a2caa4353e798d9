// Kubernetes Events for the moments `kubectl describe` should show: the cluster became Ready, became
// (or stayed, for another reason) Degraded, or recovered. Pure. Each occurrence is named after the
// condition it replaces, so handlers that race on the same transition record one Event, and a later
// recurrence of the same problem records a new one.

import type { Condition } from '../../lib/api/types';
import { FIELD_MANAGERS } from '../../lib/api/types';
import type { EventSpec } from '../../lib/k8s/record-event';
import type { ConditionInput } from '../../lib/status/conditions';

const component = FIELD_MANAGERS.health;

function occurrence(prev: Condition | undefined, next: ConditionInput): string {
  return `${prev?.status ?? 'none'}/${prev?.reason ?? ''}/${prev?.lastTransitionTime ?? ''}->${next.status}/${next.reason}`;
}

export function transitionEvents(
  prev: Condition[] | undefined,
  next: readonly ConditionInput[],
): EventSpec[] {
  const out: EventSpec[] = [];
  const before = (type: string) => prev?.find((c) => c.type === type);
  for (const n of next) {
    const p = before(n.type);
    if (n.type === 'Degraded') {
      if (n.status === 'True' && (p?.status !== 'True' || p.reason !== n.reason)) {
        out.push({
          type: 'Warning',
          reason: 'ClusterDegraded',
          message: n.message,
          occurrence: occurrence(p, n),
          component,
        });
      } else if (n.status === 'False' && p?.status === 'True') {
        out.push({
          type: 'Normal',
          reason: 'ClusterRecovered',
          message: `no instance reports a problem any more (was ${p.reason})`,
          occurrence: occurrence(p, n),
          component,
        });
      }
    }
    if (n.type === 'Ready' && n.status === 'True' && p?.status !== 'True') {
      out.push({
        type: 'Normal',
        reason: 'ClusterReady',
        message: n.message,
        occurrence: occurrence(p, n),
        component,
      });
    }
  }
  return out;
}
