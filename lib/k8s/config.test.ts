import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { inClusterConnection, kubeconfigToConnection, loadKubeconfig } from './config';

const b64 = (s: string) => Buffer.from(s).toString('base64');
const CA = '-----BEGIN CERTIFICATE-----\nca\n-----END CERTIFICATE-----\n';
const CERT = '-----BEGIN CERTIFICATE-----\nclient\n-----END CERTIFICATE-----\n';
const KEY = '-----BEGIN PRIVATE KEY-----\nkey\n-----END PRIVATE KEY-----\n';

const KUBECONFIG = `apiVersion: v1
kind: Config
current-context: admin@local
clusters:
  - name: local
    cluster:
      server: https://127.0.0.1:6443/
      certificate-authority-data: ${b64(CA)}
  - name: other
    cluster:
      server: https://10.0.0.1:443
      insecure-skip-tls-verify: true
      tls-server-name: kubernetes.default
contexts:
  - name: admin@local
    context:
      cluster: local
      user: admin
      namespace: team-a
  - name: reader@other
    context:
      cluster: other
      user: reader
users:
  - name: admin
    user:
      client-certificate-data: ${b64(CERT)}
      client-key-data: ${b64(KEY)}
  - name: reader
    user:
      token: s3cr3t-token
`;

let dir = '';
const kc = suite('kubeconfig');

kc.before(() => {
  dir = mkdtempSync(join(tmpdir(), 'kubeconfig-test-'));
});
kc.after(() => rmSync(dir, { recursive: true, force: true }));

kc('current-context with inline certificate data', async () => {
  const path = join(dir, 'config');
  writeFileSync(path, KUBECONFIG);
  const conn = await loadKubeconfig(path);
  assert.is(conn.server, 'https://127.0.0.1:6443');
  assert.is(conn.ca?.toString(), CA);
  assert.is(conn.cert?.toString(), CERT);
  assert.is(conn.key?.toString(), KEY);
  assert.is(conn.namespace, 'team-a');
  assert.is(conn.token, undefined);
  assert.is(conn.insecureSkipTlsVerify, undefined);
});

kc('another context: token, insecure-skip-tls-verify, tls-server-name', async () => {
  const path = join(dir, 'config');
  writeFileSync(path, KUBECONFIG);
  const conn = await loadKubeconfig(path, { context: 'reader@other' });
  assert.is(conn.server, 'https://10.0.0.1:443');
  assert.is(conn.token, 's3cr3t-token');
  assert.is(conn.insecureSkipTlsVerify, true);
  assert.is(conn.tlsServerName, 'kubernetes.default');
  assert.is(conn.cert, undefined);
  assert.is(conn.namespace, undefined);
});

kc('file references are resolved relative to the kubeconfig', async () => {
  mkdirSync(join(dir, 'pki'), { recursive: true });
  writeFileSync(join(dir, 'pki', 'ca.crt'), CA);
  writeFileSync(join(dir, 'pki', 'admin.crt'), CERT);
  writeFileSync(join(dir, 'pki', 'admin.key'), KEY);
  writeFileSync(join(dir, 'token'), 'file-token\n');
  const path = join(dir, 'files.kubeconfig');
  writeFileSync(
    path,
    `current-context: c
clusters: [{name: k, cluster: {server: "https://127.0.0.1:6443", certificate-authority: pki/ca.crt}}]
contexts: [{name: c, context: {cluster: k, user: u}}, {name: t, context: {cluster: k, user: tok}}]
users:
  - {name: u, user: {client-certificate: pki/admin.crt, client-key: ${join(dir, 'pki', 'admin.key')}}}
  - {name: tok, user: {tokenFile: token}}
`,
  );
  const conn = await loadKubeconfig(path);
  assert.is(conn.ca?.toString(), CA);
  assert.is(conn.cert?.toString(), CERT);
  assert.is(conn.key?.toString(), KEY);
  const tok = await loadKubeconfig(path, { context: 't' });
  assert.is(tok.tokenFile, join(dir, 'token'));
});

