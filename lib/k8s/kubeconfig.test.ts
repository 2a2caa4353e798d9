// Our part of kubeconfig loading, on real files (the library parses them): kubectl's rules for a
// KUBECONFIG list and errors that name the file and the reason.
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { stringify } from 'yaml';
import { KubeConfigError, loadKubeConfig } from './kubeconfig';

const test = suite('kubeconfig');
const dir = mkdtempSync(join(tmpdir(), 'gpss-kc-'));
const home = join(dir, 'home'); // no ~/.kube/config there

function file(name: string, doc: Record<string, unknown>): string {
  const p = join(dir, name);
  writeFileSync(p, stringify({ apiVersion: 'v1', kind: 'Config', ...doc }));
  return p;
}
const cluster = (name: string, server: string) => ({
  name,
  cluster: { server, 'insecure-skip-tls-verify': true },
});
const context = (name: string, c: string, user: string) => ({ name, context: { cluster: c, user } });

function error(env: NodeJS.ProcessEnv): KubeConfigError {
  try {
    loadKubeConfig(env, home);
  } catch (e) {
    assert.instance(e, KubeConfigError);
    return e as KubeConfigError;
  }
  throw new Error('expected a KubeConfigError');
}

test('a KUBECONFIG list: cluster in one file, user in the other; the first current-context wins', () => {
  const a = file('a.yaml', {
    clusters: [cluster('one', 'https://127.0.0.1:1')],
    contexts: [context('first', 'one', 'u')],
    'current-context': 'first',
  });
  const b = file('b.yaml', {
    clusters: [cluster('two', 'https://127.0.0.1:2')],
    contexts: [context('second', 'two', 'u')],
    users: [{ name: 'u', user: { token: 't' } }],
    'current-context': 'second',
  });
  const kc = loadKubeConfig({ KUBECONFIG: `${a}:${b}` }, home);
  assert.is(kc.getCurrentContext(), 'first');
  assert.is(kc.getCurrentCluster()?.server, 'https://127.0.0.1:1');
  assert.is(kc.getCurrentUser()?.token, 't');
});

test('missing files of a list are skipped, as kubectl does; all missing is an error', () => {
  const ok = file('ok.yaml', {
    clusters: [cluster('c', 'https://127.0.0.1:3')],
    contexts: [context('x', 'c', 'u')],
    users: [{ name: 'u', user: { token: 't' } }],
    'current-context': 'x',
  });
  assert.is(loadKubeConfig({ KUBECONFIG: `${join(dir, 'nope.yaml')}:${ok}` }, home).getCurrentContext(), 'x');
  const e = error({ KUBECONFIG: join(dir, 'nope.yaml') });
  assert.is(e.message, `kubeconfig ${join(dir, 'nope.yaml')}: no such file`);
});

test('errors name the file and the reason in one line', () => {
  const noUser = file('no-user.yaml', {
    clusters: [cluster('c', 'https://127.0.0.1:4')],
    contexts: [context('x', 'c', 'ghost')],
    'current-context': 'x',
  });
  assert.is(error({ KUBECONFIG: noUser }).reason, 'context "x" names user "ghost", which is not defined');
  const noContext = file('no-context.yaml', { clusters: [cluster('c', 'https://127.0.0.1:4')] });
  assert.is(error({ KUBECONFIG: noContext }).reason, 'no current-context is set');
  const badUrl = file('bad-url.yaml', {
    clusters: [{ name: 'c', cluster: { server: 'not a url' } }],
    contexts: [context('x', 'c', 'u')],
    users: [{ name: 'u', user: {} }],
    'current-context': 'x',
  });
  assert.match(error({ KUBECONFIG: badUrl }).reason, /invalid server URL "not a url"/);
  const notYaml = join(dir, 'not-yaml.yaml');
  writeFileSync(notYaml, '{{{');
  const e = error({ KUBECONFIG: notYaml });
  assert.is(e.source, notYaml);
  assert.not.match(e.message, /\n/);
});

test('no KUBECONFIG, no ~/.kube/config, not a Pod: an error instead of http://localhost:8080', () => {
  assert.match(error({}).reason, /KUBECONFIG is not set, .* does not exist and this is not a Pod/);
});

test("token files, kubectl's key or the library's, are re-read: the file auth provider, path relative to the kubeconfig", () => {
  mkdirSync(join(dir, 'secrets'), { recursive: true });
  writeFileSync(join(dir, 'secrets', 'token'), 't\n');
  // The library itself reads `token-file` at load, relative to the working directory: absolute here.
  for (const [key, path] of [
    ['tokenFile', 'secrets/token'],
    ['token-file', join(dir, 'secrets', 'token')],
  ] as const) {
    const kc = loadKubeConfig(
      {
        KUBECONFIG: file(`tf-${key}.yaml`, {
          clusters: [cluster('c', 'https://127.0.0.1:5')],
          contexts: [context('x', 'c', 'u')],
          users: [{ name: 'u', user: { [key]: path } }],
          'current-context': 'x',
        }),
      },
      home,
    );
    assert.equal(
      kc.getCurrentUser()?.authProvider,
      {
        name: 'tokenFile',
        config: { tokenFile: join(dir, 'secrets', 'token') },
      },
      key,
    );
  }
});

test.run();
