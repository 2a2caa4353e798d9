// CPU seconds per component over a benchmark, from /proc: which process the time went to (API server,
// etcd, controllers, functions, adapters), and how much of the machine other work took meanwhile.
import { readdirSync, readFileSync } from 'node:fs';

const TICK = 100; // USER_HZ: /proc reports clock ticks of 1/100 s on Linux

function ticks(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(f[11]) + Number(f[12]); // utime, stime
  } catch {
    return Number.NaN;
  }
}

/** The pid and every descendant (an adapter runs under a watchdog shell). */
function tree(pid: number): number[] {
  const out = [pid];
  try {
    for (const t of readdirSync(`/proc/${pid}/task`)) {
      const kids = readFileSync(`/proc/${pid}/task/${t}/children`, 'utf8').trim();
      for (const k of kids ? kids.split(' ') : []) out.push(...tree(Number(k)));
    }
  } catch {}
  return out;
}

function machineBusy(): { busy: number; total: number } {
  const f = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
  const idle = f[3]! + f[4]!;
  const total = f.slice(0, 8).reduce((a, b) => a + b, 0);
  return { busy: total - idle, total };
}

export interface CpuSnapshot {
  at: number;
  components: Record<string, number>;
  machine: { busy: number; total: number };
}

/** pid → that process and its descendants; { self: pid } → that process alone (the bench, parent of everything). */
export type Tracked = Record<string, number | { self: number }>;

export function cpuSnapshot(components: Tracked): CpuSnapshot {
  const c: Record<string, number> = {};
  for (const [name, p] of Object.entries(components)) {
    const pids = typeof p === 'number' ? tree(p) : [p.self];
    c[name] = pids.reduce((a, x) => a + (ticks(x) || 0), 0);
  }
  return { at: performance.now(), components: c, machine: machineBusy() };
}

export interface CpuUse {
  wallS: number;
  /** CPU seconds per component. */
  components: Record<string, number>;
  /** CPU seconds of everything else on the machine (other people's work included). */
  others: number;
  /** CPU seconds the machine had in all (cores × wall) and left idle. */
  capacity: number;
  idle: number;
}

export function cpuUse(a: CpuSnapshot, b: CpuSnapshot): CpuUse {
  const components: Record<string, number> = {};
  for (const k of Object.keys(a.components)) components[k] = (b.components[k]! - a.components[k]!) / TICK;
  const ours = Object.values(components).reduce((x, y) => x + y, 0);
  const busy = (b.machine.busy - a.machine.busy) / TICK;
  const capacity = (b.machine.total - a.machine.total) / TICK;
  return {
    wallS: (b.at - a.at) / 1000,
    components,
    others: Math.max(0, busy - ours),
    capacity,
    idle: capacity - busy,
  };
}
