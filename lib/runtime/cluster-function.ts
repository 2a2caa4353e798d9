// The shape all three functions share: a PingSource event resyncs every cluster; an ApiServerSource
// event is mapped to the one GpssCluster it concerns, triaged (can it change anything at all?) and,
// unless it cannot, that cluster is handled from a fresh read.
// Each function only says which kinds it subscribes to and what it does for one cluster.
import type { CloudEvent } from 'cloudevents';
import type { Hono } from 'hono';
import { type GpssCluster, KIND } from '../api/types';
import { asOfClient, newestVersion } from '../k8s/as-of';
import type { KubeClient, KubeObject } from '../k8s/client';
import { primedClient } from '../k8s/primed';
import { type ReadAhead, readAheadClient } from '../k8s/read-ahead';
import { type SnapshotKind, StaleSnapshot, snapshotClient } from '../k8s/snapshot';
import { type ClusterRef, clusterRefOf } from './cluster-key';
import type { FunctionContext } from './context';
import { BadEventError, classify } from './errors';
import { type ApiServerEvent, describeApiServerEvent } from './events/apiserver';
import { isPingEvent } from './events/types';
import { clearFailure, failureRecorded, reportFailure } from './failures';
import { createFunctionApp, type HandleContext, type HandleResult } from './function-app';
import type { Logger } from './log';
import { forEachCluster } from './resync';

export interface ClusterFunction {
  name: string;
  /** Kinds its ApiServerSource delivers; any other kind is answered 400. */
  kinds: readonly string[];
  /** Handles one cluster; returns the outcome word for the summary line. */
  handleCluster(ctx: FunctionContext, namespace: string, name: string): Promise<string>;
  /**
   * The PingSource resync; by default every cluster through handleCluster. `handle` is handleCluster
   * with failures recorded on the cluster: a custom resync calls it for each cluster.
   */
  resync?(ctx: FunctionContext, handle: ClusterHandler): Promise<string>;
  /**
   * What a resync reads, taken as one list per kind for the whole watch scope before any cluster is
   * handled (lib/k8s/snapshot.ts): a ping then costs a few requests, not a few per cluster.
   */
  resyncReads?: SnapshotKind[];
  /**
   * Decides from the event's own object, with no read, that handling it cannot change anything: the
   * outcome word, or undefined to handle it. Only for events whose loss would be repaired anyway
   * (by the event of whatever else changes, or the resync). `now` for a decision bounded in time.
   */
  nothingToDo?(ev: ApiServerEvent, now: Date): string | undefined;
  /**
   * The same decision with the event's cluster read once (one get, which the handler's own read of the
   * cluster then reuses, so an event it does not settle costs nothing more). Not asked while a failure
   * of this function is recorded on the cluster: only handling an event clears it.
   */
  nothingToDoGiven?(ev: ApiServerEvent, cr: GpssCluster): string | undefined;
  /**
   * Reads to start beside the triage's read of the cluster, for events the triage will not settle
   * (lib/k8s/read-ahead.ts); undefined for none.
   */
  readAhead?(evs: readonly ApiServerEvent[], ref: ClusterRef, now: Date): ReadAhead | undefined;
}

export type ClusterHandler = (ctx: FunctionContext, namespace: string, name: string) => Promise<string>;

export interface Deps {
  kube: KubeClient;
  logger: Logger;
  now?: () => Date;
}

