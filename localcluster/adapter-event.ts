// CloudEvents exactly as the event sources send them (the ApiServerSource adapter in Resource mode,
// the PingSource dispatcher): the integration tests deliver them to a function's app, and the bench
// replays them, so both speak the adapter's shape from one definition.
import { CloudEvent } from 'cloudevents';

import { OPERATOR_NAMESPACE } from './operator';

interface Obj {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string };
}

let seq = 0;
/** The CloudEvent the adapter would send for obj (Resource mode): type, subject, extensions, data. */
export function adapterEvent(obj: Obj, verb: 'add' | 'update' | 'delete' = 'update'): CloudEvent<unknown> {
  const plural = `${obj.kind.toLowerCase()}${obj.kind.endsWith('s') ? 'es' : 's'}`;
  return new CloudEvent({
    specversion: '1.0',
    id: `test-${process.pid}-${++seq}`,
    type: `dev.knative.apiserver.resource.${verb}`,
    source: 'https://127.0.0.1:6443',
    subject: `/apis/${obj.apiVersion}/namespaces/${obj.metadata.namespace}/${plural}/${obj.metadata.name}`,
    datacontenttype: 'application/json',
    data: obj,
    kind: obj.kind,
    apiversion: obj.apiVersion,
    name: obj.metadata.name,
    namespace: obj.metadata.namespace ?? '',
  } as never);
}

export function pingEvent(): CloudEvent<unknown> {
  return new CloudEvent({
    id: `ping-${process.pid}-${++seq}`,
    type: 'dev.knative.sources.ping',
    source: `/apis/v1/namespaces/${OPERATOR_NAMESPACE}/pingsources/resync`,
    datacontenttype: 'application/json',
    data: { resync: 'all' },
  });
}
