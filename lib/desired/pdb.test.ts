import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { requireEffectiveCluster } from './cluster';
import { minimalEffective, seedCluster, seedEffective } from './fixtures';
import { buildPodDisruptionBudget } from './pdb';

const pdb = suite('buildPodDisruptionBudget');

pdb('the seed cluster (size 3): at most one instance down', () => {
  const expected = {
    apiVersion: 'policy/v1',
    kind: 'PodDisruptionBudget',
    metadata: {
      name: 'gpfdist',
      namespace: 'gpss-workspace-test',
      labels: {
        'app.kubernetes.io/name': 'gpss',
        'app.kubernetes.io/instance': 'gpfdist',
        'app.kubernetes.io/managed-by': 'gpss-operator',
        'app.kubernetes.io/component': 'pdb',
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
    spec: {
      maxUnavailable: 1,
      selector: {
        matchLabels: {
          'app.kubernetes.io/name': 'gpss',
          'app.kubernetes.io/instance': 'gpfdist',
          'app.kubernetes.io/managed-by': 'gpss-operator',
        },
      },
    },
  };
  const actual = buildPodDisruptionBudget(seedEffective());
  assert.equal(actual, expected);
  assert.is(JSON.stringify(actual), JSON.stringify(expected));
});

pdb('size 2 gets one, sizes 0 and 1 none (a budget would block drains)', () => {
  const cr = seedCluster();
  cr.spec.size = 2;
  assert.is(buildPodDisruptionBudget(requireEffectiveCluster(cr))?.spec.maxUnavailable, 1);
  cr.spec.size = 1;
  assert.is(buildPodDisruptionBudget(requireEffectiveCluster(cr)), undefined);
  cr.spec.size = 0;
  assert.is(buildPodDisruptionBudget(requireEffectiveCluster(cr)), undefined);
});

pdb('an un-defaulted size is 1: no budget', () => {
  assert.is(buildPodDisruptionBudget(minimalEffective()), undefined);
});

pdb.run();
