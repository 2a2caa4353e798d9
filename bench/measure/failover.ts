// Issue 14: lost-node failover, end to end, with health at zero when the node is lost. The serverless
// operator runs as `npm start` runs it (localcluster/operator.ts: each function behind its local
// activator, scaled to zero after Knative's 60 s idle window; the real ApiServerSource adapters),
// with the PingSources off: no resync can be the clock, only the cluster's own events.
//
// One size-3 GpssCluster with the default failover window (failover_after_seconds 60) on four nodes
// of its own (required anti-affinity: three instances and a spare). A run loses the node of one
// instance as a kubelet that stops reporting loses it (localcluster/kwok-node.ts: KWOK stops
// renewing its Lease), and the real node lifecycle controller does the rest after its grace period
// (--node-monitor-grace-period, 50 s by default; localcluster does not set it): Ready Unknown, the
// pods marked not ready, the unreachable taints. The instance pods tolerate the NoExecute taint for
// the window + 2 s (lib/desired/statefulset.ts), so the taint manager's eviction is the event that
// wakes health just past its bound; health force-deletes the pod, finalize releases it, the
// StatefulSet recreates it on the spare node. Measured from the node's loss (its Ready transition,
// as the API records it: whole seconds, so a figure may be up to 1 s long) to the instance Running
// and Ready on another node. Then the node comes back (the Lease deleted: KWOK takes it again) and
// is the spare of the next run. Runs are sequential on the one cluster, each losing the node of the
// next instance: two nodes lost at once would be tainted 10 s apart (--node-eviction-rate 0.1/s).
//
// Health at zero: the activator's own scale events, timestamped. A run starts once health has been
// idle for 30 s (it then scales down within 30 s, before the controller can mark the node lost: that
// takes at least 40 s, the grace period less the Lease's 10 s renew interval), and counts as at zero
// when health had no process at the Ready transition: its last scale event before it (as the
// activator reports them, a start dated at the request that caused it) was a scale-down.
import { join } from 'node:path';
import { DEFAULTS } from '../../lib/api/types';
import { EVICTION_MARGIN_SECONDS, LOST_NODE_TAINTS } from '../../lib/desired/statefulset';
import { rfc3339, toMillis } from '../../lib/k8s/time';
import { kwokNodeManifest, startKubelet, stopKubelet } from '../../localcluster/kwok-node';
import { type RunningOperator, startOperator } from '../../localcluster/operator';
import { awaitSourcesLive } from '../../localcluster/sources-live';
import type { AuditLog, AuditRecord } from '../harness/audit';
import type { BenchCluster } from '../harness/cluster';
import { fnUser } from '../harness/proc';
import { type Summary, summarize } from '../harness/stats';
import { awaitConverged, clusterManifest, createNamespaces } from '../harness/workload';
import { SHIPPED_IDLE_MS } from './activator';

export interface FailoverRun {
  pod: string;
  from: string;
  to?: string;
  /** The node's Ready transition, as recorded (RFC 3339, whole seconds). */
  lostAt: string;
  /** From the loss, ms: the taint manager's delete (the eviction), health's force delete, finalize's release, the StatefulSet's new pod, and the new pod Running and Ready elsewhere (undefined: not within the timeout). */
  evictedMs?: number;
  forcedMs?: number;
  releasedMs?: number;
  recreatedMs?: number;
  readyMs?: number;
  /** The kubelet stopped → the controller marked the node lost, ms (its grace period, seen from here). */
  graceMs: number;
  /** Health had no process at the loss (see the top of this file)... */
  healthAtZero: boolean;
  /** ... since its scale-down this long before the loss, ms. */
  zeroForMs?: number;
  /** Health had no process when the eviction arrived: the eviction itself started it. */
  coldAtEviction?: boolean;
  /** Health's deletes of the lost pod (1: exactly one failover). */
  healthDeletes: number;
  /** Health processes started between the loss and the instance Ready. */
  healthStarts: number;
}

