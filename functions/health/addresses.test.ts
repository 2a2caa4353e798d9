import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { GPSS_ANNOTATIONS, type InstanceStatus } from '../../lib/api/types';
import { nodeInfo, renderInstanceConfig, requireEffectiveCluster } from '../../lib/desired';
import {
  liveLoadBalancerService,
  liveNode,
  liveNodePortService,
  seedCluster,
} from '../../lib/desired/fixtures';
import { addressesAsReported, instanceAddress, restartMarked } from './addresses';

const test = suite('status/addresses');

const cr = seedCluster();
const nodes = [liveNode('n0', '127.0.1.1'), liveNode('n1', '127.0.1.2')].map(nodeInfo);
const rendered = (host: string, port: number) => ({
  'gpfdist-0.json': renderInstanceConfig(cr.spec.gpss_config, { host, port }),
});

test('the advertised address is the rendered one; settled when the Service agrees', () => {
  const a = instanceAddress(
    cr,
    0,
    rendered('127.0.1.1', 30001),
    [liveNodePortService('gpfdist-gpfdist-0', 30001)],
    nodes,
    'n1',
  );
  assert.equal(a, { advertised: '127.0.1.1:30001', changing: false });
});

test('the advertised node is lost: the address is changing, and the note says to what', () => {
  const lost = [liveNode('n0', '127.0.1.1', false), liveNode('n1', '127.0.1.2')].map(nodeInfo);
  const a = instanceAddress(
    cr,
    0,
    rendered('127.0.1.1', 30001),
    [liveNodePortService('gpfdist-gpfdist-0', 30001)],
    lost,
    'n1',
  );
  assert.equal(a, {
    advertised: '127.0.1.1:30001',
    changing: true,
    note: 'advertises 127.0.1.1:30001 but its Service now resolves to 127.0.1.2:30001',
  });
});

test('a LoadBalancer still pending is reported, not a change', () => {
  const lbCr = {
    ...cr,
    spec: { ...cr.spec, service: { gpss: 'NodePort' as const, gpfdist: 'LoadBalancer' as const } },
  };
  const a = instanceAddress(
    lbCr,
    0,
    undefined,
    [liveLoadBalancerService('gpfdist-gpfdist-0')],
    nodes,
    undefined,
  );
  assert.equal(a, {
    changing: false,
    note: 'waiting for a load-balancer address on Service gpfdist-gpfdist-0',
  });
});

test('a rejected gpss_config: report what is rendered, compare nothing', () => {
  const bad = { ...cr, spec: { ...cr.spec, gpss_config: '{' } };
  assert.equal(instanceAddress(bad, 0, rendered('127.0.1.1', 30001), [], nodes, undefined), {
    advertised: '127.0.1.1:30001',
    changing: false,
  });
});

test('the effective spec gives what its CR gives', () => {
  const lost = [liveNode('n0', '127.0.1.1', false), liveNode('n1', '127.0.1.2')].map(nodeInfo);
  const services = [liveNodePortService('gpfdist-gpfdist-0', 30001)];
  const c = requireEffectiveCluster(cr);
  for (const ns of [nodes, lost]) {
    assert.equal(
      instanceAddress(c, 0, rendered('127.0.1.1', 30001), services, ns, 'n1'),
      instanceAddress(cr, 0, rendered('127.0.1.1', 30001), services, ns, 'n1'),
    );
  }
  assert.equal(instanceAddress(c, 0, undefined, services, nodes, 'n1'), {
    changing: false,
    note: 'address 127.0.1.2:30001 not rendered into its config yet',
  });
});

test('restart marks are read from the shared annotation prefix', () => {
  assert.is(restartMarked({ [`${GPSS_ANNOTATIONS.restartPrefix}2`]: 'uid' }, 2), true);
  assert.is(restartMarked({ [`${GPSS_ANNOTATIONS.restartPrefix}2`]: 'uid' }, 1), false);
  assert.is(restartMarked(undefined, 0), false);
});

test('addresses as reported stand until reconcile says they move, or health has none to keep', () => {
  const cond = (type: string, status: string, reason: string, observedGeneration = 1) => ({
    type,
    status,
    reason,
    message: '',
    lastTransitionTime: '2026-01-01T00:00:00Z',
    observedGeneration,
  });
  const settled = [
    cond('Ready', 'True', 'AllInstancesReady'),
    cond('ExternalAddressReady', 'True', 'AddressesAssigned'),
    cond('Progressing', 'False', 'Converged'),
  ];
  const instances: InstanceStatus[] = [0, 1, 2].map((i) => ({
    name: `gpfdist-${i}`,
    ready: true,
    restarts: 0,
    gpfdistAddress: `127.0.1.1:3000${i}`,
  }));
  const at = (conditions: unknown[], list = instances, generation = 1) =>
    addressesAsReported({
      ...cr,
      metadata: { ...cr.metadata, generation },
      status: { conditions, instances: list },
    } as typeof cr);
  assert.ok(at(settled));
  assert.not.ok(at(settled, instances, 2), 'a generation health has not reported on');
  assert.not.ok(at([settled[0], cond('ExternalAddressReady', 'False', 'AddressPending'), settled[2]]));
  assert.not.ok(at([settled[0], settled[2]]), 'reconcile has not said');
  assert.not.ok(
    at([...settled.slice(0, 2), cond('Progressing', 'True', 'Readdressing')]),
    'restarts to come',
  );
  assert.not.ok(at(settled, instances.slice(0, 2)), 'an instance never reported');
  assert.not.ok(at(settled, [{ name: 'gpfdist-0', ready: false, restarts: 0 }, ...instances.slice(1)]));
});

test.run();
