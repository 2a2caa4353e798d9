// A custom resource installed moments ago refuses watches while its watch cache fills (429); the
// operator's launcher waits until one is accepted before its adapters start (localcluster/watchable.ts),
// so their first watch is not the refused one and no event is lost to the back-off.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { loadKubeConfig } from '../../lib/k8s/kubeconfig';
import { serviceAccountKubeconfig } from '../../localcluster/service-account-kubeconfig';
import { awaitWatchable, isCustom, watchStatus } from '../../localcluster/watchable';
import { type SharedCluster, sharedCluster } from '../support/cluster';

const test = suite<{ c: SharedCluster; crds: string[] }>('watchable custom resources');

test.before(async (ctx) => {
  ctx.c = await sharedCluster();
  ctx.crds = [];
});
test.after(async (ctx) => {
  for (const name of ctx.crds) await ctx.c.kubectl(['delete', 'crd', name, '--wait=false']);
});

/** A CRD no request has touched yet, Established. */
async function freshCrd(ctx: { c: SharedCluster; crds: string[] }) {
  const plural = `gates${Date.now().toString(36)}`;
  const group = 'watchable.test.example.com';
  const name = `${plural}.${group}`;
  const made = await ctx.c.kubectl(['create', '-f', '-'], {
    input: JSON.stringify({
      apiVersion: 'apiextensions.k8s.io/v1',
      kind: 'CustomResourceDefinition',
      metadata: { name },
      spec: {
        group,
        scope: 'Namespaced',
        names: {
          plural,
          singular: plural,
          kind: `Gate${plural.slice(5)}`,
          listKind: `Gate${plural.slice(5)}List`,
        },
        versions: [
          {
            name: 'v1',
            served: true,
            storage: true,
            schema: { openAPIV3Schema: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } },
          },
        ],
      },
    }),
  });
  assert.is(made.code, 0, made.stderr);
  ctx.crds.push(name);
  const ok = await ctx.c.kubectl(['wait', '--for=condition=Established', `crd/${name}`, '--timeout=30s']);
  assert.is(ok.code, 0, ok.stderr);
  return { Group: group, Version: 'v1', Resource: plural };
}

test('only custom resources are waited for', () => {
  assert.ok(isCustom({ Group: 'gpss.gpdb.io', Version: 'v1', Resource: 'gpssclusters' }));
  assert.not.ok(isCustom({ Group: '', Version: 'v1', Resource: 'pods' }));
  assert.not.ok(isCustom({ Group: 'apps', Version: 'v1', Resource: 'statefulsets' }));
  assert.not.ok(isCustom({ Group: 'networking.k8s.io', Version: 'v1', Resource: 'ingresses' }));
});

test('a watch of a CRD installed moments ago is accepted at the first try once awaitWatchable returns', async (ctx) => {
  const gvr = await freshCrd(ctx);
  await awaitWatchable(ctx.c.kubeconfig, [gvr]);
  const path = `/apis/${gvr.Group}/${gvr.Version}/${gvr.Resource}`;
  assert.is(await watchStatus(ctx.c.kubeconfig, path), 200);
});

test('any other refusal is not waited out: a kubeconfig that may not watch returns at once', async (ctx) => {
  const gvr = await freshCrd(ctx);
  const admin = loadKubeConfig({ KUBECONFIG: ctx.c.kubeconfig });
  const dir = mkdtempSync(join(tmpdir(), 'watchable-'));
  const nobody = await serviceAccountKubeconfig(admin, { namespace: 'default', name: 'default' }, dir);
  const path = `/apis/${gvr.Group}/${gvr.Version}/${gvr.Resource}`;
  await awaitWatchable(ctx.c.kubeconfig, [gvr]);
  assert.is(await watchStatus(nobody, path), 403, 'refused for want of RBAC');
  // Waiting out a 403 would end in the deadline's error.
  await awaitWatchable(nobody, [gvr], { timeoutMs: 5_000 });
});

test.run();
