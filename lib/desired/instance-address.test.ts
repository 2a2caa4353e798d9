import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { requireEffectiveCluster } from './cluster';
import {
  liveClusterIPService,
  liveLoadBalancerService,
  liveNode,
  liveNodePortService,
  seedCluster,
  seedEffective,
} from './fixtures';
import {
  advertisedAddress,
  formatAddress,
  gpssAddress,
  isPending,
  type NodeInfo,
  nodeInfo,
} from './instance-address';

const NODES: NodeInfo[] = [
  liveNode('node-c', '10.0.0.3'),
  liveNode('node-a', '10.0.0.1', false),
  liveNode('node-b', '10.0.0.2'),
].map(nodeInfo);

const info = suite('nodeInfo');

info('reads name, readiness and addresses', () => {
  assert.equal(nodeInfo(liveNode('n1', '192.168.1.5')), {
    name: 'n1',
    ready: true,
    addresses: [
      { type: 'Hostname', address: 'n1' },
      { type: 'InternalIP', address: '192.168.1.5' },
    ],
  });
  assert.equal(nodeInfo({ metadata: { name: 'bare' } }), { name: 'bare', ready: false, addresses: [] });
  assert.is(nodeInfo(liveNode('n2', '1.1.1.1', false)).ready, false);
});

info('formatAddress brackets IPv6', () => {
  assert.is(formatAddress({ host: '10.0.0.1', port: 31001 }), '10.0.0.1:31001');
  assert.is(formatAddress({ host: 'fd00::1', port: 8090 }), '[fd00::1]:8090');
  assert.is(formatAddress({ host: 'lb.example.com', port: 8090 }), 'lb.example.com:8090');
});

info.run();

const nodePort = suite('advertisedAddress NodePort');

nodePort('the node the pod runs on, with the allocated node port', () => {
  const svc = liveNodePortService('gpfdist-gpfdist-0', 31001);
  assert.equal(advertisedAddress(seedEffective(), 0, svc, NODES, 'node-c'), {
    host: '10.0.0.3',
    port: 31001,
  });
});

nodePort('pod not scheduled: the first Ready node by name', () => {
  const svc = liveNodePortService('gpfdist-gpfdist-0', 31001);
  assert.equal(advertisedAddress(seedEffective(), 0, svc, NODES), { host: '10.0.0.2', port: 31001 });
});

nodePort("pod on a NotReady node: the first Ready node, not the pod's", () => {
  const svc = liveNodePortService('gpfdist-gpfdist-0', 31001);
  assert.equal(advertisedAddress(seedEffective(), 0, svc, NODES, 'node-a'), {
    host: '10.0.0.2',
    port: 31001,
  });
});

nodePort('a previously advertised host on a Ready node is kept over the pod node', () => {
  const svc = liveNodePortService('gpfdist-gpfdist-0', 31001);
  assert.equal(
    advertisedAddress(seedEffective(), 0, svc, NODES, 'node-b', { host: '10.0.0.3', port: 31001 }),
    {
      host: '10.0.0.3',
      port: 31001,
    },
  );
  // The previous node went NotReady: move to the pod's node.
  assert.equal(
    advertisedAddress(seedEffective(), 0, svc, NODES, 'node-b', { host: '10.0.0.1', port: 31001 }),
    {
      host: '10.0.0.2',
      port: 31001,
    },
  );
  // The previous host is no node at all any more.
  assert.equal(
    advertisedAddress(seedEffective(), 0, svc, NODES, 'node-c', { host: '10.9.9.9', port: 31001 }),
    {
      host: '10.0.0.3',
      port: 31001,
    },
  );
});

nodePort('node order does not matter', () => {
  const svc = liveNodePortService('gpfdist-gpfdist-0', 31001);
  assert.equal(advertisedAddress(seedEffective(), 0, svc, [...NODES].reverse()), {
    host: '10.0.0.2',
    port: 31001,
  });
});

