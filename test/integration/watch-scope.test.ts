// Namespace scope: with only per-namespace Roles (the chart's watchNamespaces), the resync's lists go
// namespace by namespace and succeed where one cluster-wide list is refused.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { KubeClient } from '../../lib/k8s/client';
import { hasStatus } from '../../lib/k8s/errors';
import { listWatched } from '../../lib/k8s/watch-scope';
import { installOperatorManifests } from '../../localcluster/operator';
import { deleteNamespace, freshNamespace, type SharedCluster, sharedCluster } from '../support/cluster';

const test = suite<{ c: SharedCluster; a: string; b: string; kube: KubeClient }>('namespace-scoped lists');
const USER = 'scope-test-user';

test.before(async (ctx) => {
  ctx.c = await sharedCluster();
  await installOperatorManifests(ctx.c.binDir, ctx.c.kubeconfig);
  ctx.a = await freshNamespace('it-scope-a');
  ctx.b = await freshNamespace('it-scope-b');
  const cfg =
    '{"ListenAddress":{"Port":5000},"Gpfdist":{"Port":8090},"Cluster":{"Id":"ID","Port":5001,"Etcd":{"Endpoints":["e:2379"]}}}';
  const objs = [ctx.a, ctx.b].map((ns) => ({
    apiVersion: 'gpss.gpdb.io/v1',
    kind: 'GpssCluster',
    metadata: { name: `in-${ns}`, namespace: ns },
    spec: { size: 0, image: 'example.invalid/gpss:1', gpss_config: cfg.replace('ID', ns) },
  }));
  const rbac = [
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'Role',
      metadata: { name: 'read-gpss', namespace: ctx.a },
      rules: [{ apiGroups: ['gpss.gpdb.io'], resources: ['gpssclusters'], verbs: ['get', 'list'] }],
    },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'RoleBinding',
      metadata: { name: 'read-gpss', namespace: ctx.a },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'read-gpss' },
      subjects: [{ kind: 'User', name: USER }],
    },
  ];
  const r = await ctx.c.kubectl(['apply', '-f', '-'], {
    input: JSON.stringify({ apiVersion: 'v1', kind: 'List', items: [...objs, ...rbac] }),
  });
  assert.is(r.code, 0, r.stderr);
  ctx.kube = await KubeClient.fromKubeconfig(ctx.c.kubeconfig, { impersonate: { user: USER } });
});
test.after(async (ctx) => {
  ctx.kube?.close();
  for (const ns of [ctx.a, ctx.b]) if (ns) await deleteNamespace(ns);
});

test('per-namespace lists see exactly the watched namespaces', async ({ kube, a }) => {
  const items = await listWatched<{ metadata: { name: string } }>(kube, 'gpssclusters', {}, [a]);
  assert.equal(
    items.map((i) => i.metadata.name),
    [`in-${a}`],
  );
});

test('a cluster-wide list is refused under namespace-scoped RBAC', async ({ kube }) => {
  try {
    await listWatched(kube, 'gpssclusters', {}, undefined);
    assert.unreachable('listed at the cluster scope');
  } catch (err) {
    assert.ok(hasStatus(err, 403), String(err));
  }
});

test.run();
