// npm run cluster:up | cluster:down | cluster:status
import { ClusterError, down, health, readState, up } from './cluster';
import { defaultConfig } from './config';

const cfg = defaultConfig();
const say = (m: string) => console.log(`[cluster] ${m}`);
const cmd = process.argv[2];

try {
  if (cmd === 'up') {
    await up(cfg, say);
    say(`try: .local/bin/kubectl --kubeconfig ${cfg.kubeconfigPath} get nodes`);
  } else if (cmd === 'down') {
    await down(cfg, say);
  } else if (cmd === 'status') {
    const h = await health(cfg);
    const state = readState(cfg);
    if (!h || !state) {
      say('not running');
      process.exit(3);
    }
    say(
      `${h.running ? 'running' : 'NOT healthy'} since ${state.startedAt}, API server ${state.server} (ready: ${h.apiserverReady})`,
    );
    for (const c of h.components) say(`  ${c.alive ? 'up  ' : 'DOWN'} ${c.name} pid ${c.pid}`);
    say(`kubeconfig: ${cfg.kubeconfigPath}; logs: ${cfg.dir}/logs/`);
    process.exit(h.running ? 0 : 1);
  } else {
    console.error('usage: cli.ts up|down|status');
    process.exit(2);
  }
} catch (err) {
  console.error(
    `[cluster] ${cmd} failed: ${err instanceof ClusterError ? err.message : (err as Error).stack}`,
  );
  process.exit(1);
}