nodePort('pending reasons', () => {
  const cr = seedCluster();
  assert.equal(advertisedAddress(requireEffectiveCluster(cr), 1, undefined, NODES), {
    pending: 'Service gpfdist-gpfdist-1 does not exist yet',
  });
  assert.equal(
    advertisedAddress(requireEffectiveCluster(cr), 1, liveNodePortService('gpfdist-gpfdist-1'), NODES),
    {
      pending: 'waiting for a node port on Service gpfdist-gpfdist-1',
    },
  );
  assert.equal(
    advertisedAddress(requireEffectiveCluster(cr), 1, liveNodePortService('gpfdist-gpfdist-1', 31002), []),
    {
      pending: 'no Ready node with an InternalIP to advertise for Service gpfdist-gpfdist-1',
    },
  );
  assert.equal(
    advertisedAddress(requireEffectiveCluster(cr), 1, liveNodePortService('gpfdist-gpfdist-1', 31002), [
      NODES[1],
    ]),
    {
      pending: 'no Ready node with an InternalIP to advertise for Service gpfdist-gpfdist-1',
    },
  );
  assert.equal(
    advertisedAddress(
      requireEffectiveCluster(cr),
      1,
      liveLoadBalancerService('gpfdist-gpfdist-1', [{ ip: '1.2.3.4' }]),
      NODES,
    ),
    {
      pending: 'Service gpfdist-gpfdist-1 is LoadBalancer, waiting for it to become NodePort',
    },
  );
});

nodePort('a node without an InternalIP is skipped', () => {
  const noIP = nodeInfo({
    metadata: { name: 'aaa' },
    status: {
      addresses: [{ type: 'ExternalIP', address: '8.8.8.8' }],
      conditions: [{ type: 'Ready', status: 'True' }],
    },
  });
  const svc = liveNodePortService('gpfdist-gpfdist-0', 31001);
  assert.equal(advertisedAddress(seedEffective(), 0, svc, [noIP, ...NODES], 'aaa'), {
    host: '10.0.0.2',
    port: 31001,
  });
});

nodePort.run();

const lb = suite('advertisedAddress LoadBalancer');

function lbCluster() {
  const cr = seedCluster();
  cr.spec.service = { gpss: 'LoadBalancer', gpfdist: 'LoadBalancer' };
  return cr;
}

lb('ingress IP and the Service port (not the node port)', () => {
  const svc = liveLoadBalancerService('gpfdist-gpfdist-0', [{ ip: '34.1.2.3' }, { ip: '34.9.9.9' }]);
  assert.equal(advertisedAddress(requireEffectiveCluster(lbCluster()), 0, svc, NODES, 'node-b'), {
    host: '34.1.2.3',
    port: 8090,
  });
});

lb('hostname when there is no IP', () => {
  const svc = liveLoadBalancerService('gpfdist-gpfdist-0', [{ hostname: 'abc.elb.amazonaws.com' }]);
  assert.equal(advertisedAddress(requireEffectiveCluster(lbCluster()), 0, svc, []), {
    host: 'abc.elb.amazonaws.com',
    port: 8090,
  });
});

lb('the desired port, even before the Service is updated to it', () => {
  const cr = lbCluster();
  cr.spec.gpss_config = cr.spec.gpss_config.replace('8090', '9000');
  const svc = liveLoadBalancerService('gpfdist-gpfdist-0', [{ ip: '34.1.2.3' }]);
  assert.equal(advertisedAddress(requireEffectiveCluster(cr), 0, svc, []), { host: '34.1.2.3', port: 9000 });
});

lb('pending until an ingress exists', () => {
  assert.equal(
    advertisedAddress(
      requireEffectiveCluster(lbCluster()),
      0,
      liveLoadBalancerService('gpfdist-gpfdist-0'),
      NODES,
    ),
    {
      pending: 'waiting for a load-balancer address on Service gpfdist-gpfdist-0',
    },
  );
  assert.equal(
    advertisedAddress(
      requireEffectiveCluster(lbCluster()),
      0,
      liveLoadBalancerService('gpfdist-gpfdist-0', [{}]),
      NODES,
    ),
    {
      pending: 'waiting for a load-balancer address on Service gpfdist-gpfdist-0',
    },
  );
});

