import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { cluster, converged } from './fixtures';
import { claimsClusterId, duplicateClusterId, needsNodes, specProblems } from './plan-config';

const test = suite('plan-config');

const withId = (id: string, etcd = 'etcd:2379') =>
  `{"ListenAddress":{"Port":5000},"Gpfdist":{"Port":8090},"Cluster":{"Id":"${id}","Port":5001,"Etcd":{"Endpoints":["${etcd}"]}}}`;

test('a changed Cluster.Id is refused against the one the instances run with', () => {
  const o = converged(cluster());
  assert.equal(specProblems(cluster({ gpss_config: withId('other') }, 2), o), {
    reason: 'ClusterIdChanged',
    message:
      'gpss_config.Cluster.Id changed from "gpfdist" to "other": the running instances keep their jobs in etcd under the old Id; recreate the cluster to change it',
  });
  assert.is(specProblems(cluster(), o), undefined);
});

test('the other clusters are read only while the cluster claims its Id', () => {
  const cr = cluster();
  assert.ok(claimsClusterId(cr, { services: [], pods: [], nodes: [] }));
  assert.not.ok(claimsClusterId(cr, converged(cr)));
});

test('a duplicate Id is one on the same etcd, in another live cluster', () => {
  const cr = cluster({ gpss_config: withId('shared') });
  const other = (name: string, config: string, deleting = false) => ({
    ...cluster({ gpss_config: config }),
    metadata: {
      name,
      namespace: 'elsewhere',
      uid: `uid-${name}`,
      ...(deleting ? { deletionTimestamp: '2026-01-01T00:00:00Z' } : {}),
    },
  });
  assert.is(
    duplicateClusterId(cr, [
      cr,
      other('a', withId('shared', 'etcd-b:2379')),
      other('b', withId('shared'), true),
      other('c', withId('x')),
    ]),
    undefined,
  );
  assert.equal(duplicateClusterId(cr, [other('d', withId('shared'))]), {
    reason: 'DuplicateClusterId',
    message:
      'spec.gpss_config.Cluster.Id "shared" is already used by GpssCluster elsewhere/d on the same etcd (etcd:2379)',
  });
});

test('nodes are read only for a NodePort Service', () => {
  assert.ok(needsNodes(cluster()));
  assert.ok(needsNodes(cluster({ service: { gpss: 'NodePort', gpfdist: 'ClusterIP' } })));
  assert.not.ok(needsNodes(cluster({ service: { gpss: 'LoadBalancer', gpfdist: 'ClusterIP' } })));
});

test.run();