export function createClusterFunctionApp(fn: ClusterFunction, deps: Deps): Hono {
  const now = deps.now ?? (() => new Date());
  // One cluster, with the no-silent-failure rule around it: a permanent failure is recorded on the
  // cluster (condition + Warning Event) before it propagates; a success clears a recorded one.
  const handleOne: ClusterHandler = async (c, namespace, name) => {
    let cr: GpssCluster | undefined;
    try {
      const outcome = await fn.handleCluster({ ...c, seen: (x) => (cr = x) }, namespace, name);
      if (cr) await clearFailure(c, fn.name, cr);
      return outcome;
    } catch (err) {
      if (!(err instanceof BadEventError) && classify(err) === 'permanent') {
        await reportFailure(c, fn.name, { namespace, name }, err);
      }
      throw err;
    }
  };
  const handle = async (event: CloudEvent<unknown>, ctx: HandleContext): Promise<HandleResult> => {
    if (isPingEvent(event)) {
      const kube = fn.resyncReads ? await snapshotClient(ctx.kube, fn.resyncReads) : ctx.kube;
      const c = { kube, log: ctx.log, now };
      // A cluster that changed since the snapshot (an event's pass reported on it from newer reads) is
      // handled again from fresh reads rather than written over with what the snapshot showed.
      const handle: ClusterHandler = async (hc, namespace, name) => {
        try {
          return await handleOne(hc, namespace, name);
        } catch (err) {
          if (!(err instanceof StaleSnapshot)) throw err;
          hc.log.info(
            { decision: 'read-again' },
            'the cluster changed since the resync read it: read it again',
          );
          return handleOne({ ...hc, kube: ctx.kube }, namespace, name);
        }
      };
      const summary = fn.resync
        ? await fn.resync(c, handle)
        : (await forEachCluster(kube, ctx.log, (k, log) => handle({ ...c, log }, k.namespace, k.name)))
            .summary;
      return { outcome: `resync ${summary}` };
    }
    const ev = describeApiServerEvent(event);
    const ref = clusterRefOf(ev, fn.kinds);
    const key = `${ref.namespace}/${ref.name}`;
    ctx.cluster = key;
    const skipped = fn.nothingToDo?.(ev, now());
    if (skipped) return { outcome: skipped, cluster: key };
    const log = ctx.log.child({ cluster: key });
    // Inside the per-cluster queue: a read taken before waiting there could be stale when the handler runs.
    const { outcome, coalesced } = await perCluster.run(key, ev, async (evs) => {
      // As of the events, not of the cluster as read below: a list of another kind then waits only
      // for its cache to pass the events (lib/k8s/as-of.ts).
      const asOf = asOfClient(ctx.kube, newestVersion(evs.map((e) => e.object?.metadata?.resourceVersion)));
      const ahead = fn.readAhead?.(evs, ref, now());
      const pass = ahead ? readAheadClient(asOf, ahead) : asOf;
      const cr = await ctx.kube.get<GpssCluster>('gpssclusters', ref.namespace, ref.name);
      if (cr && !failureRecorded(cr, fn.name)) {
        const settled = settleAll(fn, evs, cr, now());
        if (settled) return settled;
      }
      const kube = primedClient(pass, 'gpssclusters', ref.namespace, ref.name, cr);
      return handleOne({ kube, log, now, events: evs }, ref.namespace, ref.name);
    });
    return { outcome: coalesced ? `coalesced:${outcome}` : outcome, cluster: key };
  };
  const perCluster = new KeyedRunner<ApiServerEvent>();
  return createFunctionApp({ name: fn.name, logger: deps.logger, kube: deps.kube, handle });
}

/**
 * The outcome word when not one of `evs` can change anything, judged with the cluster as just read:
 * each event's own object, and a GpssCluster event's again as the cluster is now (its copy may be
 * late: delivery is late and unordered). Undefined when any needs handling. No child is got again
 * here: a child's event the cluster does not settle was, in every bench, one to handle.
 */
function settleAll(
  fn: ClusterFunction,
  evs: ApiServerEvent[],
  cr: GpssCluster,
  now: Date,
): string | undefined {
  const outcomes: string[] = [];
  for (const ev of evs) {
    // Its own object alone was judged before it was queued (nothingToDo); now with the cluster.
    let settled = fn.nothingToDoGiven?.(ev, cr);
    if (!settled && ev.verb !== 'delete' && ev.kind === KIND) {
      // The event as if it had been sent for the cluster as it is now; its verb kept.
      const current: ApiServerEvent = { ...ev, object: cr as unknown as KubeObject };
      settled = fn.nothingToDo?.(current, now) ?? fn.nothingToDoGiven?.(current, cr);
    }
    if (!settled) return undefined;
    outcomes.push(settled);
  }
  return joinOutcomes(outcomes);
}

function joinOutcomes(outcomes: string[]): string {
  return outcomes.length === 1 ? outcomes[0] : [...new Set(outcomes)].join('+');
}

/**
 * One handler at a time per cluster in this instance, and at most one waiting: an event that arrives
 * while another is waiting joins it, since that run starts later and reads afresh anyway; the run is
 * given every event that joined it, so a triage that settles one event does not settle the others.
 * Without this, the add events of a new cluster and of its first children (delivered in parallel by
 * the source) make concurrent handlers each find an object missing and each apply it. Only in-flight
 * work is held here; nothing outlives the event.
 */
export class KeyedRunner<T = unknown> {
  private readonly slots = new Map<
    string,
    { tail: Promise<unknown>; waiting?: { run: Promise<string>; items: T[] } }
  >();

  run(
    key: string,
    item: T,
    task: (items: T[]) => Promise<string>,
  ): Promise<{ outcome: string; coalesced: boolean }> {
    let slot = this.slots.get(key);
    if (slot?.waiting) {
      slot.waiting.items.push(item);
      return slot.waiting.run.then((outcome) => ({ outcome, coalesced: true }));
    }
    if (!slot) {
      slot = { tail: Promise.resolve() };
      this.slots.set(key, slot);
    }
    const s = slot;
    const items = [item];
    const start = () => {
      if (s.waiting?.run === run) s.waiting = undefined;
      return task(items);
    };
    const run: Promise<string> = s.tail.then(start, start);
    s.waiting = { run, items };
    s.tail = run;
    const settle = () => {
      if (this.slots.get(key) === s && s.tail === run) this.slots.delete(key);
    };
    run.then(settle, settle);
    return run.then((outcome) => ({ outcome, coalesced: false }));
  }
}