lb('an un-defaulted CR means LoadBalancer', () => {
  const cr = seedCluster();
  delete cr.spec.service;
  const svc = liveLoadBalancerService('gpfdist-gpfdist-0', [{ ip: '34.1.2.3' }]);
  assert.equal(advertisedAddress(requireEffectiveCluster(cr), 0, svc, []), { host: '34.1.2.3', port: 8090 });
});

lb.run();

const cip = suite('advertisedAddress ClusterIP');

cip('cluster IP and the Service port', () => {
  const cr = seedCluster();
  cr.spec.service = { gpfdist: 'ClusterIP' };
  assert.equal(
    advertisedAddress(requireEffectiveCluster(cr), 0, liveClusterIPService('gpfdist-gpfdist-0'), []),
    {
      host: '10.96.0.12',
      port: 8090,
    },
  );
  assert.equal(
    advertisedAddress(requireEffectiveCluster(cr), 0, liveClusterIPService('gpfdist-gpfdist-0', ''), []),
    {
      pending: 'waiting for a cluster IP on Service gpfdist-gpfdist-0',
    },
  );
  assert.equal(
    advertisedAddress(requireEffectiveCluster(cr), 0, liveClusterIPService('gpfdist-gpfdist-0', 'None'), []),
    {
      pending: 'waiting for a cluster IP on Service gpfdist-gpfdist-0',
    },
  );
});

cip('a live Service without a type reads as ClusterIP', () => {
  const cr = seedCluster();
  cr.spec.service = { gpfdist: 'ClusterIP' };
  const svc = liveClusterIPService('gpfdist-gpfdist-0');
  delete svc.spec!.type;
  assert.equal(advertisedAddress(requireEffectiveCluster(cr), 0, svc, []), {
    host: '10.96.0.12',
    port: 8090,
  });
});

cip.run();

const gpss = suite('gpssAddress');

gpss('NodePort: first Ready node by name and the gpss node port', () => {
  const svc = {
    metadata: { name: 'gpss-workspace-test-gpfdist-gpss-service' },
    spec: { type: 'NodePort', ports: [{ name: 'gpss', port: 5000, nodePort: 30500 }] },
  };
  assert.equal(gpssAddress(seedCluster(), svc, NODES), { host: '10.0.0.2', port: 30500 });
});

gpss('LoadBalancer: ingress and the ListenAddress port', () => {
  const cr = lbCluster();
  const svc = {
    metadata: { name: 'gpss-workspace-test-gpfdist-gpss-service' },
    spec: { type: 'LoadBalancer', ports: [{ name: 'gpss', port: 5000, nodePort: 30500 }] },
    status: { loadBalancer: { ingress: [{ ip: '34.0.0.1' }] } },
  };
  assert.equal(gpssAddress(cr, svc, NODES), { host: '34.0.0.1', port: 5000 });
  const pending = gpssAddress(cr, undefined, NODES);
  assert.ok(isPending(pending));
  assert.equal(pending, { pending: 'Service gpss-workspace-test-gpfdist-gpss-service does not exist yet' });
});

gpss('the effective spec gives what its CR gives', () => {
  const cr = lbCluster();
  const svc = {
    metadata: { name: 'gpss-workspace-test-gpfdist-gpss-service' },
    spec: { type: 'LoadBalancer', ports: [{ name: 'gpss', port: 5000 }] },
    status: { loadBalancer: { ingress: [{ hostname: 'gpss.example.com' }] } },
  };
  assert.equal(gpssAddress(requireEffectiveCluster(cr), svc, NODES), gpssAddress(cr, svc, NODES));
  assert.equal(gpssAddress(cr, svc, NODES), { host: 'gpss.example.com', port: 5000 });
});

gpss('a CR with an unusable gpss_config throws, as before', () => {
  const cr = seedCluster();
  cr.spec.gpss_config = '{}';
  assert.throws(() => gpssAddress(cr, undefined, NODES), /invalid gpss_config/);
});

gpss.run();
