// npm run bench [-- --quick] [-- --clusters=N] [-- --only cold,activator,convergence,baseline,failover,scale] [-- --report <run.json>]
// Every benchmark of issue 9 against a throwaway embedded cluster of its own (the shared dev cluster
// is never touched), with the functions run as the minified bundles that ship. Prints a table per
// benchmark, writes .local/bench/<timestamp>.json, and on full runs bench/RESULTS.md.
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from '../localcluster/config';
import { runBaseline } from './baseline/baseline';
import { AuditLog } from './harness/audit';
import { bundleFunctions } from './harness/bundles';
import { BENCH_DIR, type BenchCluster, startBenchCluster } from './harness/cluster';
import { load, machine } from './harness/machine';
import { type Serverless, startServerless } from './harness/operator';
import { fnAccount } from './harness/proc';
import { FULL, QUICK, type Sizes } from './harness/sizes';
import { activatorBench, pingSchedules } from './measure/activator';
import { coldStarts } from './measure/cold-start';
import { convergence } from './measure/convergence';
import { noopEvents, resyncs } from './measure/economy';
import { failover } from './measure/failover';
import { firstRequest, importCosts } from './measure/import-cost';
import { pairedConvergence, splitRounds } from './measure/paired';
import { scale, scaleBaseline } from './measure/scale';
import { throughput } from './measure/throughput';
import type { Results } from './report/results';
import { resultsMarkdown } from './report/results-md';
import { renderAll } from './report/tables';

const args = process.argv.slice(2);
// --report <file.json>: render a saved run again (tables, and RESULTS.md for a full run) without measuring.
const reportArg = args.indexOf('--report');
if (reportArg >= 0) {
  const saved = JSON.parse(readFileSync(args[reportArg + 1]!, 'utf8')) as Results;
  console.log(renderAll(saved));
  if (!saved.quick) writeFileSync(join(REPO_ROOT, 'bench', 'RESULTS.md'), resultsMarkdown(saved));
  process.exit(0);
}
const quick = args.includes('--quick');
const onlyArg =
  args.find((a) => a.startsWith('--only'))?.split('=')[1] ??
  (args.includes('--only') ? args[args.indexOf('--only') + 1] : undefined);
const PHASES = ['cold', 'activator', 'convergence', 'baseline', 'failover', 'scale'] as const;
const only = new Set(onlyArg ? onlyArg.split(',') : PHASES);
const clustersArg = args.find((a) => a.startsWith('--clusters='))?.split('=')[1];
// --clusters=N: that many convergence samples (a quick run's 3 are too few to compare two changes).
const SIZES: Sizes = { ...(quick ? QUICK : FULL), ...(clustersArg ? { clusters: Number(clustersArg) } : {}) };
const CONVERGE_TIMEOUT_MS = 60_000;

const t0 = performance.now();
const say = (m: string) =>
  console.log(`[bench ${((performance.now() - t0) / 1000).toFixed(1).padStart(6)}s] ${m}`);
const isFunction = (u: string) =>
  /^system:serviceaccount:gpss-operator-system:gpss-(reconcile|finalize|health)$/.test(u);

const stamp = new Date().toISOString().replace(/[:.]/g, '-');
const distDir = join(BENCH_DIR, 'dist');
const logDir = join(BENCH_DIR, 'logs', stamp);
rmSync(distDir, { recursive: true, force: true });
mkdirSync(logDir, { recursive: true });

const results: Results = {
  startedAt: new Date().toISOString(),
  quick,
  machine: machine(),
  load: { start: load() },
  sizes: SIZES,
  functions: [],
  bundles: [],
  pingSchedules: pingSchedules(),
  errors: [],
};
say(
  `${quick ? 'quick' : 'full'} run on ${results.machine.nproc} × ${results.machine.cpuModel}, load ${results.load.start}; logs in ${logDir}`,
);

const built = await bundleFunctions(distDir);
const bundles = Object.fromEntries(built.map((b) => [b.name, b.file]));
results.functions = Object.keys(bundles);
results.bundles = built.map(({ name, bytes, gzipBytes, compileCacheBytes }) => ({
  name,
  bytes,
  gzipBytes,
  compileCacheBytes,
}));
say(`bundled ${results.functions.join(', ')} into ${distDir}, each with its compile cache`);

