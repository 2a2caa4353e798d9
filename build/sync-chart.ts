// Copies the parts of the plain manifests the Helm chart renders from into the chart, which Helm can
// only read from inside its own directory: the CRD, the RBAC rules and the event sources' watched
// resources (charts/gpss-operator/files/). manifests/ and eventing/ stay the one place to edit;
// test/integration/ship-chart.test.ts fails when a copy is stale, naming this script.
//
// Usage: npx tsx build/sync-chart.ts [--check]   (--check: report stale copies, change nothing)
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ROOT } from './bundle';

export const CHART_DIR = join(ROOT, 'charts/gpss-operator');

/** Source directory (repository-relative) -> directory under the chart. */
export const COPIES: Record<string, string> = {
  'manifests/crd': 'files/crds',
  'manifests/rbac': 'files/rbac',
  eventing: 'files/eventing',
};

const yamlIn = (dir: string) =>
  existsSync(dir)
    ? readdirSync(dir)
        .filter((f) => /\.ya?ml$/.test(f))
        .sort()
    : [];

/** Chart files that differ from, or have no, source (repository-relative paths). */
export function staleCopies(root: string = ROOT, chart: string = CHART_DIR): string[] {
  const stale: string[] = [];
  for (const [src, dst] of Object.entries(COPIES)) {
    const from = yamlIn(join(root, src));
    const to = yamlIn(join(chart, dst));
    for (const f of new Set([...from, ...to])) {
      const a = join(root, src, f);
      const b = join(chart, dst, f);
      if (!existsSync(a) || !existsSync(b) || readFileSync(a, 'utf8') !== readFileSync(b, 'utf8'))
        stale.push(join('charts/gpss-operator', dst, f));
    }
  }
  return stale;
}

export function syncChart(root: string = ROOT, chart: string = CHART_DIR): string[] {
  const changed = staleCopies(root, chart);
  for (const [src, dst] of Object.entries(COPIES)) {
    const to = join(chart, dst);
    mkdirSync(to, { recursive: true });
    const from = yamlIn(join(root, src));
    for (const f of yamlIn(to)) if (!from.includes(f)) rmSync(join(to, f));
    for (const f of from) writeFileSync(join(to, f), readFileSync(join(root, src, f)));
  }
  return changed;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  if (process.argv.includes('--check')) {
    const stale = staleCopies();
    console.log(stale.length ? `stale:\n  ${stale.join('\n  ')}` : 'chart files are up to date');
    process.exit(stale.length ? 1 : 0);
  }
  const changed = syncChart();
  console.log(changed.length ? `updated:\n  ${changed.join('\n  ')}` : 'chart files were up to date');
}
