// The embedded control plane: etcd, kube-apiserver, kube-controller-manager, kube-scheduler and
// KWOK with simulated nodes, all on 127.0.0.1, started from binaries built by localcluster/build.sh.
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { join } from 'node:path';
import { type ClusterConfig, type ComponentName, defaultConfig, POD_CIDR, SERVICE_CIDR } from './config';
import { kubectl } from './kubectl';
import { kwokNodeManifest } from './kwok-node';
import { ensurePki, type Pki } from './pki';
import {
  delay,
  freePort,
  isAlive,
  portIsFree,
  runsBinary,
  type Started,
  startDetached,
  stopProcess,
  tail,
} from './process';

export interface ClusterState {
  startedAt: string;
  server: string;
  ports: { etcd: number; etcdPeer: number; apiserver: number };
  components: Started[];
}

export class ClusterError extends Error {
  constructor(
    readonly component: string,
    message: string,
    readonly logTail?: string,
  ) {
    super(`${component}: ${message}${logTail ? `\n--- last lines of ${component} log ---\n${logTail}` : ''}`);
  }
}

type Say = (msg: string) => void;

const stateFile = (cfg: ClusterConfig) => join(cfg.dir, 'state.json');

export function readState(cfg: ClusterConfig): ClusterState | undefined {
  try {
    return JSON.parse(readFileSync(stateFile(cfg), 'utf8')) as ClusterState;
  } catch {
    return undefined;
  }
}

function apiGet(pki: Pki, server: string, path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      `${server}${path}`,
      {
        ca: readFileSync(pki.caCert),
        cert: readFileSync(pki.adminCert),
        key: readFileSync(pki.adminKey),
        timeout: 2000,
      },
      (res) => {
        let body = '';
        res.on('data', (d) => {
          body += d;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      },
    );
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end();
  });
}

export interface Health {
  running: boolean;
  components: Array<{ name: string; pid: number; alive: boolean }>;
  apiserverReady: boolean;
}

export async function health(cfg: ClusterConfig): Promise<Health | undefined> {
  const state = readState(cfg);
  if (!state) return undefined;
  const components = state.components.map((c) => ({
    name: c.name,
    pid: c.pid,
    alive: isAlive(c.pid) && runsBinary(c.pid, c.binary),
  }));
  let apiserverReady = false;
  try {
    apiserverReady = (await apiGet(ensurePki(join(cfg.dir, 'pki')), state.server, '/readyz')).status === 200;
  } catch {}
  return { running: components.every((c) => c.alive) && apiserverReady, components, apiserverReady };
}

function writeKubeconfig(path: string, server: string, pki: Pki): void {
  const b64 = (f: string) => readFileSync(f).toString('base64');
  // JSON is valid YAML, and every client (kubectl, client-go, ours) reads it.
  const kc = {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'gpss-local', cluster: { server, 'certificate-authority-data': b64(pki.caCert) } }],
    users: [
      {
        name: 'admin',
        user: { 'client-certificate-data': b64(pki.adminCert), 'client-key-data': b64(pki.adminKey) },
      },
    ],
    contexts: [
      { name: 'gpss-local', context: { cluster: 'gpss-local', user: 'admin', namespace: 'default' } },
    ],
    'current-context': 'gpss-local',
  };
  writeFileSync(path, `${JSON.stringify(kc, null, 2)}\n`, { mode: 0o600 });
}

function nodeManifests(n: number): string {
  const nodes = Array.from({ length: n }, (_, i) =>
    kwokNodeManifest({
      name: `kwok-node-${i}`,
      ip: `127.0.1.${i + 1}`,
      labels: {
        'kubernetes.io/os': 'linux',
        'kubernetes.io/arch': 'amd64',
        'node-role.kubernetes.io/agent': '',
      },
    }),
  );
  return JSON.stringify({ apiVersion: 'v1', kind: 'List', items: nodes });
}

