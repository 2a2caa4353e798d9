// The compile-cache maker on throwaway entries: a server that runs until SIGTERM (as a function
// does), a script that exits by itself (an import-cost probe), one that fails. Node must accept the
// cache it writes, and the maker must run under plain `node`, as in the distroless image.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { ROOT } from './bundle';
import { bundlesIn, makeCompileCache, makeCompileCaches } from './compile-cache';

interface Ctx {
  root: string;
  apps: string;
}

const test = suite<Ctx>('build/compile-cache', { root: '', apps: '' });

// Shaped like lib/runtime/main.ts: one JSON log line once listening, a clean exit on SIGTERM.
const SERVER = `import { createServer } from 'node:http';
const server = createServer((_req, res) => res.end('ok'));
server.listen(Number(process.env.PORT), process.env.HOST, () => {
  if (!process.env.KUBECONFIG) throw new Error('no KUBECONFIG');
  console.log(JSON.stringify({ level: 'info', port: server.address().port, msg: 'listening' }));
  process.once('SIGTERM', () => server.close(() => process.exit(0)));
});
`;

test.before((ctx) => {
  ctx.root = mkdtempSync(join(tmpdir(), 'gpss-compile-cache-'));
  ctx.apps = join(ctx.root, 'app');
  mkdirSync(ctx.apps);
  writeFileSync(join(ctx.apps, 'server.mjs'), SERVER);
  writeFileSync(join(ctx.apps, 'once.mjs'), 'export const x = [1, 2, 3].map((n) => n * 2);\n');
  writeFileSync(join(ctx.apps, 'README.md'), 'not a bundle\n');
  writeFileSync(join(ctx.root, 'broken.mjs'), "throw new Error('boom at load');\n");
});

test.after((ctx) => {
  rmSync(ctx.root, { recursive: true, force: true });
});

test('a directory stands for the *.mjs bundles in it, sorted', ({ apps, root }) => {
  assert.equal(bundlesIn([apps]), [join(apps, 'once.mjs'), join(apps, 'server.mjs')]);
  assert.equal(bundlesIn([join(root, 'broken.mjs')]), [join(root, 'broken.mjs')]);
});

test('one cache per bundle, which node then accepts', async ({ apps, root }) => {
  const out = join(root, 'cache');
  const results = await makeCompileCaches(out, bundlesIn([apps]));
  assert.equal(
    results.map((r) => r.dir),
    [join(out, 'once'), join(out, 'server')],
  );
  for (const r of results) assert.ok(r.bytes > 0, `${r.dir} is empty`);
  // <root>/<fn>/<node version, arch, flags, uid>/<entry>; the stand-in kubeconfig is gone.
  assert.equal(readdirSync(out).sort(), ['once', 'server']);
  const tag = readdirSync(join(out, 'server'));
  assert.is(tag.length, 1);
  assert.match(tag[0]!, new RegExp(`^${process.version}-${process.arch}-\\w+-${process.getuid?.() ?? ''}`));
  const run = spawnSync(process.execPath, [join(apps, 'once.mjs')], {
    env: {
      PATH: process.env.PATH,
      NODE_COMPILE_CACHE: join(out, 'once'),
      NODE_DEBUG_NATIVE: 'COMPILE_CACHE',
    },
    encoding: 'utf8',
  });
  assert.is(run.status, 0);
  assert.match(run.stderr, /once\.mjs was accepted/);
});

test('an entry that fails at load: refused with its output', async ({ root }) => {
  try {
    await makeCompileCache(join(root, 'broken.mjs'), join(root, 'cache-broken', 'broken'));
    assert.unreachable('should have thrown');
  } catch (err) {
    const msg = (err as Error).message;
    assert.match(msg, 'broken.mjs exited with 1');
    assert.match(msg, 'boom at load');
  }
  assert.not.ok(existsSync(join(root, 'cache-broken', '.stand-in-broken.kubeconfig')));
});

test('runs under plain node (type stripping, no tsx), as in the distroless image', ({ apps, root }) => {
  const out = execFileSync(
    process.execPath,
    [join(ROOT, 'build/compile-cache.ts'), join(root, 'cache-cli'), join(apps, 'server.mjs')],
    { encoding: 'utf8', env: { PATH: process.env.PATH } },
  );
  assert.match(out, /server\.mjs: compile cache \d+ KiB in .*cache-cli\/server/);
  const usage = spawnSync(process.execPath, [join(ROOT, 'build/compile-cache.ts')], { encoding: 'utf8' });
  assert.is(usage.status, 2);
  assert.match(usage.stderr, 'usage: node build/compile-cache.ts');
});

test.run();
