// Process entry shared by the three functions: configuration from the environment (the Knative
// Service sets PORT; KUBECONFIG for local runs, in-cluster credentials otherwise), one logger, the
// server, and a clean stop on SIGTERM (Knative's scale-down).
import type { Hono } from 'hono';
import { serve } from './function-app';
import { KubeClient } from './k8s/client';
import { createLogger, type Logger } from './log';

export interface FunctionMain {
  name: string;
  createApp(deps: { kube: KubeClient; logger: Logger }): Hono;
}

export async function runFunction(fn: FunctionMain): Promise<void> {
  const logger = createLogger({
    name: fn.name,
    level: process.env.LOG_LEVEL ?? 'info',
    ...(process.env.LOG_FILE ? { destination: process.env.LOG_FILE } : {}),
  });
  const impersonate = process.env.IMPERSONATE_USER ? { user: process.env.IMPERSONATE_USER } : undefined;
  const kube = await KubeClient.fromEnv({
    userAgent: `gpss-operator/${fn.name}`,
    ...(impersonate ? { impersonate } : {}),
  });
  const app = fn.createApp({ kube, logger });
  const server = await serve(app, {
    port: Number(process.env.PORT ?? 8080),
    host: process.env.HOST ?? '127.0.0.1',
  });
  logger.info({ port: server.port, server: kube.server, as: impersonate?.user }, 'listening');
  const stop = async () => {
    await server.close();
    kube.close();
    process.exit(0);
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
  // Local runs only: exit with the runner that started us, even if it died without cleaning up.
  const parent = Number(process.env.RUNNER_PID ?? 0);
  if (parent > 0) {
    setInterval(() => {
      try {
        process.kill(parent, 0);
      } catch {
        void stop();
      }
    }, 1000).unref();
  }
}
