// The real ApiServerSource adapter, run against the embedded cluster, delivers CloudEvents to a sink.
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { type RunningAdapter, startAdapter } from '../../localcluster/adapter';
import { REPO_ROOT } from '../../localcluster/config';
import {
  deleteNamespace,
  freshNamespace,
  type SharedCluster,
  sharedCluster,
  waitFor,
} from '../support/cluster';
import { type Sink, startSink } from '../support/sink';

const test = suite<{ c: SharedCluster; ns: string; sink: Sink; adapter?: RunningAdapter }>(
  'ApiServerSource adapter',
);

test.before(async (ctx) => {
  ctx.c = await sharedCluster();
  ctx.ns = await freshNamespace('it-adapter');
  ctx.sink = await startSink();
});
test.after(async (ctx) => {
  await ctx.adapter?.stop();
  await ctx.sink?.close();
  if (ctx.ns) await deleteNamespace(ctx.ns);
});

test('delivers dev.knative.apiserver.resource.add for a ConfigMap the test creates', async (ctx) => {
  const { c, ns, sink } = ctx;
  ctx.adapter = startAdapter({
    name: 'it-configmaps',
    namespace: ns,
    binDir: c.binDir,
    kubeconfig: c.kubeconfig,
    sink: sink.url,
    logFile: join(REPO_ROOT, '.local', 'cluster', 'logs', `adapter-${ns}.log`),
    config: {
      namespaces: [ns],
      allNamespaces: false,
      resources: [{ gvr: { Group: '', Version: 'v1', Resource: 'configmaps' }, selector: 'test=adapter' }],
      mode: 'Resource',
    },
  });
  // The adapter sends nothing for objects that exist before its watch starts, so keep creating new
  // ConfigMaps until one is reported; the first event proves the whole path.
  let n = 0;
  const created: string[] = [];
  const add = await waitFor(
    'an add event for a created ConfigMap',
    async () => {
      if (ctx.adapter!.child.exitCode !== null) throw new Error('adapter exited');
      const name = `cm-${n++}`;
      const cm = {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name, namespace: ns, labels: { test: 'adapter' } },
        data: { k: 'v' },
      };
      const r = await c.kubectl(['create', '-f', '-'], { input: JSON.stringify(cm) });
      assert.is(r.code, 0, r.stderr);
      created.push(name);
      return sink.events.find((e) => e.type === 'dev.knative.apiserver.resource.add');
    },
    { timeoutMs: 60_000, intervalMs: 500 },
  );
  assert.is(add.specversion, '1.0');
  assert.is(add.namespace, ns);
  assert.is(add.kind, 'ConfigMap');
  assert.ok(created.includes(String(add.name)), `event for a ConfigMap we created: ${add.name}`);
  assert.match(String(add.subject), new RegExp(`^/apis/v1/namespaces/${ns}/configmaps/cm-\\d+$`));
  const data = add.data as { metadata?: { name?: string }; data?: Record<string, string> };
  assert.is(data.metadata?.name, add.name);
  assert.equal(data.data, { k: 'v' });
});

test.run();