/** Starts the cluster, or does nothing when it already runs. Leaves nothing running on failure. */
export async function up(cfg: ClusterConfig = defaultConfig(), say: Say = () => {}): Promise<ClusterState> {
  const t0 = Date.now();
  const current = await health(cfg);
  if (current?.running) {
    say('cluster already running; nothing to do');
    return readState(cfg)!;
  }
  if (current) {
    say('cleaning up leftovers of a previous run');
    await down(cfg, say);
  }

  const bins: Record<ComponentName | 'kubectl', string> = {
    etcd: join(cfg.binDir, 'etcd'),
    'kube-apiserver': join(cfg.binDir, 'kube-apiserver'),
    'kube-controller-manager': join(cfg.binDir, 'kube-controller-manager'),
    'kube-scheduler': join(cfg.binDir, 'kube-scheduler'),
    kwok: join(cfg.binDir, 'kwok'),
    kubectl: join(cfg.binDir, 'kubectl'),
  };
  for (const [name, bin] of Object.entries(bins)) {
    if (!existsSync(bin))
      throw new ClusterError(name, `binary ${bin} is missing; run \`npm run cluster:build\` first`);
  }
  const stages = join(cfg.dataDir, 'kwok-stages');
  const crds = join(cfg.dataDir, 'knative-crds');
  for (const d of [stages, crds]) {
    if (!existsSync(d))
      throw new ClusterError('kwok', `data folder ${d} is missing; run \`npm run cluster:build\` first`);
  }

  const ports = {
    etcd: cfg.ports.etcd ?? (await freePort()),
    etcdPeer: cfg.ports.etcdPeer ?? (await freePort()),
    apiserver: cfg.ports.apiserver ?? (await freePort()),
  };
  const portOwner: Record<keyof typeof ports, ComponentName> = {
    etcd: 'etcd',
    etcdPeer: 'etcd',
    apiserver: 'kube-apiserver',
  };
  for (const [k, port] of Object.entries(ports) as Array<[keyof typeof ports, number]>) {
    if (!(await portIsFree(port))) throw new ClusterError(portOwner[k], `port 127.0.0.1:${port} is busy`);
  }

  rmSync(cfg.dir, { recursive: true, force: true });
  const logs = join(cfg.dir, 'logs');
  mkdirSync(logs, { recursive: true });
  const pki = ensurePki(join(cfg.dir, 'pki'));
  const server = `https://127.0.0.1:${ports.apiserver}`;
  const started: Started[] = [];
  const state: ClusterState = { startedAt: new Date().toISOString(), server, ports, components: started };
  const save = () => writeFileSync(stateFile(cfg), `${JSON.stringify(state, null, 2)}\n`);

  const start = (name: ComponentName, args: string[]) => {
    const p = startDetached(
      name,
      bins[name],
      [...args, ...(cfg.extraArgs[name] ?? [])],
      join(logs, `${name}.log`),
    );
    started.push(p);
    save(); // recorded at once, so a crash of this launcher still lets `down` find the process
    say(`started ${name} (pid ${p.pid})`);
    return p;
  };
  const deadline = t0 + cfg.readyTimeoutMs;
  // Polls cond until true; fails as soon as any started component has exited.
  const waitFor = async (what: string, blame: ComponentName, cond: () => Promise<boolean>) => {
    while (true) {
      for (const p of started) {
        if (!isAlive(p.pid)) throw new ClusterError(p.name, `exited while waiting for ${what}`, tail(p.log));
      }
      if (await cond().catch(() => false)) return;
      if (Date.now() > deadline) {
        const p = started.find((s) => s.name === blame);
        throw new ClusterError(blame, `timed out waiting for ${what}`, p ? tail(p.log) : undefined);
      }
      await delay(200);
    }
  };

  try {
    start('etcd', [
      '--name=default',
      `--data-dir=${join(cfg.dir, 'etcd')}`,
      `--listen-client-urls=http://127.0.0.1:${ports.etcd}`,
      `--advertise-client-urls=http://127.0.0.1:${ports.etcd}`,
      `--listen-peer-urls=http://127.0.0.1:${ports.etcdPeer}`,
      `--initial-advertise-peer-urls=http://127.0.0.1:${ports.etcdPeer}`,
      `--initial-cluster=default=http://127.0.0.1:${ports.etcdPeer}`,
      '--listen-metrics-urls=',
      '--unsafe-no-fsync=true',
      '--quota-backend-bytes=8589934592',
      '--log-level=warn',
    ]);
    await waitFor('etcd health', 'etcd', async () => {
      const r = await fetch(`http://127.0.0.1:${ports.etcd}/health`, { signal: AbortSignal.timeout(1000) });
      return r.ok;
    });

    writeFileSync(
      join(cfg.dir, 'audit-policy.yaml'),
      [
        'apiVersion: audit.k8s.io/v1',
        'kind: Policy',
        'omitStages: [RequestReceived]',
        'rules:',
        // Requests are counted by tests (writes per event) and benchmarks (API economy).
        '- level: Metadata',
        '',
      ].join('\n'),
    );
    start('kube-apiserver', [
      `--etcd-servers=http://127.0.0.1:${ports.etcd}`,
      '--bind-address=127.0.0.1',
      '--advertise-address=127.0.0.1',
      `--secure-port=${ports.apiserver}`,
      `--tls-cert-file=${pki.serverCert}`,
      `--tls-private-key-file=${pki.serverKey}`,
      `--client-ca-file=${pki.caCert}`,
      '--service-account-issuer=https://kubernetes.default.svc.cluster.local',
      `--service-account-key-file=${pki.saPub}`,
      `--service-account-signing-key-file=${pki.saKey}`,
      `--service-cluster-ip-range=${SERVICE_CIDR}`,
      '--authorization-mode=Node,RBAC',
      '--allow-privileged=true',
      '--profiling=false',
      '--endpoint-reconciler-type=none',
      `--audit-policy-file=${join(cfg.dir, 'audit-policy.yaml')}`,
      `--audit-log-path=${join(logs, 'audit.log')}`,
      '--audit-log-maxsize=200',
      '--audit-log-maxbackup=1',
    ]);
    await waitFor(
      'kube-apiserver /readyz',
      'kube-apiserver',
      async () => (await apiGet(pki, server, '/readyz')).status === 200,
    );
    writeKubeconfig(cfg.kubeconfigPath, server, pki);
    const kc = join(cfg.dir, 'admin.kubeconfig');
    writeKubeconfig(kc, server, pki);

    start('kube-controller-manager', [
      `--kubeconfig=${kc}`,
      '--leader-elect=false',
      '--bind-address=127.0.0.1',
      '--secure-port=0',
      '--controllers=*',
      `--root-ca-file=${pki.caCert}`,
      `--service-account-private-key-file=${pki.saKey}`,
      `--cluster-cidr=${POD_CIDR}`,
      '--kube-api-qps=200',
      '--kube-api-burst=400',
      '--concurrent-statefulset-syncs=10',
    ]);
    start('kube-scheduler', [
      `--kubeconfig=${kc}`,
      '--leader-elect=false',
      '--bind-address=127.0.0.1',
      '--secure-port=0',
      '--kube-api-qps=200',
      '--kube-api-burst=400',
    ]);
    const stageFiles = readdirSync(stages)
      .filter((f) => f.endsWith('.yaml'))
      .sort()
      .flatMap((f) => ['--config', join(stages, f)]);
    start('kwok', [
      `--kubeconfig=${kc}`,
      '--manage-all-nodes=false',
      '--manage-nodes-with-annotation-selector=kwok.x-k8s.io/node=fake',
      '--node-lease-duration-seconds=40',
      `--cidr=${POD_CIDR}`,
      '--server-address=',
      ...stageFiles,
    ]);

    const k = (args: string[], input?: string) => kubectl(cfg.binDir, kc, args, { input });
    const nodes = await k(['apply', '-f', '-'], nodeManifests(cfg.nodes));
    if (nodes.code !== 0) throw new ClusterError('kube-apiserver', `creating nodes failed: ${nodes.stderr}`);
    const crdApply = await k(['apply', '--server-side', '--force-conflicts', '-f', crds]);
    if (crdApply.code !== 0)
      throw new ClusterError('kube-apiserver', `installing Knative CRDs failed: ${crdApply.stderr}`);

    await waitFor(`${cfg.nodes} Ready nodes`, 'kwok', async () => {
      const r = await k(['get', 'nodes', '-o', 'json']);
      const items = (JSON.parse(r.stdout).items ?? []) as Array<{
        spec?: { taints?: Array<{ key: string }> };
        status?: { conditions?: Array<{ type: string; status: string }> };
      }>;
      const ready = items.filter(
        (n) =>
          n.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') &&
          !n.spec?.taints?.some((t) => t.key.startsWith('node.kubernetes.io/not-ready')),
      );
      return ready.length >= cfg.nodes;
    });
    // The default ServiceAccount proves the controller-manager is working.
    await waitFor('the default ServiceAccount', 'kube-controller-manager', async () => {
      return (await k(['get', 'serviceaccount', 'default', '-n', 'default'])).code === 0;
    });
    await waitFor('Knative CRDs established', 'kube-apiserver', async () => {
      const r = await k(['wait', '--for=condition=Established', '--timeout=2s', '-f', crds]);
      return r.code === 0;
    });
    save();
    say(
      `cluster ready in ${((Date.now() - t0) / 1000).toFixed(1)}s at ${server}; kubeconfig ${cfg.kubeconfigPath}`,
    );
    return state;
  } catch (err) {
    for (const p of [...started].reverse()) await stopProcess(p, 5000);
    rmSync(stateFile(cfg), { force: true });
    rmSync(cfg.kubeconfigPath, { force: true });
    throw err;
  }
}

