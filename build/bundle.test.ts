// The bundler on a throwaway tree: which functions it finds, and that its output runs as a single
// file that still has require() for CommonJS dependencies and top-level await for the entry.
// The real functions are bundled and started against the cluster in test/integration/ship-bundle.test.ts.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { bundleAll, findFunctions, formatSizes } from './bundle';

interface Ctx {
  root: string;
}

const test = suite<Ctx>('build/bundle', { root: '' });

test.before((ctx) => {
  ctx.root = mkdtempSync(join(tmpdir(), 'gpss-bundle-unit-'));
  const put = (path: string, text: string) => {
    mkdirSync(join(ctx.root, path, '..'), { recursive: true });
    writeFileSync(join(ctx.root, path), text);
  };
  // A CommonJS dependency that requires a Node built-in at run time, as pino and cloudevents do.
  put('node_modules/cjs-dep/package.json', '{"name":"cjs-dep","main":"index.js"}');
  put('node_modules/cjs-dep/index.js', "module.exports = () => require('node:os').EOL.length;");
  put(
    'functions/alpha/main.ts',
    "import eol from 'cjs-dep';\nconst n: number = await Promise.resolve(eol());\nconsole.log('alpha', n);\n",
  );
  put('functions/beta/main.ts', "console.log('beta');\n");
  // ws's optional native add-on, required inside try/catch: it must stay out of the bundle (a .node
  // file cannot be bundled), so the fallback runs where the bundle runs without node_modules.
  put('node_modules/bufferutil/package.json', '{"name":"bufferutil","main":"index.js"}');
  put('node_modules/bufferutil/index.js', "throw new Error('bufferutil was bundled');");
  put(
    'functions/delta/main.ts',
    "let mask = 'js';\ntry {\n  require('bufferutil');\n  mask = 'native';\n} catch (err) {\n  if (String(err).includes('bundled')) throw err;\n}\nconsole.log('delta', mask);\n",
  );
  // Work in progress without an entry yet: skipped, not an error.
  put('functions/gamma/app.ts', 'export const NAME = "gamma";\n');
  put('functions/README.md', 'not a function\n');
});

test.after((ctx) => {
  rmSync(ctx.root, { recursive: true, force: true });
});

test('finds exactly the functions that have a main.ts, sorted', ({ root }) => {
  assert.equal(findFunctions(root), ['alpha', 'beta', 'delta']);
  assert.equal(findFunctions(join(root, 'nowhere')), []);
});

test('each bundle is one minified ES module that runs without node_modules', async ({ root }) => {
  const results = await bundleAll({ root, outDir: join(root, 'dist') });
  assert.equal(
    results.map((r) => r.name),
    ['alpha', 'beta', 'delta'],
  );
  // Run from a directory with no node_modules anywhere above it.
  const alone = mkdtempSync(join(tmpdir(), 'gpss-bundle-alone-'));
  try {
    for (const r of results) {
      const copy = join(alone, `${r.name}.mjs`);
      writeFileSync(copy, readFileSync(r.file));
      const out = execFileSync(process.execPath, [copy], { cwd: alone, encoding: 'utf8' }).trim();
      assert.is(out, { alpha: 'alpha 1', beta: 'beta', delta: 'delta js' }[r.name]);
      assert.ok(r.bytes > 0 && r.gzipBytes > 0 && r.gzipBytes <= r.bytes + 32);
      assert.not.match(readFileSync(r.file, 'utf8'), /\n {2}/, 'minified');
    }
  } finally {
    rmSync(alone, { recursive: true, force: true });
  }
  const table = formatSizes(results, root);
  assert.match(table, /dist\/alpha\.mjs\s+[\d.]+ KiB\s+\(gzip [\d.]+ KiB\)/);
});

test('--only names a function that has no entry: refused with the ones that exist', async ({ root }) => {
  try {
    await bundleAll({ root, outDir: join(root, 'dist'), only: ['gamma'] });
    assert.unreachable('should have thrown');
  } catch (err) {
    assert.match(
      (err as Error).message,
      'no functions/<name>/main.ts for: gamma (found: alpha, beta, delta)',
    );
  }
});

test.run();
