import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { tally } from '../report/fake-results';
import { type ConvergenceResult, mergeConvergence, type StepCpu } from './convergence';
import { sidesOf, splitRounds } from './paired';

const t = suite('paired rounds');

t('splits the clusters into consecutive ranges, the larger first, never an empty round', () => {
  assert.equal(splitRounds(24, 4), [
    { first: 0, n: 6 },
    { first: 6, n: 6 },
    { first: 12, n: 6 },
    { first: 18, n: 6 },
  ]);
  assert.equal(splitRounds(7, 3), [
    { first: 0, n: 3 },
    { first: 3, n: 2 },
    { first: 5, n: 2 },
  ]);
  assert.equal(splitRounds(2, 4), [
    { first: 0, n: 1 },
    { first: 1, n: 1 },
  ]);
});

t('alternates which side goes first', () => {
  assert.equal(sidesOf(0), ['serverless', 'baseline']);
  assert.equal(sidesOf(1), ['baseline', 'serverless']);
  assert.equal(sidesOf(2), ['serverless', 'baseline']);
});

const round = (ms: number[], meanTotal: number, first: number, cpu?: StepCpu): ConvergenceResult => {
  const step = {
    ...(cpu ? { cpu } : {}),
    latency: { n: ms.length, p50: 0, p95: 0, min: 0, max: 0, mean: 0 },
    settle: { n: ms.length, p50: 0, p95: 0, min: 0, max: 0, mean: 0 },
    perCluster: { n: ms.length, p50: 0, p95: 0, min: 0, max: 0, mean: 0 },
    meanByUser: { fn: tally({ total: meanTotal, reads: meanTotal }) },
    samples: ms.map((x, i) => ({
      ns: `c-${first + i}`,
      ms: x,
      checkedMs: x + 1,
      settleMs: x + 2,
      requests: meanTotal,
    })),
  };
  return { create: step, scale: step, image: step };
};

t('merged rounds: every sample, summaries over all of them, means weighted by cluster count', () => {
  const m = mergeConvergence([round([100, 300, 200], 10, 0), round([400], 30, 3)]);
  assert.equal(
    m.create.samples.map((x) => x.ns),
    ['c-0', 'c-1', 'c-2', 'c-3'],
  );
  assert.is(m.create.latency.p50, 200);
  assert.is(m.create.latency.max, 400);
  assert.is(m.create.checked?.p50, 201);
  assert.is(m.create.settle.p50, 202);
  // (3 × 10 + 1 × 30) / 4 clusters
  assert.is(m.create.meanByUser.fn!.total, 15);
  assert.is(m.create.perCluster.mean, 15);
});

const cpu = (clusters: number, api: number, fn?: number): StepCpu => ({
  clusters,
  components: { 'kube-apiserver': api, ...(fn !== undefined ? { 'function reconcile': fn } : {}) },
  others: 0.1,
  idle: 0.2,
  capacity: 1,
});

t("merged rounds: each round's CPU summed, per process, over all their clusters", () => {
  const m = mergeConvergence([
    round([100, 300], 10, 0, cpu(2, 0.5, 0.25)),
    round([400], 30, 2, cpu(1, 0.25)),
  ]);
  assert.equal(m.create.cpu, {
    clusters: 3,
    components: { 'kube-apiserver': 0.75, 'function reconcile': 0.25 },
    others: 0.2,
    idle: 0.4,
    capacity: 2,
  });
  // A round that tracked no CPU leaves the others' as they are.
  assert.equal(
    mergeConvergence([round([100], 10, 0), round([200], 10, 1, cpu(1, 0.5))]).create.cpu,
    cpu(1, 0.5),
  );
  assert.is(mergeConvergence([round([100], 10, 0), round([200], 10, 1)]).create.cpu, undefined);
});

t.run();
