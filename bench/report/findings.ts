// The "what dominates" notes of RESULTS.md, computed from the figures of the same run so they stay
// true when the code (and so the numbers) change.
import type { Tally } from '../harness/audit';
import { pingsPerHour } from '../measure/activator';
import { cpuBusy, type StepCpu } from '../measure/convergence';
import { adapterDrops, handledEvents } from './deliveries';
import type { Results } from './results';
import { meets, TARGET, verdict } from './targets';

const r0 = (v: number) => Math.round(v);
const mb = (kib: number) => (kib / 1024).toFixed(0);
const total = (m: Record<string, Tally>, pick: (t: Tally) => number = (t) => t.total) =>
  Object.values(m).reduce((a, t) => a + pick(t), 0);

function coldStart(r: Results): string[] {
  const cs = r.coldStart;
  const ic = r.importCosts;
  if (!cs || !ic?.length) return [];
  const floor = ic[0]!;
  // As shipped (with the compile cache); the control row without it is quoted on its own below.
  const shipped = cs.functions.filter((x) => x.compileCache !== false);
  const control = cs.functions.find((x) => x.compileCache === false);
  const app = ic.find((c) => c.entry.startsWith('functions/reconcile'));
  const deps = ic
    .slice(1)
    .filter((c) => !c.entry.startsWith('lib/runtime/function-app') && !c.entry.startsWith('functions/'));
  const top = [...deps]
    .sort((a, b) => b.ms.p50 - a.ms.p50)
    .map((c) => `${c.entry} +${r0(c.ms.p50 - floor.ms.p50)} ms`);
  const f = [...shipped].sort((a, b) => a.total.p50 - b.total.p50)[Math.floor(shipped.length / 2)]!;
  const fr = r.firstRequest;
  // Three parts, each measured on its own: node's boot, evaluating the bundle, the first event.
  const parts: Array<[string, number]> = [
    ['node itself (bare `node -e 0`)', cs.node.total.p50],
    ...(app ? ([['evaluating the bundle', app.ms.p50 - floor.ms.p50]] as Array<[string, number]>) : []),
    ['answering the first event', f.firstEvent.p50],
  ];
  const largest = [...parts].sort((a, b) => b[1] - a[1])[0]!;
  const ratio = (v: number) => `${(v / cs.node.total.p50).toFixed(1)}×`;
  const cached = control && shipped.find((x) => x.fn === control.fn);
  const slow = shipped.filter((x) => !meets.coldStart(x.total.p50));
  const heavy = shipped.filter((x) => !meets.nodeRatio(x.total.p50 / cs.node.total.p50));
  const targets =
    `target ${TARGET.coldStartP50Ms} ms: ${verdict(!slow.length, slow.map((x) => `${x.fn} ${r0(x.total.p50)} ms`).join(', '))}, ` +
    `${TARGET.nodeRatio}×: ${verdict(!heavy.length, heavy.map((x) => `${x.fn} ${ratio(x.total.p50)}`).join(', '))}`;
  const out = [
    `**Cold start** (${shipped.map((x) => `${x.fn} ${r0(x.total.p50)} ms`).join(', ')} p50, ${shipped.map((x) => ratio(x.total.p50)).join(' / ')} bare node; ${targets}), e.g. ${f.fn}: ` +
      `${r0(f.listen.p50)} ms until it listens + ${r0(f.firstEvent.p50)} ms to answer the first event. ` +
      `Measured apart: ${parts.map(([k, v]) => `${k} ${r0(v)} ms`).join(', ')}; the largest is ${largest[0]}. ` +
      `The floor moves with the machine and its load (issue 9 quotes 28 ms for \`node -e 0\` elsewhere). ` +
      `Imports alone: ${top.join(', ')}.` +
      (control && cached
        ? ` The compile cache built into the image takes ${r0(control.total.p50 - cached.total.p50)} ms off (${control.fn} ${r0(control.total.p50)} ms without it, ${r0(cached.total.p50)} ms with).`
        : ''),
  ];
  if (fr)
    out.push(
      `The first event's ${r0(f.firstEvent.p50)} ms are mostly the first API request: ${r0(fr.firstListMs.p50)} ms for the first list ` +
        `(new TCP + TLS connection, the ServiceAccount token read from its file) against ${r0(fr.secondListMs.p50)} ms for the same list on the kept-alive ` +
        `connection; reading the kubeconfig takes ${r0(fr.kubeconfigMs.p50)} ms before listening.`,
    );
  const rss = shipped.map((x) => x.rssKiB.p50);
  const overMiB = shipped.filter((x) => !meets.rss(x.rssKiB.p50));
  const overNode = shipped.filter((x) => !meets.nodeRatio(x.rssKiB.p50 / cs.node.rssKiB));
  const tp = r.throughput ?? [];
  const hwmAt = (pred: (c: number) => boolean) => tp.filter((t) => pred(t.concurrency)).map((t) => t.hwmKiB);
  const serial = hwmAt((c) => c === 1);
  const parallel = hwmAt((c) => c > 1);
  const scalePeaks = Object.values(r.scale?.peakKiB ?? {});
  const range = (l: number[]) => `${mb(Math.min(...l))}–${mb(Math.max(...l))} MiB`;
  const peaks = [...serial, ...parallel, ...scalePeaks];
  const underLoad = peaks.length
    ? `. Under load the peak (VmHWM) is ${peaks.some((k) => !meets.rss(k)) ? 'above' : 'within'} the ${TARGET.rssMiB} MiB target` +
      (serial.length && parallel.length
        ? ` and ${Math.max(...parallel) > Math.max(...serial) ? 'grows' : 'does not grow'} with the events in flight: ` +
          `${range(serial)} handling one event at a time, ${range(parallel)} with ${Math.max(...tp.map((t) => t.concurrency))} at once`
        : '') +
      (scalePeaks.length
        ? `${serial.length && parallel.length ? ',' : ':'} ${range(scalePeaks)} in the scale test`
        : '')
    : '';
  out.push(
    `**Memory**: ${rss.map(mb).join(' / ')} MiB RSS after the first event (${rss.map((k) => `${(k / cs.node.rssKiB).toFixed(1)}×`).join(' / ')} bare node; ` +
      `targets ${TARGET.rssMiB} MiB: ${verdict(!overMiB.length, overMiB.map((x) => `${x.fn} ${mb(x.rssKiB.p50)} MiB`).join(', '))}, ` +
      `${TARGET.nodeRatio}×: ${verdict(!overNode.length, overNode.map((x) => `${x.fn} ${(x.rssKiB.p50 / cs.node.rssKiB).toFixed(1)}×`).join(', '))}), of which node itself is ` +
      `${mb(floor.rssKiB.p50)} MiB` +
      (app ? ` and the loaded code ${mb(app.rssKiB.p50 - floor.rssKiB.p50)} MiB` : '') +
      underLoad +
      '.' +
      (r.baseline && r.baselineAtScale
        ? ` The always-on baseline holds its caches instead: ${mb(r.baseline.rssKiB)} MiB RSS with ${r.baseline.existingClusters + r.sizes.clusters} clusters, ` +
          `${mb(r.baselineAtScale.rssKiB)} MiB with ${r.baselineAtScale.existingClusters}.`
        : ''),
  );
  const fin = r.scale?.resyncPeakKiB.finalize;
  if (fin && r.scale)
    out.push(
      `finalize's resync peaked at ${mb(fin)} MiB over ${r.scale.resync[0]?.clusters ?? '?'} clusters: its orphan sweep ` +
        '(functions/finalize/resync.ts) lists every instance pod in the cluster into memory at once.',
    );
  return out;
}

