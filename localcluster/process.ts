// Child processes of the embedded cluster: started detached so they outlive the CLI that started
// them, one log file each, and stopped by pid only after checking the pid still runs our binary
// (a pid from a crashed run may have been reused by an unrelated process).
import { spawn } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync, readlinkSync, realpathSync } from 'node:fs';
import { createServer } from 'node:net';

export interface Started {
  name: string;
  pid: number;
  binary: string;
  log: string;
  /** Kept so a component can be restarted with the same flags (chaos tests restart the API server). */
  args: string[];
}

export function startDetached(
  name: string,
  binary: string,
  args: string[],
  log: string,
  env: NodeJS.ProcessEnv = {},
): Started {
  const fd = openSync(log, 'a');
  const child = spawn(binary, args, {
    detached: true,
    stdio: ['ignore', fd, fd],
    env: { ...process.env, ...env },
  });
  closeSync(fd);
  if (child.pid === undefined) throw new Error(`${name}: failed to start ${binary}`);
  child.unref();
  // The resolved path: a rebuild may re-point the symlink while this process keeps running.
  return { name, pid: child.pid, binary: realpathSync(binary), log, args };
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  // A zombie (exited, not yet reaped by us) still answers kill(0); /proc tells the truth.
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return !/^\d+ \(.*\) Z/.test(stat);
  } catch {
    return true;
  }
}

/** True only when pid runs the given binary (resolving the symlinked binary path). */
export function runsBinary(pid: number, binary: string): boolean {
  try {
    const exe = readlinkSync(`/proc/${pid}/exe`).replace(/ \(deleted\)$/, '');
    let want = binary;
    try {
      want = readlinkSync(binary);
    } catch {}
    return exe === want || exe === binary;
  } catch {
    return false;
  }
}

/** Stops p if it still runs our binary; false when there was nothing (of ours) to stop. */
export async function stopProcess(p: Started, timeoutMs = 10_000): Promise<boolean> {
  if (!isAlive(p.pid) || !runsBinary(p.pid, p.binary)) return false;
  try {
    process.kill(p.pid, 'SIGTERM');
  } catch {
    return false;
  }
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (!isAlive(p.pid)) return true;
    await delay(50);
  }
  try {
    process.kill(p.pid, 'SIGKILL');
  } catch {}
  return true;
}

export function tail(file: string, lines = 25): string {
  if (!existsSync(file)) return '(no log)';
  const all = readFileSync(file, 'utf8').trimEnd().split('\n');
  return all.slice(-lines).join('\n');
}

export function delay(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => (typeof addr === 'object' && addr ? resolve(addr.port) : reject(new Error('no port'))));
    });
  });
}

export function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.once('error', () => resolve(false));
    srv.listen(port, '127.0.0.1', () => srv.close(() => resolve(true)));
  });
}
