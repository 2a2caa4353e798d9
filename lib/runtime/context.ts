// What every function's handler works with for one event: the API client, the event's child logger
// and the clock (passed in, so planners and tests never read the real one).
import type { GpssCluster } from '../api/types';
import type { KubeClient } from '../k8s/client';
import type { Logger } from './log';

export interface FunctionContext {
  kube: KubeClient;
  log: Logger;
  now: () => Date;
  /** Handlers call it with the GpssCluster they read, so a recorded failure can be cleared without a re-read. */
  seen?: (cr: GpssCluster) => void;
}
