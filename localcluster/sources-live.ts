// An ApiServerSource adapter sends nothing for objects that exist before its watch starts, so a run
// that begins right after start-up could lose its first events to that race. Probe objects (a
// Service and an unschedulable Pod carrying the operator's labels) prove every function receives
// events before a test scenario or a measurement begins.
import { readFileSync } from 'node:fs';
import { delay } from './process';

export type Kubectl = (args: string[], input?: string) => Promise<unknown>;

/** Resolves once every log in `logs` mentions a probe of this call; fails naming the silent ones. */
export async function awaitSourcesLive(
  kubectl: Kubectl,
  logs: Array<{ name: string; log: string }>,
  { timeoutMs = 60_000, prefix = 'probe' } = {},
): Promise<void> {
  const ns = `${prefix}-${Date.now().toString(36)}`;
  const labels = { 'app.kubernetes.io/managed-by': 'gpss-operator', 'app.kubernetes.io/instance': 'probe' };
  const seen = (f: { log: string }) => {
    try {
      return readFileSync(f.log, 'utf8').includes(`/namespaces/${ns}/`);
    } catch {
      return false;
    }
  };
  await kubectl(['create', 'namespace', ns]);
  const deadline = Date.now() + timeoutMs;
  try {
    for (let n = 0; ; n++) {
      const name = `probe-${n}`;
      const items = [
        {
          apiVersion: 'v1',
          kind: 'Service',
          metadata: { name, namespace: ns, labels },
          spec: { ports: [{ port: 1 }] },
        },
        {
          apiVersion: 'v1',
          kind: 'Pod',
          metadata: { name, namespace: ns, labels },
          spec: { nodeSelector: { 'gpss.gpdb.io/probe': 'none' }, containers: [{ name: 'c', image: 'x' }] },
        },
      ];
      await kubectl(['create', '-f', '-'], JSON.stringify({ apiVersion: 'v1', kind: 'List', items }));
      if (logs.every(seen)) return;
      if (Date.now() > deadline)
        throw new Error(
          `event sources not live after ${timeoutMs} ms: ${logs.filter((f) => !seen(f)).map((f) => f.name)}`,
        );
      await delay(300);
    }
  } finally {
    await kubectl(['delete', 'namespace', ns, '--wait=false']);
  }
}