/** Issue 15: what scale to zero costs an event, and how much of the hour the shipped schedules leave at zero. */
function scaleToZero(r: Results): string[] {
  const a = r.activator;
  if (!a?.functions.length) return [];
  const bare = (fn: string) =>
    r.coldStart?.functions.find((f) => f.fn === fn && f.compileCache !== false)?.total.p50;
  const per = a.functions.map((f) => {
    const b = bare(f.fn);
    return (
      `${f.fn} ${r0(f.cold.p50)} ms at zero (p90 ${r0(f.cold.p90)}) against ${r0(f.warm.p50)} ms warm` +
      (b !== undefined ? ` and ${r0(b)} ms bare cold start` : '')
    );
  });
  const sign = (v: number) => `${v < 0 ? '−' : '+'}${Math.abs(r0(v))}`;
  const over = a.functions.flatMap((f) => {
    const b = bare(f.fn);
    return b === undefined ? [] : [`${f.fn} ${sign(f.cold.p50 - b)} ms`];
  });
  const added = a.functions.map((f) => f.warm.p50 - f.direct.p50);
  const bad = a.functions.reduce((n, f) => n + f.non2xx + f.notCold, 0);
  const z = a.atZero;
  const missed = z.filter((x) => !meets.atZero(x.share));
  return [
    `**Scale to zero** (through the local activator, table 3d): ${per.join('; ')} (p50). ` +
      (over.length
        ? `At zero against the bare cold start (the activator holding the request, polling /healthz, forwarding; noise included): ${over.join(', ')}; `
        : '') +
      `warm, what the activator adds to a request (warm − direct): ${a.functions.map((f, i) => `${f.fn} ${sign(added[i]!)} ms`).join(', ')}. ` +
      (bad ? `${bad} sample(s) were not answered 2xx or did not find the function at zero. ` : '') +
      `With the shipped schedules and nothing changing, computed from each schedule and the measured busy time (not observed over an hour): ` +
      `${z.map((x) => `${x.fn} ${(100 * x.share).toFixed(0)}% of the hour at zero (ping "${x.schedule ?? 'none'}")`).join(', ')}; ` +
      `target most of every hour: ${verdict(!missed.length, missed.map((x) => `${x.fn} ${(100 * x.share).toFixed(0)}%`).join(', '))}.`,
  ];
}

