import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { GpssClusterSpec } from './types';
import { clusterIdOf, validateGpssConfig, validateSpec, validateSpecChange } from './validate-config';

// The seed manifest's config, as users of the original operator write it.
const SEED = `{"ListenAddress": {"Host": "", "Port": 5000}, "Gpfdist": {"Host": "", "Port": 8090},
 "Cluster": {"Id": "gpfdist", "Port": 5001, "Etcd": {"Endpoints": ["etcd:2379"]}}}
`;

const paths = (problems: { path: string }[]) => problems.map((p) => p.path).sort();

const config = suite('validateGpssConfig');

config('accepts the seed config', () => {
  assert.equal(validateGpssConfig(SEED), []);
});

config('accepts extra GPSS settings and nested Etcd options', () => {
  const text = JSON.stringify({
    ListenAddress: { Port: 5000, Certificate: { CertFile: '/c' } },
    Gpfdist: { Port: 8090, ReuseTables: false },
    Cluster: { Id: 'c-1.prod', Port: 5001, Etcd: { Endpoints: ['http://e1:2379', 'e2:2379'], TLS: {} } },
    Logging: { Level: 'debug' },
  });
  assert.equal(validateGpssConfig(text), []);
});

config('reports invalid JSON once, with the parser message', () => {
  const problems = validateGpssConfig('{"ListenAddress": ');
  assert.is(problems.length, 1);
  assert.is(problems[0].path, 'gpss_config');
  assert.match(problems[0].message, /not valid JSON/);
});

config('refuses JSON that is not an object', () => {
  for (const text of ['[]', '"x"', '42', 'null']) {
    const problems = validateGpssConfig(text);
    assert.equal(paths(problems), ['gpss_config'], text);
    assert.match(problems[0].message, /JSON object/);
  }
});

config('reports every missing field of an empty object at once', () => {
  assert.equal(paths(validateGpssConfig('{}')), [
    'gpss_config.Cluster.Etcd.Endpoints',
    'gpss_config.Cluster.Id',
    'gpss_config.Cluster.Port',
    'gpss_config.Gpfdist.Port',
    'gpss_config.ListenAddress.Port',
  ]);
});

config('reports all problems of a bad config with their paths', () => {
  const text = JSON.stringify({
    ListenAddress: { Host: 7, Port: 0 },
    Gpfdist: { Port: 70000 },
    Cluster: { Id: '', Port: '5001', Etcd: { Endpoints: ['etcd:2379', '', 'etcd:2379', 5] } },
  });
  const problems = validateGpssConfig(text);
  assert.equal(paths(problems), [
    'gpss_config.Cluster.Etcd.Endpoints[1]',
    'gpss_config.Cluster.Etcd.Endpoints[2]',
    'gpss_config.Cluster.Etcd.Endpoints[3]',
    'gpss_config.Cluster.Id',
    'gpss_config.Cluster.Port',
    'gpss_config.Gpfdist.Port',
    'gpss_config.ListenAddress.Host',
    'gpss_config.ListenAddress.Port',
  ]);
  const byPath = Object.fromEntries(problems.map((p) => [p.path, p.message]));
  assert.match(byPath['gpss_config.Gpfdist.Port'], /1 to 65535.*70000/);
  assert.match(byPath['gpss_config.Cluster.Port'], /string "5001"/);
  assert.match(byPath['gpss_config.Cluster.Etcd.Endpoints[2]'], /duplicates/);
});

config('refuses ports that clash, naming both', () => {
  const text = JSON.stringify({
    ListenAddress: { Port: 5000 },
    Gpfdist: { Port: 5000 },
    Cluster: { Id: 'c', Port: 5000, Etcd: { Endpoints: ['e:1'] } },
  });
  const problems = validateGpssConfig(text);
  assert.equal(paths(problems), ['gpss_config.Cluster.Port', 'gpss_config.Gpfdist.Port']);
  assert.ok(problems.every((p) => p.message.includes('gpss_config.ListenAddress.Port')));
});

config('refuses a non-integer port and an empty endpoint list', () => {
  const text = JSON.stringify({
    ListenAddress: { Port: 5000.5 },
    Gpfdist: { Port: 8090 },
    Cluster: { Id: 'c', Port: 5001, Etcd: { Endpoints: [] } },
  });
  assert.equal(paths(validateGpssConfig(text)), [
    'gpss_config.Cluster.Etcd.Endpoints',
    'gpss_config.ListenAddress.Port',
  ]);
});

