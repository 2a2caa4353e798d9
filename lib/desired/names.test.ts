import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { GpssCluster } from '../api/types';
import { requireEffectiveCluster } from './cluster';
import { minimalCluster, seedCluster } from './fixtures';
import {
  childMeta,
  childNames,
  componentLabels,
  gpfdistServiceName,
  gpssServiceName,
  headlessServiceName,
  instanceConfigKey,
  instanceConfigMapName,
  instancePodName,
  nameProblems,
  namespaceOf,
  ordinalOf,
  ownerRef,
  podDisruptionBudgetName,
  selectorLabels,
  selectorString,
  statefulSetName,
} from './names';

const names = suite('names');

names('child names of the seed cluster', () => {
  const cr = seedCluster();
  assert.equal(
    {
      statefulSet: statefulSetName(cr),
      headless: headlessServiceName(cr),
      gpss: gpssServiceName(cr),
      gpfdist0: gpfdistServiceName(cr, 0),
      gpfdist2: gpfdistServiceName(cr, 2),
      pod1: instancePodName(cr, 1),
      configMap: instanceConfigMapName(cr),
      key1: instanceConfigKey(cr, 1),
      pdb: podDisruptionBudgetName(cr),
    },
    {
      statefulSet: 'gpfdist',
      headless: 'gpfdist-headless',
      gpss: 'gpss-workspace-test-gpfdist-gpss-service',
      gpfdist0: 'gpfdist-gpfdist-0',
      gpfdist2: 'gpfdist-gpfdist-2',
      pod1: 'gpfdist-1',
      configMap: 'gpfdist-instance-config',
      key1: 'gpfdist-1.json',
      pdb: 'gpfdist',
    },
  );
});

names('labels and selector', () => {
  const cr = seedCluster();
  assert.equal(selectorLabels(cr), {
    'app.kubernetes.io/name': 'gpss',
    'app.kubernetes.io/instance': 'gpfdist',
    'app.kubernetes.io/managed-by': 'gpss-operator',
  });
  assert.is(
    selectorString(cr),
    'app.kubernetes.io/instance=gpfdist,app.kubernetes.io/managed-by=gpss-operator,app.kubernetes.io/name=gpss',
  );
  assert.equal(componentLabels(cr, 'gpfdist'), {
    'app.kubernetes.io/name': 'gpss',
    'app.kubernetes.io/instance': 'gpfdist',
    'app.kubernetes.io/managed-by': 'gpss-operator',
    'app.kubernetes.io/component': 'gpfdist',
  });
});

names('childNames: the fixed names, from the same helpers', () => {
  const cr = seedCluster();
  assert.equal(childNames(cr), {
    statefulSet: statefulSetName(cr),
    headlessService: headlessServiceName(cr),
    gpssService: gpssServiceName(cr),
    instanceConfigMap: instanceConfigMapName(cr),
    podDisruptionBudget: podDisruptionBudgetName(cr),
    selector: selectorString(cr),
  });
  assert.is(childNames(cr).gpssService, 'gpss-workspace-test-gpfdist-gpss-service');
});

names('ordinalOf is the inverse of instancePodName', () => {
  const cr = seedCluster();
  for (const i of [0, 1, 9, 10, 255]) assert.is(ordinalOf(cr, instancePodName(cr, i)), i);
  // The StatefulSet controller writes no leading zero: "gpfdist-01" is not instance 1.
  for (const other of [
    'gpfdist-01',
    'gpfdist-00',
    'gpfdist-',
    'gpfdist',
    'gpfdistx-1',
    'other-1',
    'gpfdist-1a',
  ]) {
    assert.is(ordinalOf(cr, other), undefined, other);
  }
  cr.metadata.name = 'g-1';
  assert.is(ordinalOf(cr, 'g-1-2'), 2, 'a name that itself ends in -<digits>');
  assert.is(ordinalOf(cr, 'g-1'), undefined);
  assert.is(ordinalOf(requireEffectiveCluster(cr), 'g-1-0'), 0, 'the effective spec works alike');
});

names('owner reference and child metadata', () => {
  const cr = seedCluster();
  assert.equal(ownerRef(cr), {
    apiVersion: 'gpss.gpdb.io/v1',
    kind: 'GpssCluster',
    name: 'gpfdist',
    uid: 'uid-1',
    controller: true,
    blockOwnerDeletion: true,
  });
  assert.equal(childMeta(requireEffectiveCluster(cr), 'x', { a: 'b' }), {
    name: 'x',
    namespace: 'gpss-workspace-test',
    labels: { a: 'b' },
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
  });
  assert.equal(childMeta(requireEffectiveCluster(cr), 'x', {}, { k: 'v' }).annotations, { k: 'v' });
});

names('a CR not read from the API server (no uid, no namespace) is refused loudly', () => {
  const cr = seedCluster();
  delete cr.metadata.uid;
  assert.throws(() => ownerRef(cr), /has no metadata.uid/);
  delete cr.metadata.namespace;
  assert.throws(() => namespaceOf(cr), /has no metadata.namespace/);
  assert.throws(() => gpssServiceName(cr), /has no metadata.namespace/);
});

names.run();

const problems = suite('nameProblems');

function withName(name: string, namespace: string, size?: number): GpssCluster {
  const cr = minimalCluster();
  cr.metadata.name = name;
  cr.metadata.namespace = namespace;
  if (size !== undefined) cr.spec.size = size;
  return cr;
}

problems('valid names give no problems', () => {
  assert.equal(nameProblems(seedCluster()), []);
  assert.equal(nameProblems(minimalCluster()), []);
});

problems('a long namespace + name overflows the gpss Service name', () => {
  const ns = 'n'.repeat(40);
  assert.equal(nameProblems(withName('cluster-name-twenty-x', ns)), [
    `Service name ${ns}-cluster-name-twenty-x-gpss-service is longer than 63 characters`,
  ]);
});

problems('a long name overflows the StatefulSet and gpfdist Service names', () => {
  const name = 'a'.repeat(60);
  assert.equal(nameProblems(withName(name, 'ns', 10)), [
    'metadata.name must be at most 52 characters (it names the StatefulSet)',
    `Service name ${name}-headless is longer than 63 characters`,
    `Service name ns-${name}-gpss-service is longer than 63 characters`,
    `Service name ${name}-gpfdist-9 is longer than 63 characters`,
  ]);
});

problems('Service names must start with a letter', () => {
  assert.equal(nameProblems(withName('1gpss', 'ns')), [
    "Service name 1gpss-headless must start with a letter and contain only a-z, 0-9 and '-'",
    "Service name 1gpss-gpfdist-0 must start with a letter and contain only a-z, 0-9 and '-'",
  ]);
});

problems('size 0 has no gpfdist Service to check', () => {
  assert.equal(nameProblems(withName('ok', 'ns', 0)), []);
});

problems.run();
