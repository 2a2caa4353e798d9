// The code under test is what ships: minified single-file bundles built exactly as build/bundle.ts
// builds them, into the bench's own dir so dist/ (which others may be building) is never touched,
// each with the V8 compile cache its image carries (build/compile-cache.ts, NODE_COMPILE_CACHE).
import { mkdirSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { build } from 'esbuild';
import { type BundleResult, bundleAll, EXTERNAL, REQUIRE_SHIM, ROOT, TARGET } from '../../build/bundle';
import { makeCompileCache } from '../../build/compile-cache';

export interface ShippedBundle extends BundleResult {
  /** NODE_COMPILE_CACHE for this bundle, made the way the image's compile-cache stage makes it. */
  compileCache: string;
  compileCacheBytes: number;
}

/** Where a bundle's compile cache lives: <dir of the bundle>/compile-cache/<name>/. */
export const compileCacheOf = (file: string) =>
  join(dirname(file), 'compile-cache', basename(file).replace(/\.m?js$/, ''));

export async function bundleFunctions(outDir: string): Promise<ShippedBundle[]> {
  mkdirSync(outDir, { recursive: true });
  const out: ShippedBundle[] = [];
  for (const b of await bundleAll({ outDir })) {
    // Made by this node, as this uid, at the bundle's own path: the keys Node checks (see build/compile-cache.ts).
    const cache = await makeCompileCache(b.file, compileCacheOf(b.file));
    out.push({ ...b, compileCache: cache.dir, compileCacheBytes: cache.bytes });
  }
  return out;
}

/** Any entry (the baseline controller, an import-cost probe) bundled with the functions' settings. */
export async function bundleEntry(entry: string, outfile: string, footer?: string): Promise<string> {
  await build({
    absWorkingDir: ROOT,
    entryPoints: [entry],
    outfile,
    bundle: true,
    platform: 'node',
    target: TARGET,
    format: 'esm',
    minify: true,
    keepNames: true,
    banner: { js: REQUIRE_SHIM },
    external: EXTERNAL,
    ...(footer ? { footer: { js: footer } } : {}),
    legalComments: 'none',
    logLevel: 'error',
    // Probe entries live in a temp dir; packages still come from the project's node_modules.
    nodePaths: [join(ROOT, 'node_modules')],
  });
  return outfile;
}

/** Writes a throwaway entry file and bundles it (used for per-dependency import costs). */
export async function bundleSource(
  dir: string,
  name: string,
  source: string,
  footer?: string,
): Promise<string> {
  mkdirSync(dir, { recursive: true });
  const entry = join(dir, `${name}.entry.mjs`);
  writeFileSync(entry, source);
  return bundleEntry(entry, join(dir, `${name}.mjs`), footer);
}
