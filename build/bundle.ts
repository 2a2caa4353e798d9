// Production build of the functions: one minified single-file ES module per function
// (dist/<fn>.mjs), so an image holds one file and no node_modules, and a cold start parses one file
// instead of resolving hundreds (../shared/research/client-node.md §7: a minified bundle of
// @kubernetes/client-node starts about 3× faster than the same code from node_modules).
//
// The functions talk to the API server through @kubernetes/client-node 2.x (lib/k8s/client.ts is a
// thin adapter over its KubeConfig and typed APIs), which is bundled in whole: its undici 8 needs
// Node >= 22.19, and everything here runs on Node 24 LTS (the npm scripts through the pinned `node`
// devDependency, the images on distroless nodejs24), so the target is node24. Loading the library is
// most of a cold start; the images take its compile time off the critical path with a V8 code cache
// built at image build time (build/compile-cache.ts, NODE_COMPILE_CACHE).
//
// Usage: npx tsx build/bundle.ts [--only reconcile,health] [--out dist]
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';

export const ROOT = fileURLToPath(new URL('..', import.meta.url)).replace(/\/$/, '');
export const TARGET = 'node24';

// ESM output, because the entries use top-level await. Some dependencies are CommonJS and call
// require() on Node built-ins at run time (pino, cloudevents, undici, ws); an ES module has no
// require, so each bundle creates one (without it: `Dynamic require of "node:assert" is not supported`).
export const REQUIRE_SHIM =
  "import{createRequire as __gpssCreateRequire}from'node:module';const require=__gpssCreateRequire(import.meta.url);";

// Optional native add-ons and helpers that ws and debug require inside try/catch: left out, so an
// installed copy is never bundled (a .node file cannot be) and the fallback runs, as without them.
export const EXTERNAL = ['bufferutil', 'utf-8-validate', 'supports-color'];

export interface BundleResult {
  name: string;
  file: string;
  bytes: number;
  gzipBytes: number;
  ms: number;
}

/** Every function that has an entry, so functions added later are bundled without touching this file. */
export function findFunctions(root: string = ROOT): string[] {
  const dir = join(root, 'functions');
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((name) => statSync(join(dir, name)).isDirectory() && existsSync(join(dir, name, 'main.ts')))
    .sort();
}

export async function bundleFunction(
  name: string,
  options: { root?: string; outDir?: string } = {},
): Promise<BundleResult> {
  const root = options.root ?? ROOT;
  const outDir = options.outDir ?? join(root, 'dist');
  const file = join(outDir, `${name}.mjs`);
  const t0 = performance.now();
  await build({
    absWorkingDir: root,
    entryPoints: [join(root, 'functions', name, 'main.ts')],
    outfile: file,
    bundle: true,
    platform: 'node',
    target: TARGET,
    format: 'esm',
    // GPSS_NO_MINIFY: readable frames in a CPU profile (bench/README.md); images ship minified.
    minify: !process.env.GPSS_NO_MINIFY,
    // Names stay readable in stack traces and in pino's error serialisation (err.type).
    keepNames: true,
    banner: { js: REQUIRE_SHIM },
    external: EXTERNAL,
    // The source map would double the image for stack traces nobody reads from a minified file.
    sourcemap: false,
    legalComments: 'none',
    logLevel: 'warning',
  });
  const data = readFileSync(file);
  return {
    name,
    file,
    bytes: data.length,
    gzipBytes: gzipSync(data).length,
    ms: Math.round(performance.now() - t0),
  };
}

export async function bundleAll(
  options: { root?: string; outDir?: string; only?: string[] } = {},
): Promise<BundleResult[]> {
  const all = findFunctions(options.root);
  const unknown = (options.only ?? []).filter((n) => !all.includes(n));
  if (unknown.length > 0)
    throw new Error(`no functions/<name>/main.ts for: ${unknown.join(', ')} (found: ${all.join(', ')})`);
  const names = options.only?.length ? options.only : all;
  // One at a time: esbuild is already parallel inside, and the timings then mean something.
  const results: BundleResult[] = [];
  for (const name of names) results.push(await bundleFunction(name, options));
  return results;
}

export function formatSizes(results: BundleResult[], root: string = ROOT): string {
  const kib = (n: number) => `${(n / 1024).toFixed(1)} KiB`;
  const shown = results.map((r) => {
    const rel = relative(root, r.file);
    return rel.startsWith('..') ? r.file : rel;
  });
  const width = Math.max(...shown.map((s) => s.length));
  return results
    .map(
      (r, i) =>
        `${shown[i].padEnd(width)}  ${kib(r.bytes).padStart(10)}  (gzip ${kib(r.gzipBytes)})  ${r.ms} ms`,
    )
    .join('\n');
}

function argValue(args: string[], flag: string): string | undefined {
  const i = args.indexOf(flag);
  return i >= 0 ? args[i + 1] : undefined;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const args = process.argv.slice(2);
  const only = argValue(args, '--only')?.split(',').filter(Boolean);
  const out = argValue(args, '--out');
  const results = await bundleAll({
    ...(only ? { only } : {}),
    ...(out ? { outDir: resolve(out) } : {}),
  });
  console.log(formatSizes(results));
}