export interface FailoverResult {
  /** failover_after_seconds of the cluster: the default. */
  windowS: number;
  /** The instance pods' NoExecute tolerationSeconds for the unreachable taint, as read from a live pod. */
  tolerationSeconds?: number;
  /** The activator's idle window (as shipped). */
  idleMs: number;
  /** PingSource resyncs sent during the phase (0: pings off). */
  pingsSent: number;
  runs: FailoverRun[];
  /** Over the runs that recovered: loss → Ready elsewhere, and loss → eviction, ms. */
  ready: Summary;
  evicted: Summary;
}

const NS = 'bench-failover';
const NAME = 'fo';
const SIZE = 3;
const NODE_LABEL = 'gpss.gpdb.io/bench-failover';
/** Named to sort after the bench's kwok-node-*: no other instance ever advertises them. */
const nodeName = (i: number) => `kwok-zfo-${i}`;
const NODES = SIZE + 1;
/** Health idle this long before the kubelet stops (see the top of this file). */
const IDLE_BEFORE_LOSS_MS = 30_000;
const LOSS_TIMEOUT_MS = 120_000;
const POLL_MS = 100;

interface Pod {
  metadata: { name: string; uid: string; deletionTimestamp?: string };
  spec: {
    nodeName?: string;
    tolerations?: Array<{ key?: string; effect?: string; tolerationSeconds?: number }>;
  };
  status?: { phase?: string; conditions?: Array<{ type: string; status: string }> };
}
interface Node {
  spec?: { taints?: Array<{ key: string; effect: string }> };
  /** lastTransitionTime: a Date, as the client library reads a Node. */
  status?: { conditions?: Array<{ type: string; status: string; lastTransitionTime?: Date | string }> };
}

const delay = (ms: number) => new Promise((r) => setTimeout(r, ms));
const readyCondition = (n: Node | undefined) => n?.status?.conditions?.find((c) => c.type === 'Ready');
const podReady = (p: Pod) =>
  p.status?.phase === 'Running' &&
  !!p.status.conditions?.some((c) => c.type === 'Ready' && c.status === 'True');

/** Tainted so only this cluster lands there, and the other phases' pods never do. */
function nodeManifest(i: number) {
  return kwokNodeManifest({
    name: nodeName(i),
    ip: `127.0.4.${i + 1}`,
    reserved: { key: NODE_LABEL, value: 'true' },
  });
}

async function until<T>(
  what: string,
  timeoutMs: number,
  fn: () => Promise<T | undefined | false>,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  while (true) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`failover: ${what} not within ${timeoutMs / 1000} s`);
    await delay(POLL_MS);
  }
}

/** Ready, and none of the node lifecycle controller's taints left. */
async function nodeUsable(c: BenchCluster, name: string): Promise<boolean> {
  const n = await c.admin.get<Node>('nodes', undefined, name);
  return (
    readyCondition(n)?.status === 'True' &&
    !(n?.spec?.taints ?? []).some((t) => t.key.startsWith('node.kubernetes.io/'))
  );
}

/** Health's process starts and stops, timestamped: a start at the request that caused it (the cold start before the log line). */
interface ScaleEvent {
  at: number;
  up: boolean;
}

