// npm start: the embedded cluster (or $KUBECONFIG), the operator as it runs on Knative (functions
// that scale to zero behind an activator, real ApiServerSource adapters, PingSource schedules from
// eventing/), the sample cluster applied and followed until Ready. Keeps running, showing each
// function's scale events and its time at zero; Ctrl-C stops everything it started.
// Flags: --exit-when-ready, --idle-seconds N (scale-to-zero window, default 60), <sample.yaml>.
import { join } from 'node:path';
import { AuthorizationV1Api } from '@kubernetes/client-node';
import type { GpssCluster } from '../lib/api/types';
import { KubeClient } from '../lib/k8s/client';
import { KubeConfigError, loadKubeConfig } from '../lib/k8s/kubeconfig';
import { down, up } from './cluster';
import { defaultConfig, REPO_ROOT } from './config';
import { kubectl } from './kubectl';
import { installOperatorManifests, startOperator } from './operator';
import { delay } from './process';

const args = process.argv.slice(2);
const exitWhenReady = args.includes('--exit-when-ready');
const idleArg = args.indexOf('--idle-seconds');
const idleSeconds = idleArg >= 0 ? Number(args[idleArg + 1]) : 60;
const sample =
  args.find((a) => a.endsWith('.yaml')) ?? join(REPO_ROOT, 'manifests', 'samples', 'gpfdist-nodeport.yaml');
const say = (m: string) => console.log(`[start] ${m}`);
/** One line, no stack trace: what a user can act on. */
const fail = (m: string): never => {
  console.error(`[start] ${m}`);
  process.exit(1);
};
say(`Node ${process.version} (${process.execPath})`);
if (!(idleSeconds > 0)) fail(`--idle-seconds must be a positive number of seconds, got ${args[idleArg + 1]}`);

const cfg = defaultConfig();
let startedCluster = false;
let kubeconfig = cfg.kubeconfigPath;
if (process.env.KUBECONFIG) {
  kubeconfig = process.env.KUBECONFIG;
  say(`KUBECONFIG is set: using that cluster (${kubeconfig}), not the embedded one`);
  await checkKubeconfig(kubeconfig);
} else {
  const state = await up(cfg, (m) => say(`cluster: ${m}`));
  startedCluster = Date.parse(state.startedAt) > Date.now() - 120_000;
}
const k = (a: string[], input?: string) =>
  kubectl(cfg.binDir, kubeconfig, a, input === undefined ? {} : { input });

say('installing the CRD, namespace and RBAC');
await installOperatorManifests(cfg.binDir, kubeconfig).catch((err: Error) =>
  fail(`installing the operator's manifests: ${err.message.split('\n')[0]}`),
);
const logDir = join(REPO_ROOT, '.local', 'logs');
const op = await startOperator({
  kubeconfig,
  binDir: cfg.binDir,
  logDir,
  say,
  idleMs: idleSeconds * 1000,
}).catch((err: Error) => fail(`the operator did not start: ${err.message}`));
say(`scale to zero: a function stops after ${idleSeconds} s without an event and starts on the next one`);

/** Each function's share of the time since start spent at zero, as Knative would bill it. */
const t0Run = Date.now();
const zeroReport = () => {
  const elapsed = Date.now() - t0Run;
  const parts = [...op.functions].map(([fn, f]) => {
    const s = f.activator.stats;
    return `${fn} ${Math.round((100 * s.zeroMs()) / elapsed)}% (${s.coldStarts} cold start${s.coldStarts === 1 ? '' : 's'})`;
  });
  say(`time at zero over the last ${Math.round(elapsed / 60_000)} min: ${parts.join(', ')}`);
};
setInterval(zeroReport, 10 * 60_000).unref();

let stopping = false;
const stop = async (code: number) => {
  if (stopping) return;
  stopping = true;
  zeroReport();
  say('stopping the functions and adapters');
  await op.stop();
  if (startedCluster && !exitWhenReady) {
    say('stopping the embedded cluster this run started');
    await down(cfg, (m) => say(`cluster: ${m}`));
  }
  process.exit(code);
};
process.on('SIGINT', () => void stop(0));
process.on('SIGTERM', () => void stop(0));

const sampleText = (await import('node:fs')).readFileSync(sample, 'utf8');
const ns = /namespace:\s*([\w-]+)/.exec(sampleText)?.[1] ?? 'default';
const name = /name:\s*([\w-]+)/.exec(sampleText.slice(sampleText.indexOf('metadata')))?.[1] ?? '';
// A namespace left terminating by an earlier run would swallow the sample: wait for it to go.
for (
  let i = 0;
  (await k(['get', 'namespace', ns, '-o', 'jsonpath={.status.phase}'])).stdout === 'Terminating';
  i++
) {
  if (i === 0) say(`namespace ${ns} is still terminating from an earlier run; waiting for it`);
  await delay(500);
}
await k(['create', 'namespace', ns]);
const applied = await k(['apply', '-f', sample]);
if (applied.code !== 0) {
  say(`applying ${sample} failed: ${applied.stderr.trim()}`);
  await stop(1);
}
say(`applied ${sample} (${ns}/${name}); following it until Ready`);

const kube = KubeClient.fromKubeconfig(kubeconfig);
const t0 = Date.now();
let last = '';
while (!stopping) {
  const cr = await kube.get<GpssCluster>('gpssclusters', ns, name).catch(() => undefined);
  const st = cr?.status;
  const addrs = (st?.instances ?? []).map((i) => `${i.name}=${i.gpfdistAddress ?? 'pending'}`).join(' ');
  const line = `phase=${st?.phase ?? '-'} ready=${st?.readyReplicas ?? 0}/${cr?.spec.size ?? '?'} gpss=${st?.gpssAddress ?? '-'} ${addrs}`;
  if (line !== last) {
    say(`${((Date.now() - t0) / 1000).toFixed(1)}s ${line}`);
    last = line;
  }
  // Ready for the spec as it is now: a status left from an earlier run may say Ready for another size.
  const current =
    st?.observedGeneration === cr?.metadata.generation && st?.readyReplicas === (cr?.spec.size ?? 1);
  if (st?.phase === 'Ready' && current) {
    say(`${ns}/${name} is Ready after ${((Date.now() - t0) / 1000).toFixed(1)}s`);
    say(`kubectl: .local/bin/kubectl --kubeconfig ${kubeconfig} get gpss -A`);
    say(
      `logs:    ${logDir}/{${[...op.functions.keys()].join(',')}}.log — npm run logs -- --cluster ${ns}/${name}`,
    );
    if (exitWhenReady) await stop(0);
    say('running; Ctrl-C stops everything this run started');
    break;
  }
  await delay(500);
}
kube.close();

/**
 * The kubeconfig must load and authenticate (exec plugins, tokens, certificates) before anything
 * starts: otherwise the functions would fail one by one with the reason buried in their logs.
 */
async function checkKubeconfig(path: string): Promise<void> {
  try {
    const kc = loadKubeConfig({ KUBECONFIG: path });
    // Any authenticated user may ask what it may do: this proves the credentials, nothing more.
    await kc.makeApiClient(AuthorizationV1Api).createSelfSubjectAccessReview({
      body: { spec: { resourceAttributes: { verb: 'get', resource: 'namespaces' } } },
    });
  } catch (err) {
    if (err instanceof KubeConfigError) fail(err.message);
    const code = (err as { code?: unknown }).code;
    const reason = typeof code === 'number' ? `HTTP ${code}` : (err as Error).message.split('\n')[0];
    fail(`kubeconfig ${path}: the API server refused the credentials or could not be reached: ${reason}`);
  }
}
