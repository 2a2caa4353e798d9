// Where a cold start goes: each dependency bundled alone with the functions' esbuild settings and run
// in a fresh process, timed spawn → exit from outside (the child's own performance.now() proved
// unreliable here) with the RSS the child reports once its module is evaluated; each probe is run
// both compiled at start and with its compile cache (as the images run the functions). The empty
// entry is node's own boot and exit; each row's difference from it is that import's cost.
import { join } from 'node:path';
import { ROOT } from '../../build/bundle';
import { makeCompileCache } from '../../build/compile-cache';
import { bundleSource, compileCacheOf } from '../harness/bundles';
import { type Summary, summarize } from '../harness/stats';
import { runToExit } from './cold-start';

const FOOTER = 'console.log(JSON.stringify({rss:process.memoryUsage().rss}));';

// Exported, so esbuild keeps them (an unused import of a side-effect-free module is dropped).
const ENTRIES: Record<string, string> = {
  '(empty: node boot)': '',
  'hono + @hono/node-server': "export { Hono } from 'hono';\nexport { serve } from '@hono/node-server';\n",
  cloudevents: "export { CloudEvent, HTTP } from 'cloudevents';\n",
  pino: "export { pino } from 'pino';\n",
  // What lib/k8s takes from the library: KubeConfig (every auth mode, with openid-client, socks,
  // hpagent, js-yaml) and the typed APIs it calls; everything else is tree-shaken as in the bundles.
  '@kubernetes/client-node (KubeConfig + typed APIs)':
    "export { KubeConfig, CoreV1Api, AppsV1Api, PolicyV1Api, CoordinationV1Api, DiscoveryV1Api, ApiextensionsV1Api, AuthorizationV1Api, CustomObjectsApi, createConfiguration, ServerConfiguration } from '@kubernetes/client-node';\n",
  'undici (its HTTP client, alone)': "export { Agent, fetch } from 'undici';\n",
  'lib/k8s client (KubeClient over client-node)': `export { KubeClient } from '${join(ROOT, 'lib/k8s/client.ts')}';\n`,
  'lib/runtime/function-app (hono+cloudevents+pino shell)': `export { createFunctionApp } from '${join(ROOT, 'lib/runtime/function-app.ts')}';\n`,
  'functions/reconcile/app (everything but main)': `export { createApp } from '${join(ROOT, 'functions/reconcile/app.ts')}';\n`,
};

export interface ImportCost {
  entry: string;
  /** Compiled at start (no code cache). */
  ms: Summary;
  rssKiB: Summary;
  /** With its compile cache (NODE_COMPILE_CACHE), as the images run the functions; absent in older runs. */
  cachedMs?: Summary;
  cachedRssKiB?: Summary;
}

export async function importCosts(dir: string, runs: number): Promise<ImportCost[]> {
  const files: Array<[string, string]> = [];
  let i = 0;
  for (const [name, src] of Object.entries(ENTRIES)) {
    const file = await bundleSource(dir, `probe${i++}`, src, FOOTER);
    await makeCompileCache(file, compileCacheOf(file));
    files.push([name, file]);
  }
  const samples = new Map(
    files.map(([n]) => [
      n,
      { ms: [] as number[], rss: [] as number[], cms: [] as number[], crss: [] as number[] },
    ]),
  );
  const once = async (f: string, cached: boolean) => {
    // The functions' environment (PATH only), plus the cache when it is measured.
    const run = await runToExit([f], cached ? { NODE_COMPILE_CACHE: compileCacheOf(f) } : {});
    const out = JSON.parse(run.stdout.trim().split('\n').pop()!) as { rss: number };
    return { ms: run.ms, rssKiB: out.rss / 1024 };
  };
  for (const [, f] of files) await runToExit([f], {}); // page cache warm-up
  for (let r = 0; r < runs; r++) {
    for (const [name, f] of files) {
      const s = samples.get(name)!;
      const plain = await once(f, false);
      s.ms.push(plain.ms);
      s.rss.push(plain.rssKiB);
      const cached = await once(f, true);
      s.cms.push(cached.ms);
      s.crss.push(cached.rssKiB);
    }
  }
  return files.map(([entry]) => {
    const s = samples.get(entry)!;
    return {
      entry,
      ms: summarize(s.ms),
      rssKiB: summarize(s.rss),
      cachedMs: summarize(s.cms),
      cachedRssKiB: summarize(s.crss),
    };
  });
}

export interface FirstRequest {
  /** KubeClient.fromKubeconfig: reading and parsing it (@kubernetes/client-node's KubeConfig). */
  kubeconfigMs: Summary;
  /** The first list: TCP + TLS handshake, the token read from its file, and the request. */
  firstListMs: Summary;
  /** The same list again on the kept-alive connection. */
  secondListMs: Summary;
}

/**
 * The first event's extra cost, measured inside a fresh process (deltas of performance.now() are
 * reliable), with a function's ServiceAccount kubeconfig (a token file, as in a Pod).
 */
export async function firstRequest(dir: string, kubeconfig: string, runs: number): Promise<FirstRequest> {
  const src = [
    `import { KubeClient } from '${join(ROOT, 'lib/k8s/client.ts')}';`,
    'const t0 = performance.now();',
    'const k = KubeClient.fromKubeconfig(process.env.KUBECONFIG);',
    'const t1 = performance.now();',
    "await k.list('gpssclusters', undefined);",
    'const t2 = performance.now();',
    "await k.list('gpssclusters', undefined);",
    'const t3 = performance.now();',
    'k.close();',
    'console.log(JSON.stringify({ kubeconfig: t1 - t0, first: t2 - t1, second: t3 - t2 }));',
  ].join('\n');
  const file = await bundleSource(dir, 'first-request', src, '');
  const samples: Array<{ kubeconfig: number; first: number; second: number }> = [];
  for (let i = 0; i < runs; i++) {
    const out = await runToExit([file], { KUBECONFIG: kubeconfig });
    samples.push(JSON.parse(out.stdout.trim()));
  }
  return {
    kubeconfigMs: summarize(samples.map((s) => s.kubeconfig)),
    firstListMs: summarize(samples.map((s) => s.first)),
    secondListMs: summarize(samples.map((s) => s.second)),
  };
}