/** A failing benchmark is recorded and the others still run: a partial table beats none. */
async function phase(name: string, fn: () => Promise<void>): Promise<void> {
  results.load[name] = load();
  try {
    await fn();
  } catch (err) {
    const msg = `${name}: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`;
    results.errors.push(msg);
    say(`FAILED ${msg}`);
  }
}

let c: BenchCluster | undefined;
let op: Serverless | undefined;
// Ctrl-C still stops everything this run started (the cluster's processes are detached).
let interrupted = false;
for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.on(sig, async () => {
    if (interrupted) return;
    interrupted = true;
    say(`${sig}: stopping what this run started`);
    await op?.stop().catch(() => undefined);
    await c?.stop().catch(() => undefined);
    process.exit(130);
  });
}
try {
  c = await startBenchCluster(SIZES.nodes, say);
  const cluster = c;
  const audit = new AuditLog(c.auditLog);

  if (only.has('cold')) {
    await phase('import costs', async () => {
      results.importCosts = await importCosts(join(BENCH_DIR, 'probes'), SIZES.importRuns);
      results.firstRequest = await firstRequest(
        join(BENCH_DIR, 'probes'),
        await cluster.accountKubeconfig(fnAccount('reconcile')),
        SIZES.importRuns,
      );
    });
    await phase('cold start', async () => {
      results.coldStart = await coldStarts({
        bundles,
        kubeconfig: (fn) => cluster.accountKubeconfig(fnAccount(fn)),
        logDir,
        starts: SIZES.starts,
        say,
      });
    });
  }

  // Issue 15: event → answered through the local activator, at zero vs warm; on the empty cluster, as the cold start.
  if (only.has('activator')) {
    await phase('activator', async () => {
      results.activator = await activatorBench({
        bundles,
        kubeconfig: (fn) => cluster.accountKubeconfig(fnAccount(fn)),
        logDir,
        samples: SIZES.starts,
        say,
      });
    });
  }

  /** The serverless-only tables (no-op events, resync, throughput) over the convergence clusters as they stand. */
  const serverlessExtras = async (running: Serverless, clusterCount: number) => {
    const ports = new Map([...running.functions].map(([fn, p]) => [fn, p.port]));
    results.noop = await noopEvents({
      c: cluster,
      audit,
      ports,
      ns: 'bench-conv-0',
      cluster: 'gc',
      repeats: SIZES.noopRepeats,
      isOperator: isFunction,
    });
    for (const n of results.noop)
      say(`no-op ${n.fn} ← ${n.kind}: ${n.own.reads} reads, ${n.own.writes} writes`);
    results.resync = await resyncs({ c: cluster, audit, ports, isOperator: isFunction });
    for (const x of results.resync)
      say(`resync ${x.fn} over ${x.clusters} clusters: ${Math.round(x.ms)} ms, ${x.own.total} requests`);
    const clusters = Array.from({ length: clusterCount }, (_, i) => ({ ns: `bench-conv-${i}`, name: 'gc' }));
    results.throughput = await throughput({
      c: cluster,
      audit,
      bundles,
      clusters,
      events: SIZES.throughputEvents,
      concurrency: SIZES.concurrency,
      logDir,
      isOperator: isFunction,
      say,
    });
  };

  if (only.has('convergence') && only.has('baseline')) {
    // Both sides in alternating rounds (bench/measure/paired.ts says why).
    await phase('convergence and baseline', async () => {
      op = await startServerless(cluster, bundles, join(logDir, 'operator'), say);
      const running = op;
      const rounds = splitRounds(SIZES.clusters, SIZES.rounds);
      const paired = await pairedConvergence({
        c: cluster,
        audit,
        op: running,
        isFunction,
        distDir,
        logDir,
        n: SIZES.clusters,
        rounds: SIZES.rounds,
        timeoutMs: CONVERGE_TIMEOUT_MS,
        afterFirstServerless: () => serverlessExtras(running, rounds[0]!.n),
        say,
      });
      results.convergence = paired.serverless;
      results.baseline = paired.baseline;
      results.convergenceRounds = paired.rounds;
      results.convergenceFailedSends = running.failedSends();
    });
    await op?.stop();
    op = undefined;
  } else if (only.has('convergence')) {
    await phase('convergence', async () => {
      op = await startServerless(cluster, bundles, join(logDir, 'operator'), say);
      results.convergence = await convergence({
        c: cluster,
        audit,
        prefix: 'bench-conv',
        n: SIZES.clusters,
        isOperator: isFunction,
        timeoutMs: CONVERGE_TIMEOUT_MS,
        say,
      });
      await serverlessExtras(op, SIZES.clusters);
      results.convergenceFailedSends = op.failedSends();
    });
    await op?.stop();
    op = undefined;
  } else if (only.has('baseline')) {
    await phase('baseline', async () => {
      results.baseline = await runBaseline({
        c: cluster,
        audit,
        distDir,
        logDir,
        n: SIZES.clusters,
        timeoutMs: CONVERGE_TIMEOUT_MS,
        say,
      });
    });
  }

  // Issue 14: a lost node's instance Ready elsewhere, health at zero at the loss; before the scale
  // phase, whose thousands of pods would slow the controllers it times.
  if (only.has('failover')) {
    await phase('failover', async () => {
      results.failover = await failover({ c: cluster, audit, runs: 3, logDir, say });
    });
  }

  if (only.has('scale')) {
    // Issue 14: the baseline runs the same burst, and each burst gets a freshly started bench cluster
    // (same configuration, nodes and manifests), so both start from identical contents: an API server
    // and etcd that have not just served the other burst. Deleting one burst's 500 clusters instead
    // took 3–4 minutes of the budget (their 3,000 pods together do not fit the nodes' 2,200). The
    // baseline's goes first, so the serverless' clusters remain for its resync and baselineAtScale.
    const freshCluster = async () => {
      const old = c;
      c = undefined;
      await old?.stop();
      c = await startBenchCluster(SIZES.nodes, say);
      return { cluster: c, audit: new AuditLog(c.auditLog) };
    };
    await phase('scale baseline', async () => {
      const { cluster, audit } = await freshCluster();
      results.scaleBaseline = await scaleBaseline({
        c: cluster,
        audit,
        distDir,
        logDir,
        clusters: SIZES.scaleClusters,
        namespaces: SIZES.scaleNamespaces,
        deadlineMs: SIZES.scaleDeadlineMs,
        say,
      });
    });
    await phase('scale', async () => {
      const { cluster, audit } = await freshCluster();
      op = await startServerless(cluster, bundles, join(logDir, 'operator-scale'), say);
      results.scale = await scale({
        c: cluster,
        audit,
        op,
        clusters: SIZES.scaleClusters,
        namespaces: SIZES.scaleNamespaces,
        deadlineMs: SIZES.scaleDeadlineMs,
        isOperator: isFunction,
        say,
      });
      await op.stop();
      op = undefined;
      // What an always-on controller pays to come up over everything that now exists, and holds in memory.
      const b = await runBaseline({
        c: cluster,
        audit,
        distDir,
        logDir,
        n: 0,
        timeoutMs: CONVERGE_TIMEOUT_MS,
        say,
      });
      const { convergence: _, ...atScale } = b;
      results.baselineAtScale = atScale;
    });
  }
} catch (err) {
  results.errors.push(`setup: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
  say(`FAILED setup: ${String(err)}`);
} finally {
  await op?.stop().catch(() => undefined);
  await c?.stop().catch((err: unknown) => say(`stopping the bench cluster failed: ${String(err)}`));
}

results.load.end = load();
results.durationS = Math.round((performance.now() - t0) / 1000);
const outDir = join(REPO_ROOT, '.local', 'bench');
mkdirSync(outDir, { recursive: true });
const jsonFile = join(outDir, `${stamp}.json`);
writeFileSync(jsonFile, `${JSON.stringify(results, null, 2)}\n`);
console.log(`\n${renderAll(results)}\n`);
if (!quick && !onlyArg) {
  writeFileSync(join(REPO_ROOT, 'bench', 'RESULTS.md'), resultsMarkdown(results));
  say('wrote bench/RESULTS.md');
}
say(
  `done in ${results.durationS} s; JSON: ${jsonFile}${results.errors.length ? `; ${results.errors.length} benchmark(s) FAILED` : ''}`,
);
process.exit(results.errors.length ? 1 : 0);