export async function failover(o: {
  c: BenchCluster;
  audit: AuditLog;
  runs: number;
  logDir: string;
  say: (m: string) => void;
}): Promise<FailoverResult> {
  const { c, audit, say } = o;
  const kubectl = (args: string[], input?: string) => c.kubectl(args, input);
  const scale: ScaleEvent[] = [];
  let op: RunningOperator | undefined;
  const runs: FailoverRun[] = [];
  let tolerationSeconds: number | undefined;
  try {
    op = await startOperator({
      kubeconfig: c.kubeconfig,
      binDir: c.binDir,
      logDir: join(o.logDir, 'failover'),
      idleMs: SHIPPED_IDLE_MS,
      // No PingSource: the cluster's own events must be the only clock.
      pingIntervalMs: Number.POSITIVE_INFINITY,
      initialResync: false,
      say: (m) => {
        const up = /^health: 0 → 1 \(cold start (\d+) ms\)/.exec(m);
        if (up) scale.push({ at: Date.now() - Number(up[1]), up: true });
        else if (m.startsWith('health: 1 → 0')) scale.push({ at: Date.now(), up: false });
      },
    });
    const health = op.functions.get('health')!.activator;
    await awaitSourcesLive(kubectl, [...op.functions.values()], { prefix: 'bench-fo-probe' });

    const applied = await kubectl(
      ['apply', '-f', '-'],
      JSON.stringify({
        apiVersion: 'v1',
        kind: 'List',
        items: Array.from({ length: NODES }, (_, i) => nodeManifest(i)),
      }),
    );
    if (applied.code !== 0) throw new Error(`failover: creating nodes: ${applied.stderr}`);
    for (let i = 0; i < NODES; i++)
      await until(`node ${nodeName(i)} Ready`, 60_000, () => nodeUsable(c, nodeName(i)));
    await createNamespaces(c.admin, [NS]);
    const m = clusterManifest(NS, NAME, SIZE, 'example.invalid/gpss:1', 'failover');
    const cr = {
      ...m,
      spec: {
        ...m.spec,
        // Addresses that do not depend on the node: the figure is the failover, not a re-addressing.
        service: { gpss: 'ClusterIP', gpfdist: 'ClusterIP' },
        anti_affinity: 'required',
        node_selector: { [NODE_LABEL]: 'true' },
        tolerations: [{ key: NODE_LABEL, operator: 'Equal', value: 'true', effect: 'NoSchedule' }],
      },
    };
    const r = await kubectl(['apply', '-f', '-'], JSON.stringify(cr));
    if (r.code !== 0) throw new Error(`failover: creating the cluster: ${r.stderr}`);
    await awaitConverged(c.admin, NS, NAME, 120_000);
    const pods = async () =>
      (await c.admin.list<Pod>('pods', NS, { labelSelector: `app.kubernetes.io/instance=${NAME}` })).items;
    tolerationSeconds = (await pods())[0]?.spec.tolerations?.find(
      (t) => t.key === LOST_NODE_TAINTS[0] && t.effect === 'NoExecute',
    )?.tolerationSeconds;
    say(
      `failover: ${NS}/${NAME} Ready on ${NODES} nodes of its own; window ${DEFAULTS.failoverAfterSeconds} s, ` +
        `pods tolerate ${LOST_NODE_TAINTS[0]} for ${tolerationSeconds ?? '(none)'} s; health idle window ${SHIPPED_IDLE_MS / 1000} s, no pings`,
    );

    for (let i = 0; i < o.runs; i++) {
      const podName = `${NAME}-${i % SIZE}`;
      const victim = (await pods()).find((p) => p.metadata.name === podName);
      const from = victim?.spec.nodeName;
      if (!victim || !from) throw new Error(`failover: ${podName} is not scheduled`);
      // Health idle long enough that it is at zero before the controller can mark the node lost.
      let requests = health.stats.requests;
      let since = Date.now();
      await until('health idle', 300_000, async () => {
        if (health.stats.requests !== requests) {
          requests = health.stats.requests;
          since = Date.now();
        }
        return !health.instance() || Date.now() - since >= IDLE_BEFORE_LOSS_MS;
      });
      const mark = audit.mark();
      const stoppedAt = Date.now();
      await stopKubelet((a) => kubectl(a), from);
      const lost = await until(`node ${from} marked lost`, LOSS_TIMEOUT_MS, async () => {
        const ready = readyCondition(await c.admin.get<Node>('nodes', undefined, from));
        return ready?.status !== 'True' && toMillis(ready?.lastTransitionTime);
      });
      const lostAt = rfc3339(lost);
      say(
        `failover run ${i + 1}: ${podName}'s node ${from} lost at ${lostAt}, ${Math.round((lost - stoppedAt) / 1000)} s after its kubelet stopped`,
      );
      // Until the instance is Running and Ready elsewhere: the window, the eviction's margin, and a minute.
      let to: string | undefined;
      let readyAt: number | undefined;
      try {
        readyAt = await until(
          `${podName} Ready on another node`,
          (DEFAULTS.failoverAfterSeconds + EVICTION_MARGIN_SECONDS + 60) * 1000 - (Date.now() - lost),
          async () => {
            const p = (await pods()).find((x) => x.metadata.name === podName);
            if (!p || p.metadata.uid === victim.metadata.uid || p.spec.nodeName === from || !podReady(p))
              return false;
            to = p.spec.nodeName;
            return Date.now();
          },
        );
      } catch (err) {
        say(String(err));
      }
      const records = (await audit.since(mark)).filter(
        (x) => x.namespace === NS && x.resource === 'pods' && x.name === podName,
      );
      const first = (f: (x: AuditRecord) => boolean) => {
        const x = records.find((y) => f(y) && (y.code ?? 0) < 300);
        return x ? x.at - lost : undefined;
      };
      const evictedMs = first(
        (x) => x.verb === 'delete' && /node-controller|taint-eviction/.test(x.userAgent),
      );
      const healthDeletes = records.filter((x) => x.verb === 'delete' && x.user === fnUser('health')).length;
      // Health's state at a moment: its last scale event before then (the activator starts at zero).
      const upAt = (t: number) => scale.findLast((e) => e.at <= t)?.up ?? false;
      const lastDown = scale.findLast((e) => e.at <= lost && !e.up)?.at;
      const run: FailoverRun = {
        pod: podName,
        from,
        ...(to ? { to } : {}),
        lostAt,
        graceMs: lost - stoppedAt,
        evictedMs,
        forcedMs: first((x) => x.verb === 'delete' && x.user === fnUser('health')),
        releasedMs: first((x) => x.verb === 'patch' && x.user === fnUser('finalize')),
        recreatedMs: first((x) => x.verb === 'create' && x.at > lost + (evictedMs ?? 0)),
        ...(readyAt !== undefined ? { readyMs: readyAt - lost } : {}),
        healthAtZero: !upAt(lost),
        ...(!upAt(lost) && lastDown !== undefined ? { zeroForMs: lost - lastDown } : {}),
        ...(evictedMs !== undefined ? { coldAtEviction: !upAt(lost + evictedMs) } : {}),
        healthDeletes,
        healthStarts: scale.filter((e) => e.up && e.at >= lost && e.at <= (readyAt ?? Date.now())).length,
      };
      runs.push(run);
      const s = (v: number | undefined) => (v === undefined ? '–' : `${(v / 1000).toFixed(1)} s`);
      say(
        `failover run ${i + 1}: ${podName} ${from} → ${to ?? '(not Ready)'}: evicted ${s(run.evictedMs)}, forced by health ${s(run.forcedMs)}, ` +
          `released ${s(run.releasedMs)}, recreated ${s(run.recreatedMs)}, Ready ${s(run.readyMs)} after the loss; health at zero at the loss: ` +
          `${run.healthAtZero}${run.zeroForMs !== undefined ? ` (for ${s(run.zeroForMs)})` : ''}, cold at the eviction: ${run.coldAtEviction}, ${healthDeletes} health delete(s)`,
      );
      // The node comes back as the next run's spare; the cluster converges again first.
      await startKubelet((a) => kubectl(a), from);
      await until(`node ${from} back`, 120_000, () => nodeUsable(c, from));
      await awaitConverged(c.admin, NS, NAME, 120_000);
    }
  } finally {
    // The cluster is deleted while the operator runs: finalize's finalizers need it.
    if (op) {
      await kubectl(['delete', 'gpss', NAME, '-n', NS, '--ignore-not-found', '--timeout=120s']).catch(
        () => undefined,
      );
      await op.stop().catch(() => undefined);
    }
    await kubectl(['delete', 'namespace', NS, '--wait=false', '--ignore-not-found']);
    await kubectl([
      'delete',
      'node',
      ...Array.from({ length: NODES }, (_, i) => nodeName(i)),
      '--wait=false',
      '--ignore-not-found',
    ]);
  }
  const done = runs.filter((x) => x.readyMs !== undefined);
  return {
    windowS: DEFAULTS.failoverAfterSeconds,
    ...(tolerationSeconds !== undefined ? { tolerationSeconds } : {}),
    idleMs: SHIPPED_IDLE_MS,
    pingsSent: 0,
    runs,
    ready: summarize(done.map((x) => x.readyMs!)),
    evicted: summarize(runs.flatMap((x) => (x.evictedMs !== undefined ? [x.evictedMs] : []))),
  };
}
