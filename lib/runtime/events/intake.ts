// Turns an HTTP request into a CloudEvent (binary or structured mode), or says precisely why not.

import { type CloudEvent, HTTP } from 'cloudevents';
import { EVENT_TYPES } from './types';

export const MAX_EVENT_BYTES = 1024 * 1024;

export type IntakeResult =
  | { ok: true; event: CloudEvent<unknown> }
  | { ok: false; status: 400 | 413 | 415; message: string };

export interface IntakeOptions {
  maxBytes?: number;
  /** Accepted event types; default: the ApiServerSource and PingSource types. */
  types?: ReadonlySet<string>;
}

const REQUIRED = ['id', 'source', 'type', 'specversion'] as const;
const KNOWN_TYPES: ReadonlySet<string> = new Set(Object.values(EVENT_TYPES));

export async function parseCloudEvent(req: Request, options: IntakeOptions = {}): Promise<IntakeResult> {
  const maxBytes = options.maxBytes ?? MAX_EVENT_BYTES;
  const types = options.types ?? KNOWN_TYPES;

  const length = req.headers.get('content-length');
  const declared = length === null ? Number.NaN : Number(length);
  if (declared > maxBytes) return tooLarge(maxBytes);
  const text = await readText(req, maxBytes, Number.isSafeInteger(declared) && declared >= 0);
  if (text === undefined) return tooLarge(maxBytes);

  const headers: Record<string, string> = {};
  req.headers.forEach((value, key) => {
    headers[key.toLowerCase()] = value;
  });
  const contentType = (headers['content-type'] ?? '').toLowerCase();

  let body: unknown;
  if (contentType.startsWith('application/cloudevents-batch')) {
    return {
      ok: false,
      status: 415,
      message: 'batched CloudEvents are not supported; send one event per request',
    };
  } else if (contentType.startsWith('application/cloudevents')) {
    if (!/^application\/cloudevents\+json\s*(;|$)/.test(contentType)) {
      return { ok: false, status: 415, message: `unsupported structured event format "${contentType}"` };
    }
    const parsed = parseJson(text);
    if (!parsed.ok) return bad(`structured CloudEvent body is not valid JSON: ${parsed.message}`);
    const envelope = parsed.value;
    if (!isRecord(envelope)) return bad('structured CloudEvent body must be a JSON object');
    const missing = REQUIRED.filter((a) => !nonEmpty(envelope[a]));
    if (missing.length) return bad(`missing required CloudEvent attribute(s): ${missing.join(', ')}`);
    body = envelope;
    // The SDK looks its parser up by the exact header value; parameters are irrelevant once parsed.
    headers['content-type'] = 'application/cloudevents+json';
  } else {
    if (!REQUIRED.some((a) => headers[`ce-${a}`] !== undefined)) {
      return bad(
        'not a CloudEvent: expected ce-* headers (binary mode) or content-type application/cloudevents+json (structured mode)',
      );
    }
    const missing = REQUIRED.filter((a) => !nonEmpty(headers[`ce-${a}`]));
    if (missing.length)
      return bad(`missing required CloudEvent header(s): ${missing.map((a) => `ce-${a}`).join(', ')}`);
    body = text;
    if (text !== '' && /^application\/([\w.+-]+\+)?json\s*(;|$)/.test(contentType)) {
      const parsed = parseJson(text);
      if (!parsed.ok) return bad(`event data is not valid JSON: ${parsed.message}`);
      // Parsed once here; the SDK passes objects through instead of parsing them again.
      if (typeof parsed.value === 'object' && parsed.value !== null) body = parsed.value;
    }
  }

  let event: CloudEvent<unknown>;
  // The SDK builds Error objects it throws only for bad input (two per JSON body, in its JSON parser),
  // and each captures a stack trace: most of its cost per event. Only their messages are used here.
  const stackLimit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  try {
    const decoded = HTTP.toEvent({ headers, body: body === '' ? undefined : body });
    if (Array.isArray(decoded))
      return { ok: false, status: 415, message: 'batched CloudEvents are not supported' };
    event = decoded as CloudEvent<unknown>;
    // validate() silently passes any other version, so the version is checked here.
    if (event.specversion !== '1.0') return bad(`unsupported CloudEvents specversion "${event.specversion}"`);
    // toEvent builds leniently; validate() checks the attributes against the 1.0 schema.
    event.validate();
  } catch (err) {
    return bad(`invalid CloudEvent: ${describeValidation(err)}`);
  } finally {
    Error.stackTraceLimit = stackLimit;
  }

  if (!types.has(event.type)) {
    return bad(`unknown event type "${event.type}"; expected one of: ${[...types].join(', ')}`);
  }
  return { ok: true, event };
}

/**
 * The body as text, or undefined once it exceeds maxBytes (reading stops there). A body framed by a
 * Content-Length within the limit cannot exceed it (the HTTP parser reads that many bytes), so it is
 * read at once: @hono/node-server reads it straight from the socket, where the stream below costs a
 * web ReadableStream per event (a tenth of a function's CPU in the bench's profile). A chunked body
 * is counted as it streams in.
 */
async function readText(req: Request, maxBytes: number, framed: boolean): Promise<string | undefined> {
  if (framed) return req.text();
  if (!req.body) return '';
  const reader = req.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > maxBytes) {
      await reader.cancel().catch(() => {});
      return undefined;
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function parseJson(text: string): { ok: true; value: unknown } | { ok: false; message: string } {
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch (err) {
    return { ok: false, message: err instanceof Error ? err.message : String(err) };
  }
}

function describeValidation(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  // The SDK's ValidationError lists the schema violations in `errors`.
  const details = (err as { errors?: unknown[] }).errors;
  if (!Array.isArray(details) || details.length === 0) return err.message;
  const parts = details.map((d) =>
    typeof d === 'object' && d !== null && 'message' in d
      ? `${String((d as { instancePath?: string }).instancePath ?? '')} ${String((d as { message: unknown }).message)}`.trim()
      : String(d),
  );
  return `${err.message.split('\n')[0]}: ${parts.join('; ')}`;
}

function tooLarge(maxBytes: number): IntakeResult {
  return { ok: false, status: 413, message: `event body exceeds ${maxBytes} bytes` };
}

function bad(message: string): IntakeResult {
  return { ok: false, status: 400, message };
}

function nonEmpty(v: unknown): boolean {
  return typeof v === 'string' && v.trim() !== '';
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
