// Runs every uvu test file in its own process and ends with one `N passed, N failed` line
// (uvu prints totals per process only). Unit tests are `*.test.ts` beside the code; integration,
// e2e and chaos suites live under test/ and share one embedded cluster started on demand. The audit
// group runs last: it judges the whole run from the API server's audit log (test/audit/).
import { spawn } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { stopSharedClusterIfOwned } from '../test/support/cluster-lifecycle';

const root = new URL('..', import.meta.url).pathname;
// Test files learn which run they belong to: the run that starts the shared cluster stops it.
const RUN_ID = `run-${process.pid}-${Date.now()}`;
process.env.GPSS_TEST_RUN = RUN_ID;
// The audit group counts only requests received after this (the log spans earlier runs).
process.env.GPSS_TEST_RUN_START = new Date().toISOString();
const args = process.argv.slice(2);
const only = args.includes('--only') ? args[args.indexOf('--only') + 1] : undefined;
const filters = args.filter((a, i) => !a.startsWith('--') && args[i - 1] !== '--only');

function walk(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules' || name.startsWith('.')) continue;
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p, out);
    else if (name.endsWith('.test.ts')) out.push(relative(root, p));
  }
  return out;
}

const groups: Record<string, string[]> = { unit: [], integration: [], e2e: [], chaos: [], audit: [] };
for (const f of walk(root).sort()) {
  if (f.startsWith('test/e2e/')) groups.e2e.push(f);
  else if (f.startsWith('test/chaos/')) groups.chaos.push(f);
  else if (f.startsWith('test/audit/')) groups.audit.push(f);
  else if (f.startsWith('test/')) groups.integration.push(f);
  else groups.unit.push(f);
}

interface Result {
  file: string;
  passed: number;
  failed: number;
  skipped: number;
  code: number | null;
  ms: number;
}

function runFile(file: string): Promise<Result> {
  const t0 = Date.now();
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', file], {
      cwd: root,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, FORCE_COLOR: '0' },
    });
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
      process.stdout.write(d);
    });
    child.stderr.on('data', (d) => process.stderr.write(d));
    child.on('close', (code) => {
      const num = (label: string) => Number(out.match(new RegExp(`${label}:\\s+(\\d+)`))?.[1] ?? 0);
      const total = num('Total');
      const passed = num('Passed');
      const skipped = num('Skipped');
      let failed = total - passed - skipped;
      // A file that crashed before uvu reported anything still counts as one failure.
      if (code !== 0 && failed === 0) failed = 1;
      resolve({ file, passed, failed, skipped, code, ms: Date.now() - t0 });
    });
  });
}

const order = ['unit', 'integration', 'e2e', 'chaos', 'audit'].filter(
  (g) => !only || only.split(',').includes(g),
);
// Whether every suite that talks to the cluster runs in full: only then can the audit group tell a
// grant no code uses from one this run did not exercise.
process.env.GPSS_TEST_RUN_FULL =
  filters.length === 0 && ['integration', 'e2e', 'chaos'].every((g) => order.includes(g)) ? '1' : '0';
const results: Result[] = [];
for (const g of order) {
  const files = groups[g].filter((f) => filters.length === 0 || filters.some((x) => f.includes(x)));
  if (files.length === 0) continue;
  console.log(`\n=== ${g}: ${files.length} file(s) ===`);
  for (const f of files) {
    console.log(`\n--- ${f}`);
    results.push(await runFile(f));
  }
}

// Integration suites share one embedded cluster; stop it if the test run started it.
await stopSharedClusterIfOwned(RUN_ID);

console.log('\nfile summary:');
for (const r of results) {
  console.log(
    `  ${r.failed ? 'FAIL' : 'ok  '} ${r.file}  (${r.passed} passed, ${r.failed} failed, ${(r.ms / 1000).toFixed(1)}s)`,
  );
}
const passed = results.reduce((a, r) => a + r.passed, 0);
const failed = results.reduce((a, r) => a + r.failed, 0);
const skipped = results.reduce((a, r) => a + r.skipped, 0);
console.log(`${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
process.exit(failed > 0 || results.length === 0 ? 1 : 0);
