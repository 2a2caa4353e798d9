import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import {
  baselineCpu,
  coldPhase,
  convergencePhase,
  cpuRun,
  fakeResults,
  scalePhase,
  serverlessCpu,
  tally,
} from './fake-results';
import { findings, resyncNote } from './findings';
import type { Results } from './results';

const text = (over: Partial<Results>) => findings(fakeResults(over)).join('\n');

const f = suite('findings');

f('cold start and memory: met prints met, missed prints the figures', () => {
  const met = text(coldPhase(70, 55));
  assert.match(met, 'target 150 ms: met, 1.6×: met');
  assert.match(met, 'targets 60 MiB: met, 1.6×: met');
  const missed = text(coldPhase(200, 90));
  assert.match(missed, 'target 150 ms: missed (reconcile 200 ms), 1.6×: missed (reconcile 4.0×)');
  assert.match(missed, 'targets 60 MiB: missed (reconcile 90 MiB), 1.6×: missed (reconcile 1.8×)');
});

f('convergence target from the create p50', () => {
  assert.match(text({ convergence: convergencePhase(1500) }), '1500 ms p50 (target 2 s: met)');
  assert.match(text({ convergence: convergencePhase(2600) }), '2600 ms p50 (target 2 s: missed (2600 ms))');
});

f("convergence: the adapters' drops when the run counted them", () => {
  assert.not.match(text({ convergence: convergencePhase(1500) }), 'adapters');
  assert.match(
    text({ convergence: convergencePhase(1500), convergenceFailedSends: { 'gpss-health': 2 } }),
    'The adapters dropped 2 deliveries (gpss-health 2',
  );
});

f('scale: the target verdict and the drops come from the data', () => {
  const met = text({ scale: scalePhase({ clusters: 500, readyMs: 200_000, failedSends: { a: 0 } }) });
  assert.match(met, 'target all 500 Ready within 5 minutes: met');
  assert.match(met, 'No delivery was dropped by the adapters');
  const missed = text({ scale: scalePhase({ clusters: 500, failedSends: { a: 3, b: 1 } }) });
  assert.match(missed, 'target all 500 Ready within 5 minutes: missed (400/500 Ready at the deadline)');
  assert.match(missed, 'The adapters dropped 4 deliveries (a 3, b 1');
  assert.not.match(missed, 'No delivery was dropped');
  assert.match(text({ scale: scalePhase({ clusters: 30, readyMs: 1000 }) }), 'not judged, 30 clusters only');
  assert.match(text({ scale: scalePhase({ clusters: 30, readyMs: 1000 }) }), 'were not recorded in this run');
});

f("convergence: each side's CPU per create, and whether the cores were saturated", () => {
  const both = findings(cpuRun(serverlessCpu, baselineCpu)).join('\n');
  assert.match(
    both,
    "the machine spent 360 CPU-ms per serverless create against 210 for the baseline's (1.7×): the functions 100, their adapters 50 and the API server 200, against the baseline process 50 and the API server 150.",
  );
  // 1.44 of 2 CPU-s busy: not saturated.
  assert.match(both, '72% busy while a serverless create converged and 53% during');
  assert.match(both, 'the cores had room to spare');
  const saturated = findings(cpuRun({ ...serverlessCpu, idle: 0.2, capacity: 1.64 }, baselineCpu)).join('\n');
  assert.match(saturated, '88% busy');
  assert.match(saturated, 'the CPU the operator spends meanwhile is spent on the way to Ready');
  assert.not.match(findings(cpuRun(serverlessCpu)).join('\n'), 'CPU per create');
});

f('scale: CPU-bound only when the machine had little idle', () => {
  const s = scalePhase({ clusters: 500, readyMs: 1 });
  assert.match(text({ scale: s }), 'The machine was CPU-bound');
  assert.match(text({ scale: { ...s, cpu: { ...s.cpu, idle: 300 } } }), 'The machine was not CPU-bound');
});

f('scale to zero: most of the hour at zero, judged per function', () => {
  const lat = { n: 1, p50: 300, p95: 300, p90: 300, min: 300, max: 300, mean: 300 };
  const fn = (name: string) => ({
    fn: name,
    concurrency: 1,
    timeoutMs: 1,
    cold: lat,
    coldStart: lat,
    warm: lat,
    direct: lat,
    stop: lat,
    non2xx: 0,
    notCold: 0,
    coldStarts: 1,
    coldLogged: 1,
  });
  const zero = (name: string, share: number) => ({
    fn: name,
    pingsPerHour: 12,
    busyMs: 1,
    idleMs: 60_000,
    scaleDownsPerHour: 12,
    share,
  });
  const activator = (shares: Array<[string, number]>) => ({
    idleMs: 500,
    samples: 1,
    warmPerCycle: 1,
    functions: shares.map(([n]) => fn(n)),
    shippedIdleMs: 60_000,
    atZero: shares.map(([n, s]) => zero(n, s)),
  });
  assert.match(text({ activator: activator([['reconcile', 0.8]]) }), 'target most of every hour: met.');
  assert.match(
    text({
      activator: activator([
        ['reconcile', 0.8],
        ['health', 0],
      ]),
    }),
    'target most of every hour: missed (health 0%).',
  );
});

f('idle cost: requests a minute per cluster from the largest resync and the schedules', () => {
  const own = (total: number) => tally({ total, reads: total });
  const run = (total: number) =>
    fakeResults({
      pingSchedules: { reconcile: '*/5 * * * *' },
      resync: [{ fn: 'reconcile', clusters: 500, status: 200, ms: 100, own: own(total) }],
    });
  assert.match(resyncNote(run(10)), 'reconcile 10 requests per ping');
  assert.match(
    resyncNote(run(10)),
    '2 requests a minute with nothing changing, 0.00 per cluster (target ≤ 1: met)',
  );
  assert.match(
    resyncNote(run(5000)),
    '1000 requests a minute with nothing changing, 2.00 per cluster (target ≤ 1: missed (2.00))',
  );
});

f.run();
