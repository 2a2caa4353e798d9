// For unit tests: an ApiServerSource event (Resource mode) about `object`, as describeApiServerEvent gives it.
import type { ApiServerEvent } from './apiserver';

export function resourceEvent(
  kind: string,
  object: unknown,
  verb: ApiServerEvent['verb'] = 'update',
): ApiServerEvent {
  return {
    verb,
    mode: 'resource',
    apiVersion: 'v1',
    kind,
    name: 'x',
    namespace: 'ns',
    object: object as never,
  };
}
