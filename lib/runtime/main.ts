// Process entry shared by the three functions: configuration from the environment (the Knative
// Service sets PORT; the kubeconfig is found as kubectl finds it: KUBECONFIG, ~/.kube/config, else
// the Pod's ServiceAccount), one logger, the server, and a clean stop on SIGTERM (Knative's
// scale-down). A kubeconfig that cannot be used stops the process with one line naming it.
import type { Hono } from 'hono';
import { KubeClient } from '../k8s/client';
import { KubeConfigError } from '../k8s/kubeconfig';
import { type RunningServer, serve } from './function-app';
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
  let kube: KubeClient;
  try {
    kube = KubeClient.fromEnv({ userAgent: `gpss-operator/${fn.name}` });
  } catch (err) {
    if (!(err instanceof KubeConfigError)) throw err;
    logger.fatal({ kubeconfig: err.source, reason: err.reason }, err.message);
    console.error(`${fn.name}: ${err.message}`);
    process.exit(1);
  }
  const app = fn.createApp({ kube, logger });
  // Handlers first: a scale-down's SIGTERM can arrive as soon as the process listens.
  let server: RunningServer | undefined;
  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    // In-flight requests finish (server.close waits for them); the log is flushed before exit.
    await server?.close();
    kube.close();
    logger.info({ node: process.version }, 'stopped');
    logger.flush();
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop());
  process.on('SIGINT', () => void stop());
  server = await serve(app, {
    port: Number(process.env.PORT ?? 8080),
    host: process.env.HOST ?? '127.0.0.1',
  });
  logger.info({ port: server.port, server: kube.server, node: process.version }, 'listening');
}
