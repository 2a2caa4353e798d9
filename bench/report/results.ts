// The shape of one bench run, as written to .local/bench/<timestamp>.json.
import type { BundleResult } from '../../build/bundle';
import type { BaselineResult } from '../baseline/baseline';
import type { Machine } from '../harness/machine';
import type { Sizes } from '../harness/sizes';
import type { Summary } from '../harness/stats';
import type { ActivatorResult } from '../measure/activator';
import type { ColdStartResult } from '../measure/cold-start';
import type { ConvergenceResult } from '../measure/convergence';
import type { NoopResult, ResyncResult } from '../measure/economy';
import type { FailoverResult } from '../measure/failover';
import type { FirstRequest, ImportCost } from '../measure/import-cost';
import type { BaselineBurstResult, ScaleResult } from '../measure/scale';
import type { ThroughputResult } from '../measure/throughput';

export interface Results {
  startedAt: string;
  quick: boolean;
  durationS?: number;
  machine: Machine;
  /** 1/5/15-minute load averages when each phase began: other work on the machine skews figures. */
  load: Record<string, string>;
  sizes: Sizes;
  functions: string[];
  /** compileCacheBytes: the V8 code cache shipped beside the bundle (absent in runs before it existed). */
  bundles: Array<Pick<BundleResult, 'name' | 'bytes' | 'gzipBytes'> & { compileCacheBytes?: number }>;
  coldStart?: { functions: ColdStartResult[]; node: { total: Summary; rssKiB: number } };
  /** Each function's PingSource schedule in eventing/ at the time of the run (absent in older runs). */
  pingSchedules?: Record<string, string>;
  /** Issue 15: through the local activator, at zero vs warm, and the time at zero (absent in older runs). */
  activator?: ActivatorResult;
  importCosts?: ImportCost[];
  firstRequest?: FirstRequest;
  convergence?: ConvergenceResult;
  /**
   * When the baseline ran in the same run: the rounds each side converged its clusters in, alternating
   * (bench/measure/paired.ts); absent when the two ran one after the other.
   */
  convergenceRounds?: number;
  /**
   * Per adapter, deliveries it gave up on over the convergence phase (its "failed to send cloudevent"
   * log lines; absent in older runs). The scale phase's are in scale.adapterFailedSends.
   */
  convergenceFailedSends?: Record<string, number>;
  noop?: NoopResult[];
  resync?: ResyncResult[];
  throughput?: ThroughputResult[];
  baseline?: BaselineResult;
  scale?: ScaleResult;
  /** Issue 14: the same burst run by the always-on baseline, before the serverless one (absent in older runs). */
  scaleBaseline?: BaselineBurstResult;
  baselineAtScale?: Omit<BaselineResult, 'convergence'>;
  /** Issue 14: lost-node failover with health at zero, the default window (absent in older runs). */
  failover?: FailoverResult;
  errors: string[];
}