/** Stops exactly the processes recorded in the state file, newest first. */
export async function down(cfg: ClusterConfig = defaultConfig(), say: Say = () => {}): Promise<void> {
  const state = readState(cfg);
  if (!state) {
    say('no cluster state; nothing to stop');
    return;
  }
  for (const p of [...state.components].reverse()) {
    const stopped = await stopProcess(p);
    say(stopped ? `stopped ${p.name} (pid ${p.pid})` : `${p.name} (pid ${p.pid}) was not running`);
  }
  rmSync(stateFile(cfg), { force: true });
  rmSync(join(cfg.dir, 'etcd'), { recursive: true, force: true });
  rmSync(cfg.kubeconfigPath, { force: true });
}

/** Stops one component and starts it again with the same flags; resolves once it is healthy again. */
export async function restartComponent(cfg: ClusterConfig, name: ComponentName): Promise<void> {
  const state = readState(cfg);
  const p = state?.components.find((c) => c.name === name);
  if (!state || !p) throw new ClusterError(name, 'not part of a running cluster');
  if (!p.args)
    throw new ClusterError(
      name,
      'started by an older launcher without its flags recorded; run cluster:down and cluster:up',
    );
  await stopProcess(p);
  const next = startDetached(name, p.binary, p.args, p.log);
  state.components = state.components.map((c) => (c.name === name ? next : c));
  writeFileSync(stateFile(cfg), `${JSON.stringify(state, null, 2)}\n`);
  if (name !== 'kube-apiserver') return;
  const pki = ensurePki(join(cfg.dir, 'pki'));
  const deadline = Date.now() + cfg.readyTimeoutMs;
  while (Date.now() < deadline) {
    if (!isAlive(next.pid)) throw new ClusterError(name, 'exited after restart', tail(next.log));
    if ((await apiGet(pki, state.server, '/readyz').catch(() => ({ status: 0 }))).status === 200) return;
    await delay(200);
  }
  throw new ClusterError(name, 'not ready after restart', tail(next.log));
}
