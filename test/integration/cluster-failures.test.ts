// A bad environment makes cluster:up fail fast, naming the component, showing its log, leaving
// nothing running. Each case uses a throwaway state dir, never the shared cluster's.
import { mkdtempSync, readdirSync, readFileSync, symlinkSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { ClusterError, up } from '../../localcluster/cluster';
import { type ClusterConfig, defaultConfig } from '../../localcluster/config';

const test = suite('cluster:up in a bad environment');

function tempConfig(overrides: Partial<ClusterConfig> = {}): ClusterConfig {
  const tmp = mkdtempSync(join(tmpdir(), 'gpss-cluster-fail-'));
  return defaultConfig({
    dir: join(tmp, 'cluster'),
    kubeconfigPath: join(tmp, 'kubeconfig'),
    readyTimeoutMs: 45_000,
    ...overrides,
  });
}

/** Processes whose command line mentions dir: whatever a failed start left behind. */
function processesUsing(dir: string): number[] {
  const pids: number[] = [];
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      if (readFileSync(`/proc/${d}/cmdline`, 'utf8').includes(dir)) pids.push(Number(d));
    } catch {}
  }
  return pids;
}

async function expectFailure(cfg: ClusterConfig): Promise<ClusterError> {
  const t0 = Date.now();
  try {
    await up(cfg);
  } catch (err) {
    assert.instance(err, ClusterError);
    console.log(`  failed after ${Date.now() - t0} ms: ${(err as Error).message.split('\n')[0]}`);
    return err as ClusterError;
  }
  throw new Error('cluster:up succeeded in a bad environment');
}

test('a busy API server port', async () => {
  const blocker: Server = createServer();
  await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', r));
  const port = (blocker.address() as { port: number }).port;
  try {
    const cfg = tempConfig({ ports: { apiserver: port } });
    const err = await expectFailure(cfg);
    assert.is(err.component, 'kube-apiserver');
    assert.match(err.message, `127.0.0.1:${port} is busy`);
    assert.equal(processesUsing(cfg.dir), []);
  } finally {
    blocker.close();
  }
});

test('a missing binary', async () => {
  const real = defaultConfig().binDir;
  const bin = mkdtempSync(join(tmpdir(), 'gpss-bin-'));
  for (const f of readdirSync(real)) if (f !== 'kube-scheduler') symlinkSync(join(real, f), join(bin, f));
  const cfg = tempConfig({ binDir: bin });
  const err = await expectFailure(cfg);
  assert.is(err.component, 'kube-scheduler');
  assert.match(err.message, 'cluster:build');
  assert.equal(processesUsing(cfg.dir), []);
});

test('a component that exits during start-up', async () => {
  const cfg = tempConfig({ extraArgs: { 'kube-scheduler': ['--no-such-flag=1'] } });
  const err = await expectFailure(cfg);
  assert.is(err.component, 'kube-scheduler');
  assert.match(err.message, /exited/);
  assert.match(err.message, /no-such-flag/, 'the tail of its log is shown');
  assert.equal(processesUsing(cfg.dir), [], 'etcd, kube-apiserver and the rest were stopped');
});

test.run();
