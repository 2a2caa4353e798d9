// The production bundles, run the way the image runs them: each dist/<fn>.mjs alone in a directory
// with no node_modules, against the embedded cluster, with the function's own RBAC. Each one must
// start, answer a PingSource CloudEvent with 200, refuse a malformed one with 400 and stop on SIGTERM.
// Bundles whatever functions/*/main.ts exist, and prints their sizes and start-up times.
import { type ChildProcess, spawn } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { parse, stringify } from 'yaml';
import { type BundleResult, bundleAll, formatSizes } from '../../build/bundle';
import { delay } from '../../localcluster/process';
import { type SharedCluster, sharedCluster } from '../support/cluster';
import { installOperator } from '../support/operator';

// Not the functions' ServiceAccounts themselves: other suites count those accounts' writes in the
// audit log, and a resync here must not show up in their numbers. Bound to the same ClusterRoles.
const testUser = (fn: string) => `gpss-ship-test:${fn}`;

interface Running {
  child: ChildProcess;
  port: number;
  startMs: number;
  lines: string[];
  exited: Promise<number | null>;
}

interface Ctx {
  c: SharedCluster;
  dir: string;
  results: BundleResult[];
  started: Map<string, Running>;
}

const test = suite<Ctx>('function bundles', {} as Ctx);

test.before(async (ctx) => {
  ctx.c = await sharedCluster();
  await installOperator(ctx.c);
  ctx.dir = mkdtempSync(join(tmpdir(), 'gpss-ship-bundle-'));
  ctx.results = await bundleAll({ outDir: join(ctx.dir, 'dist') });
  ctx.started = new Map();
  for (const r of ctx.results) {
    const binding = {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRoleBinding',
      metadata: { name: `gpss-ship-test-${r.name}` },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: `gpss-${r.name}` },
      subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: testUser(r.name) }],
    };
    const a = await ctx.c.kubectl(['apply', '--server-side', '-f', '-'], { input: JSON.stringify(binding) });
    if (a.code !== 0) throw new Error(`binding ${testUser(r.name)}: ${a.stderr}`);
  }
});

test.after(async (ctx) => {
  for (const r of ctx.started.values()) if (r.child.exitCode === null) r.child.kill('SIGKILL');
  for (const r of ctx.results ?? [])
    await ctx.c?.kubectl(['delete', 'clusterrolebinding', `gpss-ship-test-${r.name}`, '--ignore-not-found']);
  if (ctx.dir) rmSync(ctx.dir, { recursive: true, force: true });
});

/** The admin kubeconfig acting as `user` through the kubeconfig's own `as` (the library honours it). */
function impersonatingKubeconfig(ctx: Ctx, user: string): string {
  const kc = parse(readFileSync(ctx.c.kubeconfig, 'utf8')) as {
    users: Array<{ user: Record<string, unknown> }>;
  };
  for (const u of kc.users) u.user.as = user;
  const file = join(ctx.dir, `kubeconfig-${user.replace(/\W/g, '-')}`);
  writeFileSync(file, stringify(kc), { mode: 0o600 });
  return file;
}

/** Starts the bundle from its own empty directory, as in the image (/app holds one file). */
async function start(ctx: Ctx, r: BundleResult): Promise<Running> {
  const appDir = join(ctx.dir, `app-${r.name}`);
  mkdirSync(appDir);
  const file = join(appDir, `${r.name}.mjs`);
  copyFileSync(r.file, file);
  const t0 = performance.now();
  const child = spawn(process.execPath, [file], {
    cwd: appDir,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      PATH: process.env.PATH,
      KUBECONFIG: impersonatingKubeconfig(ctx, testUser(r.name)),
      // 0 = any free port; the `listening` line says which.
      PORT: '0',
      LOG_LEVEL: 'info',
    },
  });
  const lines: string[] = [];
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  let pending = '';
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`${r.name}: no 'listening' line in 15 s:\n${lines.join('\n')}`)),
      15_000,
    );
    const onData = (d: Buffer) => {
      pending += d.toString();
      const parts = pending.split('\n');
      pending = parts.pop() ?? '';
      for (const line of parts) {
        lines.push(line);
        try {
          const rec = JSON.parse(line) as { msg?: string; port?: number };
          if (rec.msg === 'listening' && rec.port) {
            clearTimeout(timer);
            resolve(rec.port);
          }
        } catch {
          // Not JSON: kept in `lines` for the failure message.
        }
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', (d: Buffer) => lines.push(`stderr: ${d.toString().trim()}`));
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`${r.name} exited with ${code} before listening:\n${lines.join('\n')}`));
    });
  });
  const running = { child, port, startMs: Math.round(performance.now() - t0), lines, exited };
  ctx.started.set(r.name, running);
  return running;
}

