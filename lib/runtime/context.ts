// What every function's handler works with for one event: the API client, the event's child logger
// and the clock (passed in, so planners and tests never read the real one).
import type { GpssCluster } from '../api/types';
import type { KubeClient } from '../k8s/client';
import type { ApiServerEvent } from './events/apiserver';
import type { Logger } from './log';

export interface FunctionContext {
  kube: KubeClient;
  log: Logger;
  now: () => Date;
  /** Handlers call it with the GpssCluster they read, so a recorded failure can be cleared without a re-read. */
  seen?: (cr: GpssCluster) => void;
  /**
   * The events this handling answers (several when they queued for the same cluster); undefined in a
   * resync. Only a hint of what changed: a handler that acts on an event's copy of an object makes
   * the write conditional on that copy still being current.
   */
  events?: readonly ApiServerEvent[];
}
