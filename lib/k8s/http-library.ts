// The HTTP layer under @kubernetes/client-node's typed APIs: undici's request() where the library uses
// undici's fetch(). Everything else stays the library's (URLs, auth headers, TLS and proxy dispatchers
// set on the request, (de)serialization); only the transport call changes. Why: fetch builds WHATWG
// Request, Headers and Response objects and streams every body through a web ReadableStream, which
// made fetch and its streams the largest share of a function's CPU per API request in the bench's
// profile (a function answers ~50 events and makes ~50 requests per created cluster, on the same two
// cores as the API server). request() reads the body from the socket into one Buffer.
import {
  type HttpLibrary,
  type RequestContext,
  ResponseContext,
  wrapHttpLibrary,
} from '@kubernetes/client-node';
import { type Dispatcher, request } from 'undici';

export const undiciHttpLibrary: HttpLibrary = wrapHttpLibrary({
  async send(ctx: RequestContext): Promise<ResponseContext> {
    const body = ctx.getBody();
    if (body !== undefined && typeof body !== 'string' && !Buffer.isBuffer(body))
      throw new Error(`unsupported request body for ${ctx.getHttpMethod()} ${ctx.getUrl()}`);
    const res = await request(ctx.getUrl(), {
      method: ctx.getHttpMethod() as Dispatcher.HttpMethod,
      headers: ctx.getHeaders(),
      body,
      signal: ctx.getSignal(),
      dispatcher: ctx.getDispatcher(),
    });
    const data = Buffer.from(await res.body.arrayBuffer());
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(res.headers)) {
      if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(', ') : value;
    }
    return new ResponseContext(res.statusCode, headers, {
      text: async () => data.toString('utf8'),
      binary: async () => data,
      stream: () => null,
    });
  },
});