function convergence(r: Results): string[] {
  const conv = r.convergence;
  const base = r.baseline?.convergence;
  if (!conv) return [];
  const p50 = conv.create.latency.p50;
  const out = [
    `**Convergence** of one size-3 cluster: ${r0(p50)} ms p50 (target ${TARGET.convergenceP50Ms / 1000} s: ${verdict(meets.convergence(p50), `${r0(p50)} ms`)}); ` +
      `scale 3 → 5 ${r0(conv.scale.latency.p50)} ms, image change ${r0(conv.image.latency.p50)} ms (a rolling update of five instances, each through the instance finalizer).` +
      (r.convergenceFailedSends ? ` ${adapterDrops(r.convergenceFailedSends)}` : ''),
  ];
  if (!base) return out;
  const c = conv.create.meanByUser;
  const b = base.create.meanByUser;
  const sts = (m: Record<string, Tally>) => total(m, (t) => t.byVerbResource['patch statefulsets'] ?? 0);
  const writes = (m: Record<string, Tally>) => total(m, (t) => t.writes);
  out.push(
    `**Against the always-on baseline** (same reconcile code, informer cache, work queue): ${(conv.create.latency.p50 / base.create.latency.p50).toFixed(1)}× the latency ` +
      `(${r0(conv.create.latency.p50)} vs ${r0(base.create.latency.p50)} ms on create) and ${(total(c) / Math.max(1, total(b))).toFixed(0)}× the API requests ` +
      `(${r0(total(c))} vs ${r0(total(b))} per created cluster). Reads make the difference: ${r0(total(c, (t) => t.reads))} vs ${r0(total(b, (t) => t.reads))}, ` +
      `because every event re-reads the cluster and its children (${perEvent(r)} requests per event; table 2c) ` +
      'and each of the three functions receives its own copy of every change.',
  );
  if (sts(c) >= 1.5 * Math.max(1, sts(b)))
    out.push(
      `Writes are ${(writes(c) / Math.max(1, writes(b))).toFixed(1)}× too (${r0(total(c, (t) => t.writes))} vs ${r0(total(b, (t) => t.writes))} per created cluster; the StatefulSet is applied ${sts(c).toFixed(1)}× against ${sts(b).toFixed(1)}×): ` +
        "the CR's add event and the add events of the first children are handled at the same time (an adapter delivers each watched resource's events in order, " +
        'but the CR, Services and StatefulSets in parallel, and nothing serialises the events of one cluster), so two handlers both find an object missing and both apply it (the reconcile log shows ' +
        "overlapping handlers each logging `apply StatefulSet … why=missing`). The baseline's work queue never runs one key twice at once.",
    );
  const cpu = createCpu(r);
  if (cpu) out.push(cpu);
  return out;
}

