// The copy that keeps the chart on the plain manifests, on a throwaway tree: stale, missing and
// orphaned files are all reported, and one sync leaves nothing stale.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { staleCopies, syncChart } from './sync-chart';

interface Ctx {
  root: string;
  chart: string;
}

const test = suite<Ctx>('build/sync-chart', { root: '', chart: '' });

const put = (path: string, text: string) => {
  mkdirSync(join(path, '..'), { recursive: true });
  writeFileSync(path, text);
};

test.before.each((ctx) => {
  ctx.root = mkdtempSync(join(tmpdir(), 'gpss-sync-chart-'));
  ctx.chart = join(ctx.root, 'charts/gpss-operator');
  put(join(ctx.root, 'manifests/crd/a.yaml'), 'kind: CustomResourceDefinition\n');
  put(join(ctx.root, 'manifests/rbac/reconcile.yaml'), 'kind: ClusterRole\n');
  put(join(ctx.root, 'eventing/reconcile.yaml'), 'kind: ApiServerSource\n');
  put(join(ctx.root, 'manifests/namespace.yaml'), 'kind: Namespace\n');
});

test.after.each((ctx) => {
  rmSync(ctx.root, { recursive: true, force: true });
});

test('an empty chart: every source is reported, and a sync copies them all', ({ root, chart }) => {
  const expected = [
    'charts/gpss-operator/files/crds/a.yaml',
    'charts/gpss-operator/files/rbac/reconcile.yaml',
    'charts/gpss-operator/files/eventing/reconcile.yaml',
  ];
  assert.equal(staleCopies(root, chart), expected);
  assert.equal(syncChart(root, chart), expected);
  assert.equal(staleCopies(root, chart), []);
  assert.is(readFileSync(join(chart, 'files/rbac/reconcile.yaml'), 'utf8'), 'kind: ClusterRole\n');
  // Only the directories the chart renders from.
  assert.not.ok(existsSync(join(chart, 'files/namespace.yaml')));
});

test('an edited source and a deleted one are both stale; the sync updates one and removes the other', ({
  root,
  chart,
}) => {
  syncChart(root, chart);
  put(join(root, 'manifests/rbac/reconcile.yaml'), 'kind: ClusterRole\nrules: []\n');
  rmSync(join(root, 'eventing/reconcile.yaml'));
  assert.equal(staleCopies(root, chart), [
    'charts/gpss-operator/files/rbac/reconcile.yaml',
    'charts/gpss-operator/files/eventing/reconcile.yaml',
  ]);
  syncChart(root, chart);
  assert.equal(staleCopies(root, chart), []);
  assert.not.ok(existsSync(join(chart, 'files/eventing/reconcile.yaml')));
});

test.run();
