// The V8 code cache of each function bundle, made once at image build time, so that a cold start does
// not compile the bundle again (most of it is @kubernetes/client-node and its undici). Node reads it
// from NODE_COMPILE_CACHE=<dir>; a read-only directory is fine (nothing is written when the cache
// was accepted), and a cache that does not match is ignored silently: the function then compiles as
// without one. A startup snapshot (`node --build-snapshot`) was measured as the alternative and
// cannot be built for these bundles on Node 24: node:http throws inside the snapshot builder and
// node:https/node:tls abort it, and undici, cloudevents and hpagent use them while loading.
//
// What the cache is keyed by decides where it is made: the directory by Node's version, arch, V8
// flags and the process's uid (<dir>/v24.21.0-x64-964aae3f-65532/), each entry by the bundle's
// absolute path and content. So the Dockerfile makes it in a stage FROM the runtime image (the same
// node binary), as uid 65532 (the runtime's and the Knative Service's runAsUser), with the bundle at
// /app/<fn>.mjs, and the function must run with no extra node flags.
//
// Each bundle is started once as it runs in production: with a stand-in kubeconfig (nothing is sent
// to its server before the first event) on a free port, stopped with SIGTERM once it listens. So the
// image build also proves every bundle starts on the runtime's node. An entry that exits 0 by itself
// (an import-cost probe of the bench) is fine too.
//
// Plain Node (type stripping, node: imports only), because it runs in the distroless runtime image:
//   node build/compile-cache.ts <cache-root> <bundle.mjs | dir>...   → <cache-root>/<fn>/ per bundle
import { spawn } from 'node:child_process';
import { mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface CompileCacheResult {
  bundle: string;
  /** The directory to give the bundle as NODE_COMPILE_CACHE. */
  dir: string;
  bytes: number;
  ms: number;
}

const STAND_IN_KUBECONFIG = `apiVersion: v1
kind: Config
clusters: [{name: stand-in, cluster: {server: "https://127.0.0.1:9"}}]
users: [{name: stand-in, user: {token: stand-in}}]
contexts: [{name: stand-in, context: {cluster: stand-in, user: stand-in}}]
current-context: stand-in
`;

/** Bytes of every file under dir (0 when it does not exist). */
export function treeBytes(dir: string): number {
  let total = 0;
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return 0;
  }
  for (const name of names) {
    const p = join(dir, name);
    const st = statSync(p);
    total += st.isDirectory() ? treeBytes(p) : st.size;
  }
  return total;
}

/**
 * Runs `bundle` once with NODE_COMPILE_CACHE=dir (emptied first) and returns what was cached. Throws
 * with the process's output when it neither listens nor exits 0, or when no cache was written.
 */
export async function makeCompileCache(
  bundle: string,
  dir: string,
  options: { timeoutMs?: number; env?: Record<string, string> } = {},
): Promise<CompileCacheResult> {
  const file = resolve(bundle);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const kubeconfig = join(dir, '..', `.stand-in-${basename(dir)}.kubeconfig`);
  writeFileSync(kubeconfig, STAND_IN_KUBECONFIG, { mode: 0o600 });
  const t0 = performance.now();
  try {
    await new Promise<void>((done, fail) => {
      const child = spawn(process.execPath, [file], {
        stdio: ['ignore', 'pipe', 'pipe'],
        env: {
          ...(process.env.PATH ? { PATH: process.env.PATH } : {}),
          NODE_ENV: 'production',
          NODE_COMPILE_CACHE: dir,
          KUBECONFIG: kubeconfig,
          PORT: '0',
          HOST: '127.0.0.1',
          LOG_LEVEL: 'info',
          ...options.env,
        },
      });
      let output = '';
      let listening = false;
      const timeoutMs = options.timeoutMs ?? 30_000;
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        fail(new Error(`${file}: neither listening nor done within ${timeoutMs} ms\n${output}`));
      }, timeoutMs);
      const read = (d: Buffer) => {
        output += d;
        // lib/runtime/main.ts logs {"msg":"listening"} once the server is up: the whole bundle is compiled.
        // It installs its SIGTERM handler just after that line, and until then SIGTERM kills at
        // once (no clean exit, so no cache written): give it a moment.
        if (!listening && /"msg":"listening"/.test(output)) {
          listening = true;
          setTimeout(() => child.kill('SIGTERM'), 200);
        }
      };
      child.stdout.on('data', read);
      child.stderr.on('data', read);
      child.on('error', fail);
      child.on('exit', (code, signal) => {
        clearTimeout(timer);
        if (code === 0) done();
        else
          fail(
            new Error(`${file} exited with ${code ?? signal}${listening ? ' after SIGTERM' : ''}\n${output}`),
          );
      });
    });
  } finally {
    rmSync(kubeconfig, { force: true });
  }
  const bytes = treeBytes(dir);
  if (bytes === 0) throw new Error(`${file}: node wrote no compile cache into ${dir}`);
  return { bundle: file, dir, bytes, ms: Math.round(performance.now() - t0) };
}

/** The bundles named: files as given, directories as the *.mjs files in them (sorted). */
export function bundlesIn(paths: string[]): string[] {
  return paths.flatMap((p) =>
    statSync(p).isDirectory()
      ? readdirSync(p)
          .filter((f) => f.endsWith('.mjs'))
          .sort()
          .map((f) => join(p, f))
      : [p],
  );
}

/** One cache directory per bundle, named after it: <root>/reconcile/ for reconcile.mjs. */
export async function makeCompileCaches(root: string, bundles: string[]): Promise<CompileCacheResult[]> {
  const out: CompileCacheResult[] = [];
  // One at a time: each start is what it would be alone.
  for (const b of bundles)
    out.push(await makeCompileCache(b, join(root, basename(b).replace(/\.m?js$/, ''))));
  return out;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const [root, ...paths] = process.argv.slice(2);
  if (!root || paths.length === 0) {
    console.error('usage: node build/compile-cache.ts <cache-root> <bundle.mjs | dir of bundles>...');
    process.exit(2);
  }
  try {
    const bundles = bundlesIn(paths);
    if (bundles.length === 0) throw new Error(`no *.mjs in ${paths.join(' ')}`);
    for (const r of await makeCompileCaches(root, bundles))
      console.log(`${r.bundle}: compile cache ${(r.bytes / 1024).toFixed(0)} KiB in ${r.dir} (${r.ms} ms)`);
  } catch (err) {
    console.error(`compile cache: ${(err as Error).message}`);
    process.exit(1);
  }
}