kc('clear errors for what cannot work', () => {
  const doc = (over: Record<string, unknown>) => ({
    'current-context': 'c',
    clusters: [{ name: 'k', cluster: { server: 'https://h:6443' } }],
    contexts: [{ name: 'c', context: { cluster: 'k', user: 'u' } }],
    users: [{ name: 'u', user: {} }],
    ...over,
  });
  assert.throws(() => kubeconfigToConnection('text'), /not a kubeconfig/);
  assert.throws(() => kubeconfigToConnection(doc({ 'current-context': undefined })), /no current-context/);
  assert.throws(() => kubeconfigToConnection(doc({}), { context: 'nope' }), /context "nope" not found/);
  assert.throws(() => kubeconfigToConnection(doc({ clusters: [] })), /cluster "k" of context "c" not found/);
  assert.throws(() => kubeconfigToConnection(doc({ users: [] })), /user "u" of context "c" not found/);
  assert.throws(
    () => kubeconfigToConnection(doc({ users: [{ name: 'u', user: { exec: { command: 'aws' } } }] })),
    /exec or auth-provider plugin, which is not supported/,
  );
  assert.throws(
    () =>
      kubeconfigToConnection(doc({ users: [{ name: 'u', user: { 'client-certificate-data': b64(CERT) } }] })),
    /without a key/,
  );
  assert.throws(
    () =>
      kubeconfigToConnection(
        doc({ clusters: [{ name: 'k', cluster: { 'certificate-authority': '/nonexistent/ca' } }] }),
      ),
    /has no server/,
  );
  // A user with no credentials is anonymous, not an error.
  assert.is(kubeconfigToConnection(doc({})).server, 'https://h:6443');
});

kc('a missing or unparsable file names the path', async () => {
  try {
    await loadKubeconfig(join(dir, 'absent'));
    assert.unreachable();
  } catch (err) {
    assert.match((err as Error).message, /cannot read kubeconfig .*absent/);
  }
  const bad = join(dir, 'bad.yaml');
  writeFileSync(bad, 'clusters: [unclosed');
  try {
    await loadKubeconfig(bad);
    assert.unreachable();
  } catch (err) {
    assert.match((err as Error).message, /is not valid YAML/);
  }
});

kc('errors never include the token', () => {
  try {
    kubeconfigToConnection({
      'current-context': 'c',
      clusters: [{ name: 'k', cluster: { server: 'https://h' } }],
      contexts: [{ name: 'c', context: { cluster: 'k', user: 'u' } }],
      users: [{ name: 'u', user: { token: 's3cr3t-token', 'client-key-data': b64(KEY) } }],
    });
    assert.unreachable();
  } catch (err) {
    assert.not.match(String((err as Error).message), /s3cr3t/);
  }
});

const inCluster = suite('inClusterConnection');

inCluster('service host and port, mounted CA, token file and namespace', () => {
  const sa = mkdtempSync(join(tmpdir(), 'sa-test-'));
  try {
    writeFileSync(join(sa, 'token'), 'sa-token');
    writeFileSync(join(sa, 'ca.crt'), CA);
    writeFileSync(join(sa, 'namespace'), 'gpss-system\n');
    const conn = inClusterConnection(
      { KUBERNETES_SERVICE_HOST: '10.96.0.1', KUBERNETES_SERVICE_PORT: '443' },
      sa,
    );
    assert.is(conn.server, 'https://10.96.0.1:443');
    assert.is(conn.tokenFile, join(sa, 'token'));
    assert.is(conn.token, undefined, 'the token is read per request, not captured once');
    assert.is(conn.ca?.toString(), CA);
    assert.is(conn.namespace, 'gpss-system');
    const v6 = inClusterConnection(
      { KUBERNETES_SERVICE_HOST: 'fd00::1', KUBERNETES_SERVICE_PORT: '443' },
      sa,
    );
    assert.is(v6.server, 'https://[fd00::1]:443');
  } finally {
    rmSync(sa, { recursive: true, force: true });
  }
});

inCluster('outside a cluster it says what to set', () => {
  assert.throws(() => inClusterConnection({}, '/nonexistent'), /KUBERNETES_SERVICE_HOST\/PORT are not set/);
  assert.throws(
    () => inClusterConnection({ KUBERNETES_SERVICE_HOST: 'h', KUBERNETES_SERVICE_PORT: '1' }, '/nonexistent'),
    /does not exist/,
  );
});

kc.run();
inCluster.run();
