// The main job against the kubeconfigs users have: `npm start -- --exit-when-ready` with KUBECONFIG
// set to an exec credential plugin, a KUBECONFIG list (cluster in one file, user in the other) and a
// token-file user each reaches a Ready sample; a kubeconfig that cannot be used stops it with one line
// naming the file and the reason, and nothing left running.
import { spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { parse, stringify } from 'yaml';
import { REPO_ROOT } from '../../localcluster/config';
import { installOperatorManifests } from '../../localcluster/operator';
import { deleteNamespace, freshNamespace, type SharedCluster, sharedCluster } from '../support/cluster';
import { startE2eOperator } from '../support/e2e';

interface Ctx {
  c: SharedCluster;
  dir: string;
  token: string;
  server: string;
  caData: string;
  namespaces: string[];
}
const test = suite<Ctx>('npm start with the kubeconfigs users have');

const SA = { namespace: 'kube-system', name: 'gpss-test-kubeconfig-user' };

test.before(async (ctx) => {
  ctx.c = await sharedCluster();
  ctx.namespaces = [];
  ctx.dir = mkdtempSync(join(tmpdir(), 'gpss-kubeconfigs-'));
  await installOperatorManifests(ctx.c.binDir, ctx.c.kubeconfig);
  // A user whose credential is a bearer token (what exec plugins and token files hand over).
  await ctx.c.kubectl(['create', 'serviceaccount', SA.name, '-n', SA.namespace]);
  await ctx.c.kubectl([
    'create',
    'clusterrolebinding',
    SA.name,
    '--clusterrole=cluster-admin',
    `--serviceaccount=${SA.namespace}:${SA.name}`,
  ]);
  const tok = await ctx.c.kubectl(['create', 'token', SA.name, '-n', SA.namespace, '--duration=1h']);
  assert.is(tok.code, 0, tok.stderr);
  ctx.token = tok.stdout.trim();
  const admin = parse(readFileSync(ctx.c.kubeconfig, 'utf8'));
  ctx.server = admin.clusters[0].cluster.server;
  ctx.caData = admin.clusters[0].cluster['certificate-authority-data'];
  assert.ok(ctx.caData, 'the admin kubeconfig carries its CA inline');
});

test.after(async (ctx) => {
  // The samples carry the operator's finalizers: delete them while finalize runs.
  if (ctx.namespaces?.length) {
    const { op } = await startE2eOperator(ctx.c, 'kubeconfig-modes-cleanup', { functions: ['finalize'] });
    try {
      for (const ns of ctx.namespaces) await deleteNamespace(ns, { wait: true });
    } finally {
      await op.stop();
    }
  }
  await ctx.c?.kubectl(['delete', 'clusterrolebinding', SA.name, '--ignore-not-found']);
  await ctx.c?.kubectl(['delete', 'serviceaccount', SA.name, '-n', SA.namespace, '--ignore-not-found']);
});

function cluster(ctx: Ctx) {
  return { name: 'embedded', cluster: { server: ctx.server, 'certificate-authority-data': ctx.caData } };
}

function kubeconfig(ctx: Ctx, file: string, parts: { cluster?: boolean; user?: Record<string, unknown> }) {
  const doc: Record<string, unknown> = { apiVersion: 'v1', kind: 'Config' };
  if (parts.cluster) {
    doc.clusters = [cluster(ctx)];
    doc.contexts = [{ name: 'ctx', context: { cluster: 'embedded', user: 'someone' } }];
    doc['current-context'] = 'ctx';
  }
  if (parts.user) doc.users = [{ name: 'someone', user: parts.user }];
  const path = join(ctx.dir, file);
  writeFileSync(path, stringify(doc), { mode: 0o600 });
  return path;
}

/** A sample of its own per run (namespace and Cluster.Id), so each run must bring it to Ready. */
async function sample(ctx: Ctx, label: string): Promise<string> {
  const ns = await freshNamespace(`kc-${label}`);
  ctx.namespaces.push(ns);
  const text = readFileSync(join(REPO_ROOT, 'manifests', 'samples', 'gpfdist-nodeport.yaml'), 'utf8')
    .replace('namespace: gpss-workspace-test', `namespace: ${ns}`)
    .replace('"Id": "gpfdist"', `"Id": "kc-${label}"`);
  const path = join(ctx.dir, `sample-${label}.yaml`);
  writeFileSync(path, text);
  return path;
}

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function npmStart(kubeconfigEnv: string, samplePath: string): Promise<Run> {
  return new Promise((resolve) => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', 'localcluster/start.ts', '--exit-when-ready', samplePath],
      {
        cwd: REPO_ROOT,
        env: { ...process.env, KUBECONFIG: kubeconfigEnv },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => {
      stdout += d;
    });
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    const timer = setTimeout(() => child.kill('SIGTERM'), 120_000);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

function assertReady(r: Run, what: string) {
  assert.is(r.code, 0, `${what}: npm start exited ${r.code}\n${r.stdout}\n${r.stderr}`);
  assert.match(r.stdout, /is Ready after/, what);
  assert.match(r.stdout, /\[start\] Node v24\./, 'npm start says which Node it runs on');
}

test('an exec credential plugin user reaches a Ready sample', async (ctx) => {
  const plugin = join(ctx.dir, 'credential-plugin.sh');
  const credential = {
    apiVersion: 'client.authentication.k8s.io/v1',
    kind: 'ExecCredential',
    status: { token: ctx.token },
  };
  writeFileSync(plugin, `#!/bin/sh\ncat <<'EOF'\n${JSON.stringify(credential)}\nEOF\n`);
  chmodSync(plugin, 0o700);
  const kc = kubeconfig(ctx, 'exec.yaml', {
    cluster: true,
    user: {
      exec: { apiVersion: 'client.authentication.k8s.io/v1', command: plugin, interactiveMode: 'Never' },
    },
  });
  assertReady(await npmStart(kc, await sample(ctx, 'exec')), 'exec plugin');
});

test('a KUBECONFIG list (cluster in one file, user in the other) reaches a Ready sample', async (ctx) => {
  const first = kubeconfig(ctx, 'list-cluster.yaml', { cluster: true });
  const second = kubeconfig(ctx, 'list-user.yaml', { user: { token: ctx.token } });
  assertReady(await npmStart(`${first}:${second}`, await sample(ctx, 'list')), 'KUBECONFIG list');
});

test('a token-file user reaches a Ready sample', async (ctx) => {
  const tokenFile = join(ctx.dir, 'token');
  // As `kubectl create token … > file` writes it: with a trailing newline.
  writeFileSync(tokenFile, `${ctx.token}\n`, { mode: 0o600 });
  // As `kubectl config set-credentials --token-file` writes it: the key is `tokenFile`, which the
  // library alone would ignore (lib/k8s/kubeconfig.ts turns it into its file auth provider).
  const kc = kubeconfig(ctx, 'token-file.yaml', { cluster: true, user: { tokenFile } });
  assertReady(await npmStart(kc, await sample(ctx, 'tokenfile')), 'token file');
});

/** Every process whose command line mentions the file: what a failed start would have left running. */
function processesMentioning(text: string): string[] {
  const found: string[] = [];
  for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    try {
      const env = readFileSync(`/proc/${pid}/environ`, 'utf8');
      if (env.includes(text) && Number(pid) !== process.pid) found.push(pid);
    } catch {}
  }
  return found;
}

test('a kubeconfig that cannot be used stops npm start with one line naming it', async (ctx) => {
  const cases: Array<[string, string, RegExp]> = [
    [join(ctx.dir, 'missing.yaml'), 'missing', /kubeconfig .*missing\.yaml: no such file/],
    [
      kubeconfig(ctx, 'no-user.yaml', { cluster: true }),
      'no user',
      /kubeconfig .*no-user\.yaml: context "ctx" names user "someone", which is not defined/,
    ],
    [
      kubeconfig(ctx, 'bad-token.yaml', { cluster: true, user: { token: 'not-a-token' } }),
      'refused token',
      /kubeconfig .*bad-token\.yaml: .*401/,
    ],
    [
      kubeconfig(ctx, 'failing-plugin.yaml', {
        cluster: true,
        user: {
          exec: {
            apiVersion: 'client.authentication.k8s.io/v1',
            command: '/bin/false',
            interactiveMode: 'Never',
          },
        },
      }),
      'failing plugin',
      /kubeconfig .*failing-plugin\.yaml: /,
    ],
  ];
  for (const [file, what, pattern] of cases) {
    const r = await npmStart(file, join(REPO_ROOT, 'manifests', 'samples', 'gpfdist-nodeport.yaml'));
    assert.is(r.code, 1, `${what}: exit code\n${r.stdout}\n${r.stderr}`);
    const errLines = r.stderr.trim().split('\n').filter(Boolean);
    assert.is(errLines.length, 1, `${what}: one line on stderr, got:\n${r.stderr}`);
    assert.match(errLines[0]!, pattern, what);
    assert.not.match(r.stderr, /\n\s+at /, `${what}: no stack trace`);
    assert.equal(processesMentioning(`KUBECONFIG=${file}`), [], `${what}: nothing left running`);
  }
});

test.run();