/** The request a PingSource sends (binary mode). */
function ping(port: number, id: string): Promise<Response> {
  return fetch(`http://127.0.0.1:${port}/`, {
    method: 'POST',
    headers: {
      'ce-specversion': '1.0',
      'ce-type': 'dev.knative.sources.ping',
      'ce-id': id,
      'ce-source': '/apis/v1/namespaces/gpss-operator-system/pingsources/gpss-resync',
      'content-type': 'application/json',
    },
    body: JSON.stringify({ resync: 'all' }),
  });
}

test('bundles exist for every function entry, and their sizes are printed', ({ results }) => {
  assert.ok(results.length >= 1, 'at least functions/reconcile');
  assert.ok(results.some((r) => r.name === 'reconcile'));
  console.log(`\n${formatSizes(results)}`);
  for (const r of results) {
    // One file carries everything but Node, @kubernetes/client-node included (about 2.5 MiB, most
    // of it the library's models and its undici): a regression guard against a second copy of it or
    // of every API class being pulled in.
    assert.ok(r.bytes < 3 * 1024 * 1024, `${r.name}: ${r.bytes} bytes`);
  }
});

test('each bundle starts alone and answers a PingSource event with 200', async (ctx) => {
  for (const r of ctx.results) {
    const run = await start(ctx, r);
    const health = await fetch(`http://127.0.0.1:${run.port}/healthz`);
    assert.is(health.status, 200);
    assert.equal(await health.json(), { ok: true, fn: r.name });

    // A resync races with whatever else acts on the shared cluster; a conflict is answered 503
    // (redeliver), which a PingSource would retry, and so does this.
    let res = await ping(run.port, `ship-${r.name}-1`);
    for (let i = 2; res.status === 503 && i <= 4; i++) {
      await delay(500);
      res = await ping(run.port, `ship-${r.name}-${i}`);
    }
    const body = await res.text();
    assert.is(res.status, 200, `${r.name}: ${body}\n${run.lines.slice(-5).join('\n')}`);
    assert.match(body, /"outcome":"resync /);

    const bad = await fetch(`http://127.0.0.1:${run.port}/`, {
      method: 'POST',
      headers: { 'ce-specversion': '1.0', 'ce-id': 'no-type', 'content-type': 'application/json' },
      body: '{}',
    });
    assert.is(bad.status, 400, `${r.name}: a CloudEvent without ce-type is refused`);
  }
  console.log(
    [...ctx.started.entries()].map(([n, s]) => `${n}: listening ${s.startMs} ms after spawn`).join('\n'),
  );
});

test('each bundle logs JSON lines carrying the event id, and stops cleanly on SIGTERM', async (ctx) => {
  for (const [name, run] of ctx.started) {
    const summary = run.lines
      .map((l) => {
        try {
          return JSON.parse(l) as Record<string, unknown>;
        } catch {
          return undefined;
        }
      })
      .find((rec) => rec?.msg === 'event handled' && String(rec.eventId).startsWith(`ship-${name}-`));
    assert.ok(summary, `${name}: no 'event handled' line:\n${run.lines.join('\n')}`);
    assert.is(summary!.fn, name);
    run.child.kill('SIGTERM');
    assert.is(await run.exited, 0, `${name} exit code`);
  }
});

test.run();
