// The machine the figures came from: they mean little without it (and without the load average,
// since other work may share these cores).
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { availableParallelism, loadavg, release } from 'node:os';

export interface Machine {
  nproc: number;
  memTotalGiB: number;
  cpuModel: string;
  node: string;
  go: string;
  kernel: string;
}

const tryRun = (cmd: string, args: string[]) => {
  try {
    return execFileSync(cmd, args, { encoding: 'utf8' }).trim();
  } catch {
    return 'unavailable';
  }
};

export function machine(): Machine {
  const cpuinfo = readFileSync('/proc/cpuinfo', 'utf8');
  const meminfo = readFileSync('/proc/meminfo', 'utf8');
  const memKiB = Number(/^MemTotal:\s+(\d+)/m.exec(meminfo)?.[1] ?? 0);
  return {
    nproc: Number(tryRun('nproc', [])) || availableParallelism(),
    memTotalGiB: Math.round((memKiB / 1024 / 1024) * 10) / 10,
    cpuModel: /^model name\s*:\s*(.+)$/m.exec(cpuinfo)?.[1]?.trim() ?? 'unknown',
    node: process.version,
    go: tryRun('go', ['version']).replace(/^go version /, ''),
    kernel: release(),
  };
}

export const load = (): string =>
  loadavg()
    .map((x) => x.toFixed(2))
    .join(' ');
