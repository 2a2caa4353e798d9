// The whole loop as users run it: GpssCluster changes flow through the real ApiServerSource adapters
// (configured from eventing/) to the three functions, with no help from the test.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { KubeClient } from '../../lib/k8s/client';
import { differences } from '../../localcluster/convergence';
import type { RunningOperator } from '../../localcluster/operator';
import { installOperatorManifests } from '../../localcluster/operator';
import {
  deleteNamespace,
  freshNamespace,
  type SharedCluster,
  sharedCluster,
  waitFor,
} from '../support/cluster';
import { assertScaledToZero, scaleDowns, startE2eOperator, timedConvergence } from '../support/e2e';

const BOUND = 60_000;
const test = suite<{ c: SharedCluster; op: RunningOperator; kube: KubeClient; ns: string }>(
  'e2e lifecycle through real adapters',
);

test.before(async (ctx) => {
  ctx.c = await sharedCluster();
  await installOperatorManifests(ctx.c.binDir, ctx.c.kubeconfig);
  ctx.op = (await startE2eOperator(ctx.c, 'e2e-lifecycle')).op;
  ctx.kube = await KubeClient.fromKubeconfig(ctx.c.kubeconfig);
  ctx.ns = await freshNamespace('e2e-life');
});
test.after(async (ctx) => {
  // Namespaces go first, while finalize still runs to release its finalizers.
  if (ctx.ns) await deleteNamespace(ctx.ns, { wait: true });
  await ctx.op?.stop();
  ctx.kube?.close();
});

const NAME = 'life';
const patch = async (c: SharedCluster, ns: string, spec: Record<string, unknown>) => {
  const r = await c.kubectl([
    'patch',
    'gpss',
    NAME,
    '-n',
    ns,
    '--type=merge',
    '-p',
    JSON.stringify({ spec }),
  ]);
  assert.is(r.code, 0, r.stderr);
};

test('create, scale, update image, change service type, delete', async ({ c, kube, ns, op }) => {
  const cr = {
    apiVersion: 'gpss.gpdb.io/v1',
    kind: 'GpssCluster',
    metadata: { name: NAME, namespace: ns },
    spec: {
      size: 3,
      image: 'example.invalid/gpss:1',
      service: { gpss: 'NodePort', gpfdist: 'NodePort' },
      gpss_config:
        '{"ListenAddress":{"Port":5000},"Gpfdist":{"Port":8090},"Cluster":{"Id":"life","Port":5001,"Etcd":{"Endpoints":["etcd:2379"]}}}',
      termination_grace_seconds: 5,
    },
  };
  // Functions scale to zero between the steps: each step starts from zero and ends at zero.
  let zero = scaleDowns(op);
  const step = async (what: string) => {
    await timedConvergence(kube, ns, NAME, what, BOUND);
    await assertScaledToZero(op, zero);
    zero = scaleDowns(op);
  };
  const r = await c.kubectl(['apply', '-f', '-'], { input: JSON.stringify(cr) });
  assert.is(r.code, 0, r.stderr);
  await step('create (size 3)');

  // kubectl scale, through the scale subresource, wakes every function from zero.
  const cold = Object.fromEntries([...op.functions].map(([fn, f]) => [fn, f.activator.stats.coldStarts]));
  assert.is((await c.kubectl(['scale', 'gpss', NAME, '-n', ns, '--replicas=5'])).code, 0);
  await step('kubectl scale 3 → 5');
  for (const [fn, f] of op.functions) {
    assert.ok(f.activator.stats.coldStarts > cold[fn]!, `${fn} was started from zero by the scale`);
  }

  await patch(c, ns, { image: 'example.invalid/gpss:2' });
  await step('image change');

  await patch(c, ns, { service: { gpss: 'NodePort', gpfdist: 'ClusterIP' } });
  await step('gpfdist NodePort → ClusterIP');

  const t0 = Date.now();
  assert.is((await c.kubectl(['delete', 'gpss', NAME, '-n', ns, '--wait=false'])).code, 0);
  await waitFor(
    'every object of the cluster gone',
    async () => {
      const cr2 = await kube.get('gpssclusters', ns, NAME);
      return !cr2 && (await differences(kube, ns, NAME)).length === 0;
    },
    { timeoutMs: BOUND },
  );
  console.log(`  delete: converged in ${Date.now() - t0} ms (bound ${BOUND} ms)`);
});

test.run();
