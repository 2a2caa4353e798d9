// CloudEvents exactly as the ApiServerSource adapter sends them (localcluster/adapter-event.ts builds
// them the same way for the integration tests), posted in binary mode over a kept-alive connection
// as Knative's queue-proxy would.
import { Agent } from 'node:http';
import { HTTP } from 'cloudevents';
import type { KubeClient, KubeObject } from '../../lib/k8s/client';
import { adapterEvent } from '../../localcluster/adapter-event';
import { type Answer, send } from './proc';

export const keepAlive = () => new Agent({ keepAlive: true, maxSockets: 256 });

export function postEvent(port: number, obj: KubeObject, agent: Agent): Promise<Answer> {
  const m = HTTP.binary(adapterEvent(obj as never, 'update'));
  return send(port, 'POST', '/', m.headers as Record<string, string>, m.body as string, agent);
}

/** The watched kinds of a function, from its app module (functions added later are covered too). */
export async function watchedKinds(fn: string): Promise<string[]> {
  const mod = (await import(`../../functions/${fn}/app`)) as { WATCHED_KINDS?: readonly string[] };
  return [...(mod.WATCHED_KINDS ?? ['GpssCluster'])];
}

const LOCATE: Record<
  string,
  { res: 'gpssclusters' | 'services' | 'statefulsets' | 'pods'; name: (c: string) => string }
> = {
  GpssCluster: { res: 'gpssclusters', name: (c) => c },
  StatefulSet: { res: 'statefulsets', name: (c) => c },
  Service: { res: 'services', name: (c) => `${c}-gpfdist-0` },
  Pod: { res: 'pods', name: (c) => `${c}-0` },
};

/** The live object of `kind` that belongs to cluster ns/name, as the adapter would carry it. */
export async function liveObject(
  kube: KubeClient,
  kind: string,
  ns: string,
  cluster: string,
): Promise<KubeObject> {
  const l = LOCATE[kind];
  if (!l) throw new Error(`no sample object for kind ${kind}`);
  const obj = await kube.get<KubeObject>(l.res, ns, l.name(cluster));
  if (!obj) throw new Error(`${kind} ${ns}/${l.name(cluster)} not found`);
  obj.kind ??= kind;
  obj.apiVersion ??= kind === 'GpssCluster' ? 'gpss.gpdb.io/v1' : kind === 'StatefulSet' ? 'apps/v1' : 'v1';
  return obj;
}
