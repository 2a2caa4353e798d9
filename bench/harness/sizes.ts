// How big each benchmark is. The full sizes are issue 9's (≥ 20 samples, 500 clusters × 3) fitted to
// the 15-minute budget on 2 cores; --quick keeps every benchmark but shrinks it for iteration.
export interface Sizes {
  /** KWOK nodes of 110 pods each: 1,500 instances need at least 14. */
  nodes: number;
  starts: number;
  importRuns: number;
  clusters: number;
  /**
   * With the baseline in the same run, the clusters are converged in this many alternating rounds per
   * side (bench/measure/paired.ts), so both sides sample the same stretch of time.
   */
  rounds: number;
  noopRepeats: number;
  throughputEvents: number;
  concurrency: number[];
  scaleClusters: number;
  /** Tenants: reconcile lists every GpssCluster of a namespace on each event, so this shapes its cost. */
  scaleNamespaces: number;
  /** The target is 5 minutes; the bench stops waiting there to stay within its own budget. */
  scaleDeadlineMs: number;
}

export const FULL: Sizes = {
  nodes: 20,
  starts: 20,
  importRuns: 10,
  clusters: 24,
  rounds: 4,
  noopRepeats: 5,
  throughputEvents: 300,
  concurrency: [1, 16],
  scaleClusters: 500,
  scaleNamespaces: 50,
  scaleDeadlineMs: 300_000,
};

export const QUICK: Sizes = {
  nodes: 20,
  starts: 5,
  importRuns: 3,
  clusters: 3,
  rounds: 2,
  noopRepeats: 2,
  throughputEvents: 40,
  concurrency: [1, 8],
  scaleClusters: 30,
  scaleNamespaces: 3,
  scaleDeadlineMs: 120_000,
};
