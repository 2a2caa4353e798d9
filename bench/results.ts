// The shape of one bench run, as written to .local/bench/<timestamp>.json.
import type { BundleResult } from '../build/bundle';
import type { ActivatorResult } from './activator';
import type { BaselineResult } from './baseline';
import type { ColdStartResult } from './cold-start';
import type { ConvergenceResult } from './convergence';
import type { NoopResult, ResyncResult } from './economy';
import type { FirstRequest, ImportCost } from './import-cost';
import type { Machine } from './machine';
import type { ScaleResult } from './scale';
import type { Sizes } from './sizes';
import type { Summary } from './stats';
import type { ThroughputResult } from './throughput';

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
  noop?: NoopResult[];
  resync?: ResyncResult[];
  throughput?: ThroughputResult[];
  baseline?: BaselineResult;
  scale?: ScaleResult;
  baselineAtScale?: Omit<BaselineResult, 'convergence'>;
  errors: string[];
}