/** Busy share of the cores (%) from which a create's latency is taken as bound by the machine's CPU. */
const SATURATED = 80;

/** Table 1b's create columns in a sentence: how much CPU each side's create cost the machine, and where. */
function createCpu(r: Results): string | undefined {
  const s = r.convergence?.create.cpu;
  const b = r.baseline?.convergence?.create.cpu;
  if (!s || !b) return undefined;
  const ms = (u: StepCpu, pick: (name: string) => boolean) =>
    (1000 * Object.entries(u.components).reduce((a, [k, v]) => a + (pick(k) ? v : 0), 0)) / u.clusters;
  const all = (u: StepCpu) => (1000 * cpuBusy(u)) / u.clusters;
  const busy = (u: StepCpu) => (100 * cpuBusy(u)) / Math.max(1e-9, u.capacity);
  const api = (k: string) => k === 'kube-apiserver';
  return (
    `**CPU per create** (table 1b): the machine spent ${r0(all(s))} CPU-ms per serverless create against ${r0(all(b))} for the baseline's (${(all(s) / all(b)).toFixed(1)}×): ` +
    `the functions ${r0(ms(s, (k) => k.startsWith('function ')))}, their adapters ${r0(ms(s, (k) => k.startsWith('adapter ')))} and the API server ${r0(ms(s, api))}, ` +
    `against the baseline process ${r0(ms(b, (k) => k === 'baseline controller'))} and the API server ${r0(ms(b, api))}. ` +
    `The ${r.machine.nproc} cores were ${busy(s).toFixed(0)}% busy while a serverless create converged and ${busy(b).toFixed(0)}% during the baseline's` +
    (busy(s) >= SATURATED
      ? ': the control plane (scheduler, StatefulSet controller, KWOK) makes the pods and their status on the same cores, so the CPU the operator spends meanwhile is spent on the way to Ready.'
      : ': the cores had room to spare, so the difference in latency is not the CPU alone.')
  );
}

/** Requests one no-op event costs each function, from table 2c of the same run. */
const perEvent = (r: Results) => {
  const by = new Map<string, number>();
  for (const n of r.noop ?? []) by.set(n.fn, Math.max(by.get(n.fn) ?? 0, n.own.total));
  return [...by].map(([fn, v]) => `${fn} ${v.toFixed(0)}`).join(', ');
};

const lastOf = (m: Record<string, number> | undefined) =>
  Object.entries(m ?? {})
    .sort((a, b) => b[1] - a[1])
    .map(([u, t]) => `${u.replace(/^.*:gpss-/, '')} ${t.toFixed(0)} s`)
    .join(', ');

/** Below this share of the machine's CPU-seconds left idle, the scale test counts as CPU-bound. */
const CPU_BOUND_IDLE = 0.1;

