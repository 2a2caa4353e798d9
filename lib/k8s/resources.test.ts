import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { API_VERSION, KIND } from '../api/types';
import {
  apiVersionOf,
  parseResourcePath,
  RESOURCES,
  resolveResource,
  resourceFor,
  resourcePath,
} from './resources';

// The REST paths the API server serves, written out by hand rather than derived from the table.
const EXPECTED: Record<keyof typeof RESOURCES, { collection: string; object: string }> = {
  pods: { collection: '/api/v1/namespaces/ns/pods', object: '/api/v1/namespaces/ns/pods/x' },
  services: { collection: '/api/v1/namespaces/ns/services', object: '/api/v1/namespaces/ns/services/x' },
  configmaps: {
    collection: '/api/v1/namespaces/ns/configmaps',
    object: '/api/v1/namespaces/ns/configmaps/x',
  },
  secrets: { collection: '/api/v1/namespaces/ns/secrets', object: '/api/v1/namespaces/ns/secrets/x' },
  events: { collection: '/api/v1/namespaces/ns/events', object: '/api/v1/namespaces/ns/events/x' },
  serviceaccounts: {
    collection: '/api/v1/namespaces/ns/serviceaccounts',
    object: '/api/v1/namespaces/ns/serviceaccounts/x',
  },
  nodes: { collection: '/api/v1/nodes', object: '/api/v1/nodes/x' },
  namespaces: { collection: '/api/v1/namespaces', object: '/api/v1/namespaces/x' },
  statefulsets: {
    collection: '/apis/apps/v1/namespaces/ns/statefulsets',
    object: '/apis/apps/v1/namespaces/ns/statefulsets/x',
  },
  poddisruptionbudgets: {
    collection: '/apis/policy/v1/namespaces/ns/poddisruptionbudgets',
    object: '/apis/policy/v1/namespaces/ns/poddisruptionbudgets/x',
  },
  gpssclusters: {
    collection: '/apis/gpss.gpdb.io/v1/namespaces/ns/gpssclusters',
    object: '/apis/gpss.gpdb.io/v1/namespaces/ns/gpssclusters/x',
  },
};

const paths = suite('resourcePath');

paths('every resource: collection and object paths', () => {
  for (const name of Object.keys(RESOURCES) as (keyof typeof RESOURCES)[]) {
    assert.is(resourcePath(name, { namespace: 'ns' }), EXPECTED[name].collection, name);
    assert.is(resourcePath(name, { namespace: 'ns', name: 'x' }), EXPECTED[name].object, name);
  }
});

paths('every resource: the path reads back to its parts', () => {
  for (const [name, r] of Object.entries(RESOURCES)) {
    const parsed = parseResourcePath(resourcePath(r, { namespace: 'ns', name: 'x' }));
    assert.equal(
      parsed,
      {
        group: r.group,
        version: r.version,
        ...(r.namespaced ? { namespace: 'ns' } : {}),
        plural: r.plural,
        name: 'x',
      },
      name,
    );
  }
});

paths('namespaced resources without a namespace list across all namespaces', () => {
  assert.is(resourcePath('pods'), '/api/v1/pods');
  assert.is(resourcePath('gpssclusters', {}), '/apis/gpss.gpdb.io/v1/gpssclusters');
});

paths('subresources', () => {
  assert.is(
    resourcePath('gpssclusters', { namespace: 'ns', name: 'c1', subresource: 'status' }),
    '/apis/gpss.gpdb.io/v1/namespaces/ns/gpssclusters/c1/status',
  );
  assert.is(
    resourcePath('statefulsets', { namespace: 'ns', name: 's', subresource: 'scale' }),
    '/apis/apps/v1/namespaces/ns/statefulsets/s/scale',
  );
  assert.is(resourcePath('nodes', { name: 'n1', subresource: 'status' }), '/api/v1/nodes/n1/status');
  assert.throws(
    () => resourcePath('pods', { namespace: 'ns', subresource: 'status' }),
    /needs an object name/,
  );
});

paths('names are escaped and empty or dot segments refused', () => {
  assert.is(
    resourcePath('configmaps', { namespace: 'ns', name: 'a b' }),
    '/api/v1/namespaces/ns/configmaps/a%20b',
  );
  assert.throws(() => resourcePath('pods', { namespace: 'ns', name: '..' }), /invalid path segment/);
  assert.throws(() => resourcePath('pods', { namespace: 'ns', name: '' }), /invalid path segment/);
});

paths('a descriptor outside the table works the same', () => {
  const jobs = {
    group: 'batch',
    version: 'v1',
    plural: 'jobs',
    kind: 'Job',
    namespaced: true,
    api: 'custom' as const,
  };
  assert.is(resourcePath(jobs, { namespace: 'ns', name: 'j' }), '/apis/batch/v1/namespaces/ns/jobs/j');
});

const lookup = suite('resource lookup');

lookup('resourceFor finds every table entry by apiVersion and kind', () => {
  for (const r of Object.values(RESOURCES)) assert.is(resourceFor(apiVersionOf(r), r.kind), r);
  assert.is(resourceFor(API_VERSION, KIND), RESOURCES.gpssclusters);
  assert.is(resourceFor('v1', 'Event'), RESOURCES.events);
  assert.is(resourceFor('apps/v1', 'Pod'), undefined);
});

lookup('resolveResource rejects unknown names', () => {
  assert.throws(() => resolveResource('widgets' as keyof typeof RESOURCES), /unknown resource "widgets"/);
});

lookup('parseResourcePath understands collections, namespaces and queries', () => {
  assert.equal(parseResourcePath('/api/v1/namespaces/ns1'), {
    group: '',
    version: 'v1',
    plural: 'namespaces',
    name: 'ns1',
  });
  assert.equal(parseResourcePath('/apis/apps/v1/namespaces/ns/statefulsets?labelSelector=a%3Db'), {
    group: 'apps',
    version: 'v1',
    namespace: 'ns',
    plural: 'statefulsets',
  });
  assert.is(parseResourcePath('/version'), undefined);
});

paths.run();
lookup.run();
