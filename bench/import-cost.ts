// Where a cold start goes: each dependency bundled alone with the functions' esbuild settings and run
// in a fresh process, timed spawn → exit from outside (the child's own performance.now() proved
// unreliable here) with the RSS the child reports once its module is evaluated. The empty entry is
// node's own boot and exit; each row's difference from it is that import's cost.
import { join } from 'node:path';
import { ROOT } from '../build/bundle';
import { bundleSource } from './bundles';
import { runToExit } from './cold-start';
import { type Summary, summarize } from './stats';

const FOOTER = 'console.log(JSON.stringify({rss:process.memoryUsage().rss}));';

// Exported, so esbuild keeps them (an unused import of a side-effect-free module is dropped).
const ENTRIES: Record<string, string> = {
  '(empty: node boot)': '',
  'hono + @hono/node-server': "export { Hono } from 'hono';\nexport { serve } from '@hono/node-server';\n",
  cloudevents: "export { CloudEvent, HTTP } from 'cloudevents';\n",
  pino: "export { pino } from 'pino';\n",
  'yaml (kubeconfig only)': "export { parse } from 'yaml';\n",
  'lib/k8s client': `export { KubeClient } from '${join(ROOT, 'lib/k8s/client.ts')}';\n`,
  'lib/function-app (hono+cloudevents+pino shell)': `export { createFunctionApp } from '${join(ROOT, 'lib/function-app.ts')}';\n`,
  'functions/reconcile/app (everything but main)': `export { createApp } from '${join(ROOT, 'functions/reconcile/app.ts')}';\n`,
};

export interface ImportCost {
  entry: string;
  ms: Summary;
  rssKiB: Summary;
}

export async function importCosts(dir: string, runs: number): Promise<ImportCost[]> {
  const files: Array<[string, string]> = [];
  let i = 0;
  for (const [name, src] of Object.entries(ENTRIES))
    files.push([name, await bundleSource(dir, `probe${i++}`, src, FOOTER)]);
  const ms = new Map(files.map(([n]) => [n, [] as number[]]));
  const rss = new Map(files.map(([n]) => [n, [] as number[]]));
  for (const [, f] of files) await runToExit([f]); // page cache warm-up
  for (let r = 0; r < runs; r++) {
    for (const [name, f] of files) {
      const run = await runToExit([f]);
      const out = JSON.parse(run.stdout.trim().split('\n').pop()!) as { rss: number };
      ms.get(name)!.push(run.ms);
      rss.get(name)!.push(out.rss / 1024);
    }
  }
  return files.map(([entry]) => ({
    entry,
    ms: summarize(ms.get(entry)!),
    rssKiB: summarize(rss.get(entry)!),
  }));
}

export interface FirstRequest {
  /** KubeClient.fromKubeconfig: reading it, with the lazy `yaml` import. */
  kubeconfigMs: Summary;
  /** The first list: TCP + TLS handshake with a client certificate, and the request. */
  firstListMs: Summary;
  /** The same list again on the kept-alive connection. */
  secondListMs: Summary;
}

/** The first event's extra cost, measured inside a fresh process (deltas of performance.now() are reliable). */
export async function firstRequest(
  dir: string,
  kubeconfig: string,
  user: string,
  runs: number,
): Promise<FirstRequest> {
  const src = [
    `import { KubeClient } from '${join(ROOT, 'lib/k8s/client.ts')}';`,
    'const t0 = performance.now();',
    'const k = await KubeClient.fromKubeconfig(process.env.KUBECONFIG, { impersonate: { user: process.env.IMPERSONATE_USER } });',
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
    const out = await runToExit([file], { KUBECONFIG: kubeconfig, IMPERSONATE_USER: user });
    samples.push(JSON.parse(out.stdout.trim()));
  }
  return {
    kubeconfigMs: summarize(samples.map((s) => s.kubeconfig)),
    firstListMs: summarize(samples.map((s) => s.first)),
    secondListMs: summarize(samples.map((s) => s.second)),
  };
}
