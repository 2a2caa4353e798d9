// Runs the real Knative ApiServerSource receive adapter as a local process. The environment is the
// one Knative's controller gives the adapter's Deployment (K_SOURCE_CONFIG, K_SINK, NAME, ...).
import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { join } from 'node:path';

export interface SourceConfig {
  namespaces: string[];
  allNamespaces: boolean;
  resources: Array<{ gvr: { Group: string; Version: string; Resource: string }; selector?: string }>;
  owner?: { apiVersion: string; kind: string };
  mode: 'Resource' | 'Reference';
}

export interface AdapterOptions {
  name: string;
  namespace: string;
  binDir: string;
  /** The kubeconfig of the source's ServiceAccount (so its RBAC applies), or the admin one. */
  kubeconfig: string;
  sink: string;
  config: SourceConfig;
  logFile: string;
}

export interface RunningAdapter {
  name: string;
  child: ChildProcess;
  exited: Promise<number | null>;
  stop(): Promise<void>;
}

const running = new Set<ChildProcess>();
process.on('exit', () => {
  for (const c of running) c.kill('SIGKILL');
});

export function startAdapter(o: AdapterOptions): RunningAdapter {
  const kubeconfig = o.kubeconfig;
  const fd = openSync(o.logFile, 'a');
  // The shell stays the adapter's parent and stops it when this process disappears without cleaning
  // up (killed, or a wrapper such as npx not forwarding the signal): no adapter outlives its runner.
  const watchdog = [
    'trap \'kill -TERM "$c" 2>/dev/null; wait "$c"; exit 0\' TERM INT',
    '"$0" & c=$!',
    'while kill -0 "$RUNNER_PID" 2>/dev/null && kill -0 "$c" 2>/dev/null; do sleep 1; done',
    'kill -TERM "$c" 2>/dev/null; wait "$c"',
  ].join('; ');
  const child = spawn('/bin/sh', ['-c', watchdog, join(o.binDir, 'apiserver_receive_adapter')], {
    stdio: ['ignore', fd, fd],
    env: {
      PATH: process.env.PATH,
      RUNNER_PID: String(process.pid),
      KUBECONFIG: kubeconfig,
      NAME: o.name,
      NAMESPACE: o.namespace,
      K_SINK: o.sink,
      K_SOURCE_CONFIG: JSON.stringify(o.config),
      K_LOGGING_CONFIG: '{}',
      K_OBSERVABILITY_CONFIG: '{}',
      SYSTEM_NAMESPACE: 'knative-eventing',
      // See tools/knative/cmd/apiserver-adapter: an invalid port keeps pprof from binding anything.
      PROFILING_PORT: '-1',
    },
  });
  closeSync(fd);
  running.add(child);
  const exited = new Promise<number | null>((resolve) =>
    child.on('exit', (code) => {
      running.delete(child);
      resolve(code);
    }),
  );
  return {
    name: o.name,
    child,
    exited,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    },
  };
}
