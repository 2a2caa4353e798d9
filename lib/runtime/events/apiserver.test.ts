import { CloudEvent } from 'cloudevents';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { PermanentError } from '../errors';
import { describeApiServerEvent } from './apiserver';
import { EVENT_TYPES, isApiServerEvent, isPingEvent } from './types';

const POD = {
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: 'gpss-a-0', namespace: 'ns1', uid: 'p1' },
  status: { phase: 'Running' },
};

function event(attrs: Record<string, unknown>) {
  return new CloudEvent<unknown>(
    {
      id: 'e-1',
      source: 'https://127.0.0.1:6443',
      subject: '/apis/v1/namespaces/ns1/pods/gpss-a-0',
      datacontenttype: 'application/json',
      ...attrs,
    },
    false,
  );
}

function throwsPermanent(fn: () => unknown, pattern: RegExp) {
  try {
    fn();
  } catch (err) {
    assert.instance(err, PermanentError);
    assert.match((err as Error).message, pattern);
    return;
  }
  assert.unreachable('expected a PermanentError');
}

const describe = suite('describeApiServerEvent');

describe('Resource mode: names from the extensions, the object from the data', () => {
  const d = describeApiServerEvent(
    event({
      type: EVENT_TYPES.resourceUpdate,
      kind: 'Pod',
      apiversion: 'v1',
      name: 'gpss-a-0',
      namespace: 'ns1',
      data: POD,
    }),
  );
  assert.equal(d, {
    verb: 'update',
    mode: 'resource',
    apiVersion: 'v1',
    kind: 'Pod',
    name: 'gpss-a-0',
    namespace: 'ns1',
    object: POD,
  });
});

describe('Resource mode without extensions falls back to the object', () => {
  const d = describeApiServerEvent(event({ type: EVENT_TYPES.resourceDelete, data: POD }));
  assert.is(d.verb, 'delete');
  assert.is(d.kind, 'Pod');
  assert.is(d.apiVersion, 'v1');
  assert.is(d.name, 'gpss-a-0');
  assert.is(d.namespace, 'ns1');
});

describe('extensions win over the data', () => {
  const d = describeApiServerEvent(event({ type: EVENT_TYPES.resourceAdd, name: 'other', data: POD }));
  assert.is(d.name, 'other');
  assert.is(d.verb, 'add');
});

describe('Reference mode: no object, the reference kept', () => {
  const ref = { apiVersion: 'gpss.gpdb.io/v1', kind: 'GpssCluster', name: 'c1', namespace: 'ns1' };
  const d = describeApiServerEvent(
    event({
      type: EVENT_TYPES.refUpdate,
      kind: 'Pod',
      apiversion: 'v1',
      name: 'gpss-a-0',
      namespace: 'ns1',
      data: ref,
    }),
  );
  assert.is(d.mode, 'ref');
  assert.is(d.object, undefined);
  assert.is(d.kind, 'Pod');
  assert.equal(d.ref, ref);
  const bare = describeApiServerEvent(event({ type: EVENT_TYPES.refAdd, data: ref }));
  assert.is(bare.kind, 'GpssCluster');
  assert.is(bare.name, 'c1');
});

describe('a cluster-scoped object has no namespace (the adapter sends an empty one)', () => {
  const node = { apiVersion: 'v1', kind: 'Node', metadata: { name: 'n1' } };
  const d = describeApiServerEvent(event({ type: EVENT_TYPES.resourceUpdate, namespace: '', data: node }));
  assert.is(d.namespace, undefined);
  assert.not.ok('namespace' in d);
});

describe('JSON data that arrived as a string is parsed', () => {
  const d = describeApiServerEvent(event({ type: EVENT_TYPES.resourceAdd, data: JSON.stringify(POD) }));
  assert.is(d.name, 'gpss-a-0');
});

describe('data that is not an object is a permanent error', () => {
  throwsPermanent(
    () => describeApiServerEvent(event({ type: EVENT_TYPES.resourceAdd, data: [1] })),
    /must be a JSON object.*an array/,
  );
  throwsPermanent(() => describeApiServerEvent(event({ type: EVENT_TYPES.resourceAdd })), /no data/);
  throwsPermanent(
    () => describeApiServerEvent(event({ type: EVENT_TYPES.resourceAdd, data: 'nope' })),
    /non-JSON string/,
  );
});

describe('missing kind or name is a permanent error naming what is missing', () => {
  throwsPermanent(
    () =>
      describeApiServerEvent(
        event({ type: EVENT_TYPES.resourceAdd, data: { apiVersion: 'v1', metadata: {} } }),
      ),
    /missing kind, name/,
  );
});

describe('a PingSource event is not an ApiServerSource event', () => {
  throwsPermanent(
    () => describeApiServerEvent(event({ type: EVENT_TYPES.ping, data: {} })),
    /not an ApiServerSource event/,
  );
});

const types = suite('event types');

types('isApiServerEvent / isPingEvent', () => {
  for (const t of Object.values(EVENT_TYPES)) {
    assert.is(isApiServerEvent({ type: t }), t !== EVENT_TYPES.ping, t);
    assert.is(isPingEvent({ type: t }), t === EVENT_TYPES.ping, t);
  }
  assert.not.ok(isApiServerEvent({ type: 'dev.knative.apiserver.resource.patch' }));
});

describe.run();
types.run();
