// Adding and removing one finalizer without ever dropping someone else's. Merge patches replace the
// whole list and an unguarded JSON patch races with other writers, so every change is a JSON patch
// whose `test` op pins what we read: the whole list when adding (a `null` test passes only while the
// list is absent), our own entry at its index when removing. A failed test (422) means the object
// changed since it was read; the caller answers "transient" so the event is redelivered and re-read.
// With the object's uid, a `test` of it first: a change decided from an event's copy of a pod never
// lands on a later pod of the same name.

import type { KubeClient } from '../../lib/k8s/client';
import { hasStatus } from '../../lib/k8s/errors';
import type { ResourceRef } from '../../lib/k8s/resources';
import { TransientError } from '../../lib/runtime/errors';

export type JsonPatch = Array<{ op: 'test' | 'add' | 'remove'; path: string; value?: unknown }>;

const PATH = '/metadata/finalizers';

export function hasFinalizer(obj: { metadata: { finalizers?: string[] } }, f: string): boolean {
  return obj.metadata.finalizers?.includes(f) ?? false;
}

/** Undefined when `f` is already there. */
export function addFinalizerPatch(
  current: string[] | undefined,
  f: string,
  uid?: string,
): JsonPatch | undefined {
  if (current?.includes(f)) return undefined;
  return [
    ...sameObject(uid),
    { op: 'test', path: PATH, value: current ?? null },
    { op: 'add', path: PATH, value: [...(current ?? []), f] },
  ];
}

/** Undefined when `f` is not there. */
export function removeFinalizerPatch(
  current: string[] | undefined,
  f: string,
  uid?: string,
): JsonPatch | undefined {
  const i = current?.indexOf(f) ?? -1;
  if (i < 0) return undefined;
  return [
    ...sameObject(uid),
    { op: 'test', path: `${PATH}/${i}`, value: f },
    { op: 'remove', path: `${PATH}/${i}` },
  ];
}

function sameObject(uid: string | undefined): JsonPatch {
  return uid ? [{ op: 'test', path: '/metadata/uid', value: uid }] : [];
}

interface Target {
  res: ResourceRef;
  namespace: string;
  name: string;
  finalizers: string[] | undefined;
  uid?: string | undefined;
}

/** The object is not as it was read (a failed `test`): another read decides again. */
export class FinalizerConflict extends TransientError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'FinalizerConflict';
  }
}

/** 'done', 'unchanged' (nothing to do, no request made) or 'gone' (404). */
export type FinalizerResult = 'done' | 'unchanged' | 'gone';

export function addFinalizer(kube: KubeClient, t: Target, f: string, fieldManager: string) {
  return send(kube, t, addFinalizerPatch(t.finalizers, f, t.uid), fieldManager, `add finalizer ${f}`);
}

export function removeFinalizer(kube: KubeClient, t: Target, f: string, fieldManager: string) {
  return send(kube, t, removeFinalizerPatch(t.finalizers, f, t.uid), fieldManager, `remove finalizer ${f}`);
}

async function send(
  kube: KubeClient,
  t: Target,
  patch: JsonPatch | undefined,
  fieldManager: string,
  what: string,
): Promise<FinalizerResult> {
  if (!patch) return 'unchanged';
  try {
    await kube.patch(t.res, t.namespace, t.name, patch, 'json', { fieldManager });
    return 'done';
  } catch (err) {
    if (hasStatus(err, 404)) return 'gone';
    // Also what the API server answers when a finalizer is added to an object whose deletion began
    // after we read it: either way the next read decides again.
    if (hasStatus(err, 422)) {
      throw new FinalizerConflict(
        `${what} on ${t.namespace}/${t.name}: the object changed since it was read`,
        {
          cause: err,
        },
      );
    }
    throw err;
  }
}