function scale(r: Results): string[] {
  const s = r.scale;
  if (!s) return [];
  const u = s.cpu;
  const fnCpu = Object.entries(u.components)
    .filter(([k]) => k.startsWith('function'))
    .reduce((a, [, v]) => a + v, 0);
  const api = u.components['kube-apiserver'] ?? 0;
  const reqs = total(s.requests);
  const readShare = total(s.requests, (t) => t.reads) / Math.max(1, reqs);
  const top = Object.entries(s.apiLatency)
    .slice(0, 3)
    .map(([k, l]) => `${k} ${l.sumS.toFixed(0)} s`);
  const handling = Object.entries(s.events)
    .map(([fn, e]) => `${fn} ${r0(e.handlingMs.p50)} ms`)
    .join(', ');
  const idle = (r.throughput ?? []).filter((t) => t.concurrency === 1);
  const unloaded = idle.map((t) => `${t.fn} ${r0(t.latency.p50)} ms`).join(', ');
  const loaded = (fn: string) => s.events[fn]?.handlingMs.p50;
  const rose = idle.length > 0 && idle.every((t) => (loaded(t.fn) ?? Number.NaN) > t.latency.p50);
  const ok = meets.scale(s);
  const reached =
    s.allReadyMs !== undefined
      ? `${(s.allReadyMs / 1000).toFixed(0)} s`
      : `${s.readyAtEnd}/${s.clusters} Ready at the deadline`;
  const target =
    `target all ${TARGET.scaleClusters} Ready within ${TARGET.scaleReadyMs / 60_000} minutes: ` +
    (ok === undefined ? `not judged, ${s.clusters} clusters only` : verdict(ok, reached));
  return [
    `**Scale** (${s.clusters} clusters at once; ${target}): ` +
      (s.allReadyMs !== undefined
        ? `all Ready after ${(s.allReadyMs / 1000).toFixed(0)} s`
        : `${s.readyAtEnd}/${s.clusters} Ready after ${(r.sizes.scaleDeadlineMs / 1000).toFixed(0)} s`) +
      (s.settledMs !== undefined
        ? `, the operator done with every event after ${(s.settledMs / 1000).toFixed(0)} s (last requests: ${lastOf(s.lastRequestS)}). `
        : ', the operator still busy when the bench stopped waiting. ') +
      `The machine was ${u.idle < CPU_BOUND_IDLE * u.capacity ? 'CPU-bound' : 'not CPU-bound'}: of ${u.capacity.toFixed(0)} CPU-seconds, the API server took ${api.toFixed(0)}, other work on this shared machine ${u.others.toFixed(0)}, ` +
      `the three functions ${fnCpu.toFixed(0)}, and ${u.idle.toFixed(0)} s were left idle. The functions made ${r0(100 * (s.apiShare?.requests ?? 0))}% of the API server's requests (${r0(100 * (s.apiShare?.serverTime ?? 0))}% of its request time), ${readShare > 0.5 ? 'mostly re-reads' : 'mostly writes'}: ` +
      `${reqs} requests (${(reqs / s.clusters).toFixed(0)} per cluster, ${r0(100 * readShare)}% reads), ` +
      `the most API-server time going to ${top.join(', ')}. ` +
      (idle.length
        ? `Per-event handling ${rose ? 'rose' : 'went'} from ${unloaded} (one at a time, idle cluster) to ${handling} p50`
        : `Per-event handling took ${handling} p50`) +
      (rose && api > fnCpu ? ': the functions wait on the API server, not the other way round. ' : '. ') +
      adapterDrops(s.adapterFailedSends) +
      (handledEvents(s.events) ? ` ${handledEvents(s.events)}` : ''),
  ];
}

/**
 * Requests a minute the deployed PingSource schedules cost at rest, from the largest resync measured
 * (runs before the schedules were recorded: health and finalize every minute, reconcile every 5).
 */
export function resyncNote(r: Results): string {
  const list = r.scale?.resync ?? r.resync ?? [];
  const old: Record<string, string> = {
    health: '* * * * *',
    finalize: '* * * * *',
    reconcile: '*/5 * * * *',
  };
  const schedules = r.pingSchedules ?? old;
  const rate = (fn: string) => (schedules[fn] ? pingsPerHour(schedules[fn]) / 60 : 0);
  const clusters = Math.max(1, ...list.map((x) => x.clusters));
  const perMinute = list.reduce((a, x) => a + x.own.total * rate(x.fn), 0);
  const perCluster = perMinute / clusters;
  return (
    `**Resync** over ${clusters} clusters: ${list.map((x) => `${x.fn} ${x.own.total}`).join(', ')} requests per ping (table 2d). ` +
    `With the deployed schedules that is ${r0(perMinute)} requests a minute with nothing changing, ${perCluster.toFixed(2)} per cluster ` +
    `(target ≤ ${TARGET.idlePerClusterPerMinute}: ${verdict(meets.idle(perCluster), `${perCluster.toFixed(2)}`)}).`
  );
}

export function findings(r: Results): string[] {
  return [
    ...coldStart(r),
    ...scaleToZero(r),
    ...convergence(r),
    ...scale(r),
    ...(r.resync || r.scale ? [resyncNote(r)] : []),
  ];
}
