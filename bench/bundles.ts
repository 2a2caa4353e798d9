// The code under test is what ships: minified single-file bundles built exactly as build/bundle.ts
// builds them, into the bench's own dir so dist/ (which others may be building) is never touched.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';
import { type BundleResult, bundleAll, ROOT, TARGET } from '../build/bundle';

// Same banner as build/bundle.ts (not exported there): CommonJS dependencies call require() at run time.
const REQUIRE_SHIM =
  "import{createRequire as __gpssCreateRequire}from'node:module';const require=__gpssCreateRequire(import.meta.url);";

export async function bundleFunctions(outDir: string): Promise<BundleResult[]> {
  mkdirSync(outDir, { recursive: true });
  return bundleAll({ outDir });
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
