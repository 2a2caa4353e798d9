// What an ApiServerSource event is about: which object, which change, and (in Resource mode) its state.

import type { CloudEvent } from 'cloudevents';
import type { KubeObject } from '../../k8s/client';
import { BadEventError } from '../errors';
import { apiServerEventType } from './types';

export interface ObjectReference {
  apiVersion: string;
  kind: string;
  name: string;
  namespace?: string;
}

export interface ApiServerEvent {
  verb: 'add' | 'update' | 'delete';
  mode: 'resource' | 'ref';
  apiVersion: string;
  kind: string;
  name: string;
  /** Undefined for cluster-scoped objects. */
  namespace?: string;
  /** Resource mode: the object as the adapter saw it (for delete, its last state). A hint, not the truth. */
  object?: KubeObject;
  /** Reference mode: the data's reference; with an `owner` filter it names the controller, not the object. */
  ref?: ObjectReference;
}

/**
 * Reads the object an ApiServerSource event is about: the `kind`, `apiversion`, `name`, `namespace`
 * extensions the adapter sets, falling back to the data. Throws a PermanentError (redelivery cannot fix
 * it) for a non-ApiServerSource type, data that is not an object, or a missing kind, apiVersion or name.
 */
export function describeApiServerEvent(event: CloudEvent<unknown>): ApiServerEvent {
  const t = apiServerEventType(event.type);
  if (!t) throw new BadEventError(`event ${event.id}: type "${event.type}" is not an ApiServerSource event`);

  let data: unknown = event.data;
  if (typeof data === 'string') {
    try {
      data = JSON.parse(data);
    } catch {
      // Reported below as data that is not an object.
    }
  }
  if (typeof data !== 'object' || data === null || Array.isArray(data)) {
    throw new BadEventError(
      `event ${event.id} (${event.type}): data must be a JSON object (the ${t.mode === 'ref' ? 'reference' : 'object'}), got ${describe(data)}`,
    );
  }
  const d = data as Record<string, unknown>;
  const meta = (typeof d.metadata === 'object' && d.metadata !== null ? d.metadata : {}) as Record<
    string,
    unknown
  >;
  const fromData =
    t.mode === 'resource'
      ? { apiVersion: d.apiVersion, kind: d.kind, name: meta.name, namespace: meta.namespace }
      : { apiVersion: d.apiVersion, kind: d.kind, name: d.name, namespace: d.namespace };

  const kind = text(event.kind) ?? text(fromData.kind);
  const apiVersion = text(event.apiversion) ?? text(fromData.apiVersion);
  const name = text(event.name) ?? text(fromData.name);
  const namespace = text(event.namespace) ?? text(fromData.namespace);
  const missing = [!kind && 'kind', !apiVersion && 'apiVersion', !name && 'name'].filter(Boolean);
  if (missing.length) {
    throw new BadEventError(
      `event ${event.id} (${event.type}): missing ${missing.join(', ')} in both the extensions and the data`,
    );
  }

  const result: ApiServerEvent = {
    verb: t.verb,
    mode: t.mode,
    apiVersion: apiVersion!,
    kind: kind!,
    name: name!,
  };
  if (namespace) result.namespace = namespace;
  if (t.mode === 'resource') {
    result.object = d as KubeObject;
  } else if (text(fromData.kind) && text(fromData.name) && text(fromData.apiVersion)) {
    result.ref = {
      apiVersion: text(fromData.apiVersion)!,
      kind: text(fromData.kind)!,
      name: text(fromData.name)!,
      ...(text(fromData.namespace) ? { namespace: text(fromData.namespace)! } : {}),
    };
  }
  return result;
}

function text(v: unknown): string | undefined {
  return typeof v === 'string' && v !== '' ? v : undefined;
}

function describe(v: unknown): string {
  if (v === undefined) return 'no data';
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  return typeof v === 'string' ? 'a non-JSON string' : `a ${typeof v}`;
}