config('reports a section of the wrong type once and skips its leaves', () => {
  const text = JSON.stringify({ ListenAddress: 5000, Gpfdist: { Port: 8090 }, Cluster: [] });
  assert.equal(paths(validateGpssConfig(text)), ['gpss_config.Cluster', 'gpss_config.ListenAddress']);
});

config('refuses cluster ids that are not DNS-ish', () => {
  for (const id of ['has space', '-lead', 'trail-', 'a/b', 'x'.repeat(64), 42]) {
    const text = JSON.stringify({
      ListenAddress: { Port: 5000 },
      Gpfdist: { Port: 8090 },
      Cluster: { Id: id, Port: 5001, Etcd: { Endpoints: ['e:1'] } },
    });
    assert.equal(paths(validateGpssConfig(text)), ['gpss_config.Cluster.Id'], String(id));
  }
});

config.run();

const ids = suite('clusterIdOf');

ids('reads Cluster.Id', () => {
  assert.is(clusterIdOf(SEED), 'gpfdist');
});

ids('is undefined without a usable id', () => {
  assert.is(clusterIdOf('not json'), undefined);
  assert.is(clusterIdOf('{"Cluster": {"Id": 3}}'), undefined);
  assert.is(clusterIdOf('{}'), undefined);
});

ids.run();

const spec = suite('validateSpec');

const base = (over: Partial<GpssClusterSpec> = {}): GpssClusterSpec => ({
  size: 3,
  image: 'gpss:test',
  gpss_config: SEED,
  ...over,
});

spec('accepts the seed spec', () => {
  assert.equal(
    validateSpec(
      base({
        resources: { limits: { cpu: '8', memory: '32Gi' }, requests: { cpu: '1', memory: '1Gi' } },
        node_selector: { 'kubernetes.io/os': 'linux', disktype: 'ssd' },
      }),
    ),
    [],
  );
});

spec('prefixes config problems with gpss_config', () => {
  assert.equal(paths(validateSpec(base({ gpss_config: '{"Cluster": {"Id": "x"}}' }))), [
    'gpss_config.Cluster.Etcd.Endpoints',
    'gpss_config.Cluster.Port',
    'gpss_config.Gpfdist.Port',
    'gpss_config.ListenAddress.Port',
  ]);
});

spec('requires a config even when read without schema validation', () => {
  assert.equal(paths(validateSpec(base({ gpss_config: '  ' }))), ['gpss_config']);
});

spec('checks requests against limits for every resource, not only cpu and memory', () => {
  const problems = validateSpec(
    base({
      resources: {
        requests: { cpu: '1500m', 'ephemeral-storage': '20Gi', memory: '1Gi' },
        limits: { cpu: '2', 'ephemeral-storage': '10Gi', memory: '1024Mi' },
      },
    }),
  );
  assert.equal(paths(problems), ['resources.requests.ephemeral-storage']);
  assert.match(problems[0].message, /20Gi.*limits\.ephemeral-storage.*10Gi/);
});

spec('refuses malformed and negative quantities', () => {
  const resources = { limits: { cpu: 'lots' }, requests: { memory: '-1Gi' } };
  assert.equal(paths(validateSpec(base({ resources }))), [
    'resources.limits.cpu',
    'resources.requests.memory',
  ]);
});

spec('refuses node selector keys and values the API server would refuse on pods', () => {
  const problems = validateSpec(
    base({
      node_selector: { 'bad key': 'ok', 'UPPER.example.com/x': 'v', good: 'bad value!', 'a/b/c': 'x' },
    }),
  );
  assert.equal(paths(problems), [
    'node_selector["UPPER.example.com/x"]',
    'node_selector["a/b/c"]',
    'node_selector["bad key"]',
    'node_selector["good"]',
  ]);
});

spec.run();

const change = suite('validateSpecChange');

change('allows changes that keep Cluster.Id', () => {
  const next = SEED.replace('5001', '5002').replace('etcd:2379', 'etcd-0:2379');
  assert.equal(validateSpecChange(base(), base({ gpss_config: next, size: 5 })), []);
});

change('refuses a changed Cluster.Id, naming both ids', () => {
  const problems = validateSpecChange(base(), base({ gpss_config: SEED.replace('"gpfdist"', '"other"') }));
  assert.equal(paths(problems), ['gpss_config.Cluster.Id']);
  assert.match(problems[0].message, /immutable.*"gpfdist".*"other"/);
});

change('leaves a removed or unreadable id to validateSpec', () => {
  assert.equal(validateSpecChange(base(), base({ gpss_config: '{}' })), []);
  assert.equal(validateSpecChange(base({ gpss_config: 'x' }), base()), []);
});

change.run();
