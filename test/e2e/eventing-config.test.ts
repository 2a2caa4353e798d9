// The local runner configures the real adapters from eventing/*.yaml: changing a selector in a copy of
// that config changes which events the adapter delivers.
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { REPO_ROOT } from '../../localcluster/config';
import { installOperatorManifests, startOperator } from '../../localcluster/operator';
import { type ChaosProxy, NO_FAULTS, startChaosProxy } from '../support/chaos-proxy';
import {
  deleteNamespace,
  freshNamespace,
  type SharedCluster,
  sharedCluster,
  waitFor,
} from '../support/cluster';

const test = suite<{ c: SharedCluster }>('eventing/ drives the local adapters');

test.before(async (ctx) => {
  ctx.c = await sharedCluster();
  await installOperatorManifests(ctx.c.binDir, ctx.c.kubeconfig);
});

/** Runs reconcile behind a recording proxy with the given eventing dir; returns what the adapter sent. */
async function observe(c: SharedCluster, eventingDir: string, label: string) {
  let target = '';
  const proxy: ChaosProxy = await startChaosProxy(() => target, NO_FAULTS, 1);
  const op = await startOperator({
    kubeconfig: c.kubeconfig,
    binDir: c.binDir,
    logDir: join(REPO_ROOT, '.local', 'logs', `${label}-${Date.now()}`),
    eventingDir,
    functions: ['reconcile'],
    sinkFor: (_fn, url) => {
      target = url;
      return proxy.url;
    },
  });
  const ns = await freshNamespace(label);
  try {
    // New clusters until one's add event is seen: the adapter's watch may start after the first one.
    let n = 0;
    const name = await waitFor(
      'a GpssCluster event through the adapter',
      async () => {
        const cr = {
          apiVersion: 'gpss.gpdb.io/v1',
          kind: 'GpssCluster',
          metadata: { name: `c${n++}`, namespace: ns },
          spec: {
            size: 1,
            image: 'example.invalid/gpss:1',
            service: { gpss: 'ClusterIP', gpfdist: 'ClusterIP' },
            gpss_config: `{"ListenAddress":{"Port":5000},"Gpfdist":{"Port":8090},"Cluster":{"Id":"${ns}-c${n}","Port":5001,"Etcd":{"Endpoints":["e:2379"]}}}`,
          },
        };
        await c.kubectl(['create', '-f', '-'], { input: JSON.stringify(cr) });
        return proxy.stats.seen.find((e) => e.kind === 'GpssCluster' && e.namespace === ns)?.name;
      },
      { timeoutMs: 60_000, intervalMs: 500 },
    );
    // StatefulSet status updates come after its Services were created (apply order), so by then any
    // Service event the source watches has been sent too.
    await waitFor(
      'StatefulSet status events for that cluster',
      async () =>
        proxy.stats.seen.filter((e) => e.kind === 'StatefulSet' && e.name === name && e.namespace === ns)
          .length >= 2,
    );
    return proxy.stats.seen.filter((e) => e.namespace === ns);
  } finally {
    await op.stop();
    await proxy.close();
    await deleteNamespace(ns);
  }
}

test('a selector change in a copy of eventing/ changes what the adapter sends', async ({ c }) => {
  const original = await observe(c, join(REPO_ROOT, 'eventing'), 'evcfg-orig');
  assert.ok(
    original.some((e) => e.kind === 'Service'),
    'with the shipped config, Service events arrive',
  );

  const copy = mkdtempSync(join(tmpdir(), 'gpss-eventing-'));
  cpSync(join(REPO_ROOT, 'eventing'), copy, { recursive: true });
  const file = join(copy, 'reconcile.yaml');
  const text = readFileSync(file, 'utf8');
  const changed = text.replace(
    /(kind: Service\n\s+selector:\n\s+matchLabels: \{app\.kubernetes\.io\/managed-by: )gpss-operator\}/,
    '$1nobody}',
  );
  assert.is.not(changed, text, 'the Service selector was found and changed');
  writeFileSync(file, changed);
  const modified = await observe(c, copy, 'evcfg-mod');
  assert.equal(
    modified.filter((e) => e.kind === 'Service'),
    [],
    'no Service matches the changed selector',
  );
  assert.ok(
    modified.some((e) => e.kind === 'GpssCluster'),
    'other resources of the source still arrive',
  );
});

test.run();
