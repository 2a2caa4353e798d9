// The CloudEvent types the functions receive: Knative ApiServerSource (Resource and Reference mode)
// and PingSource (the periodic resync).

export const EVENT_TYPES = {
  resourceAdd: 'dev.knative.apiserver.resource.add',
  resourceUpdate: 'dev.knative.apiserver.resource.update',
  resourceDelete: 'dev.knative.apiserver.resource.delete',
  refAdd: 'dev.knative.apiserver.ref.add',
  refUpdate: 'dev.knative.apiserver.ref.update',
  refDelete: 'dev.knative.apiserver.ref.delete',
  ping: 'dev.knative.sources.ping',
} as const;

export type EventType = (typeof EVENT_TYPES)[keyof typeof EVENT_TYPES];

const API_SERVER_TYPE = /^dev\.knative\.apiserver\.(resource|ref)\.(add|update|delete)$/;

export function isApiServerEvent(ce: { type: string }): boolean {
  return API_SERVER_TYPE.test(ce.type);
}

export function isPingEvent(ce: { type: string }): boolean {
  return ce.type === EVENT_TYPES.ping;
}

/** 'resource' or 'ref' mode and the verb, or undefined for a type that is not an ApiServerSource one. */
export function apiServerEventType(
  type: string,
): { mode: 'resource' | 'ref'; verb: 'add' | 'update' | 'delete' } | undefined {
  const m = API_SERVER_TYPE.exec(type);
  return m ? { mode: m[1] as 'resource' | 'ref', verb: m[2] as 'add' | 'update' | 'delete' } : undefined;
}
