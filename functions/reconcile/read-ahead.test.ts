import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { KubeClient } from '../../lib/k8s/client';
import type { ApiServerEvent } from '../../lib/runtime/events/apiserver';
import { resourceEvent } from '../../lib/runtime/events/fixtures';
import { cluster } from './fixtures';
import { readAhead } from './reconcile';

const test = suite('functions/reconcile/read-ahead');

const NOW = new Date('2026-12-07T12:00:10Z');
const REF = { namespace: 'ns', name: 'g' };

/** The reads a read-ahead starts (a fake client is fine: only the calls are looked at). */
function readsOf(evs: ApiServerEvent[], now = NOW): string[] | undefined {
  const ahead = readAhead(evs, REF, now);
  if (!ahead) return undefined;
  const calls: string[] = [];
  const read = async (call: string) => {
    calls.push(call);
    return { items: [] };
  };
  ahead({
    get: (res: string, ns: string, name: string) => read(`get ${res} ${ns}/${name}`),
    list: (res: string, ns?: string) => read(`list ${res} ${ns ?? '*'}`),
    apply: (o: { kind: string; metadata: { namespace: string; name: string } }, opts: { dryRun?: boolean }) =>
      read(`${opts.dryRun ? 'dry-run' : 'apply'} ${o.kind} ${o.metadata.namespace}/${o.metadata.name}`),
  } as unknown as KubeClient);
  return calls;
}

const META = { name: 'g', namespace: 'ns', creationTimestamp: '2026-12-07T12:00:09Z' };

const added = (over: object = {}, verb: ApiServerEvent['verb'] = 'add'): ApiServerEvent => {
  const seed = cluster();
  const cr = { ...seed, metadata: { ...seed.metadata, ...META }, ...over };
  return { ...resourceEvent('GpssCluster', cr, verb), apiVersion: 'gpss.gpdb.io/v1' };
};

function sts(
  status: Record<string, unknown>,
  statusWritten = '2026-12-07T12:00:09Z',
  manager = 'gpss-reconcile',
) {
  return resourceEvent('StatefulSet', {
    metadata: {
      name: 'g',
      namespace: 'ns',
      generation: 2,
      managedFields: [
        { manager, operation: 'Apply', time: '2026-12-07T11:00:00Z' },
        {
          manager: 'kube-controller-manager',
          operation: 'Update',
          subresource: 'status',
          time: statusWritten,
        },
      ],
    },
    spec: { replicas: 3 },
    status,
  });
}

const SETTLED = { observedGeneration: 2, replicas: 3, readyReplicas: 3, updatedReplicas: 3 };

test("a new cluster's add event: its first round of reads and its dry run, beside the triage", () => {
  assert.equal(readsOf([added()])?.sort(), [
    'dry-run StatefulSet ns/g',
    'get configmaps ns/g-instance-config',
    'get poddisruptionbudgets ns/g',
    'get statefulsets ns/g',
    'list gpssclusters *',
    'list nodes *',
    'list pods ns',
    'list services ns',
  ]);
});

test('a new cluster in maintenance or with a spec the pass rejects: its reads, no dry run', () => {
  const seed = cluster();
  const reads = (spec: object) => readsOf([added({ spec: { ...seed.spec, ...spec } })]);
  assert.ok(reads({ maintenance: true })?.includes('get statefulsets ns/g'));
  assert.not.ok(
    reads({ maintenance: true })?.some((c) => c.startsWith('dry-run')),
    'maintenance',
  );
  assert.ok(reads({ gpss_config: '{' })?.includes('get statefulsets ns/g'));
  assert.not.ok(
    reads({ gpss_config: '{' })?.some((c) => c.startsWith('dry-run')),
    'an invalid spec',
  );
});

test('a cluster reconcile has reported on, an update, a deletion or a late add event: no read ahead', () => {
  assert.is(readsOf([added({ status: { observedGeneration: 1 } })]), undefined);
  assert.is(
    readsOf([added({}, 'update')]),
    undefined,
    "another writer's update (a finalizer) is triaged first",
  );
  assert.is(readsOf([added({ metadata: { ...META, deletionTimestamp: 'x' } })]), undefined);
  // Delivered long after the create (behind a burst): a resync may have handled the cluster since.
  const late = { ...META, creationTimestamp: '2026-12-07T11:59:00Z' };
  assert.is(readsOf([added({ metadata: late })]), undefined);
});

test("the StatefulSet event that ends a rollout: the rollout's end reads, beside the triage", () => {
  assert.equal(readsOf([sts(SETTLED)]), ['get statefulsets ns/g', 'list services ns', 'list nodes *']);
});

test('a StatefulSet still rolling out, touched by another, or settled long ago: no read ahead', () => {
  assert.is(readsOf([sts({ ...SETTLED, readyReplicas: 2 })]), undefined);
  assert.is(readsOf([sts({ ...SETTLED, observedGeneration: 1 })]), undefined);
  assert.is(readsOf([sts(SETTLED, '2026-12-07T12:00:09Z', 'kubectl')]), undefined);
  // The same object delivered again later: the triage settles it with one read.
  assert.is(readsOf([sts(SETTLED, '2026-12-07T12:00:00Z')]), undefined);
  assert.is(readsOf([sts(SETTLED), added({}, 'update')]), undefined, 'not every event a StatefulSet one');
});

test.run();
