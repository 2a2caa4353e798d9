// Process entry shared by the three functions: configuration from the environment (the Knative
// Service sets PORT; the kubeconfig is found as kubectl finds it: KUBECONFIG, ~/.kube/config, else
// the Pod's ServiceAccount), one logger, the server, and a clean stop on SIGTERM (Knative's
// scale-down). A kubeconfig that cannot be used stops the process with one line naming it.
import type { Hono } from 'hono';
import { serve } from './function-app';
import { KubeClient } from './k8s/client';
import { KubeConfigError } from './k8s/kubeconfig';
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
  const server = await serve(app, {
    port: Number(process.env.PORT ?? 8080),
    host: process.env.HOST ?? '127.0.0.1',
  });
  logger.info({ port: server.port, server: kube.server, node: process.version }, 'listening');
  const stop = async () => {
    await server.close();
    kube.close();
    process.exit(0);
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}
