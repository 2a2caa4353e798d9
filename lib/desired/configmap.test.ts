import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { buildInstanceConfigMap } from './configmap';
import { seedEffective } from './fixtures';

const EXPECTED = {
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: {
    name: 'gpfdist-instance-config',
    namespace: 'gpss-workspace-test',
    labels: {
      'app.kubernetes.io/name': 'gpss',
      'app.kubernetes.io/instance': 'gpfdist',
      'app.kubernetes.io/managed-by': 'gpss-operator',
      'app.kubernetes.io/component': 'instance-config',
    },
    ownerReferences: [
      {
        apiVersion: 'gpss.gpdb.io/v1',
        kind: 'GpssCluster',
        name: 'gpfdist',
        uid: 'uid-1',
        controller: true,
        blockOwnerDeletion: true,
      },
    ],
  },
  data: {
    'gpfdist-0.json': 'zero',
    'gpfdist-2.json': 'two',
    'gpfdist-10.json': 'ten',
  },
};

const cm = suite('buildInstanceConfigMap');

cm('one key per instance, in ordinal order whatever the input order', () => {
  const actual = buildInstanceConfigMap(seedEffective(), [
    { ordinal: 10, text: 'ten' },
    { ordinal: 0, text: 'zero' },
    { ordinal: 2, text: 'two' },
  ]);
  assert.equal(actual, EXPECTED);
  assert.is(JSON.stringify(actual), JSON.stringify(EXPECTED));
  const again = buildInstanceConfigMap(seedEffective(), [
    { ordinal: 2, text: 'two' },
    { ordinal: 0, text: 'zero' },
    { ordinal: 10, text: 'ten' },
  ]);
  assert.is(JSON.stringify(again), JSON.stringify(actual));
});

cm('no instance config yet: empty data, still applied so pods can mount it', () => {
  assert.equal(buildInstanceConfigMap(seedEffective(), []), { ...EXPECTED, data: {} });
});

cm('two configs for one ordinal is a bug', () => {
  assert.throws(
    () =>
      buildInstanceConfigMap(seedEffective(), [
        { ordinal: 1, text: 'a' },
        { ordinal: 1, text: 'b' },
      ]),
    /two instance configs for ordinal 1/,
  );
});

cm.run();
