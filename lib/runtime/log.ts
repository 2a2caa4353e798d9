// One JSON-lines logger for all functions: fields first, message second (`log.info({cluster}, 'applied')`).

import { type DestinationStream, type Logger, pino } from 'pino';

export type { Logger };

export interface LoggerOptions {
  /** The function's name, logged as `fn` on every line. */
  name: string;
  /** Default: $LOG_LEVEL, else 'info'. */
  level?: string;
  /** A file path (appended to) or a stream; default: $LOG_FILE, else stdout. */
  destination?: string | DestinationStream;
}

/** Values under these keys never reach a log line, however an object ends up being logged. */
export const REDACT_PATHS = [
  'token',
  'password',
  'authorization',
  'bearerToken',
  'headers.authorization',
  'headers.Authorization',
  'headers.cookie',
  '*.token',
  '*.password',
  '*.authorization',
  '*.bearerToken',
  '*["client-key-data"]',
  '*.headers.authorization',
  '*.headers.Authorization',
  '*.headers.cookie',
];

export function createLogger(options: LoggerOptions): Logger {
  const destination = options.destination ?? process.env.LOG_FILE;
  // Synchronous writes: a scaled-to-zero function may be stopped right after answering, and buffered
  // lines would be lost with it.
  const stream =
    typeof destination === 'string'
      ? pino.destination({ dest: destination, mkdir: true, sync: true })
      : (destination ?? pino.destination({ dest: 1, sync: true }));
  return pino(
    {
      level: options.level ?? process.env.LOG_LEVEL ?? 'info',
      base: { fn: options.name },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    },
    stream,
  );
}

/** The attributes of an event that every line about it carries. */
export interface EventRef {
  id: string;
  type: string;
  subject?: string | undefined;
}

/**
 * A child logger for one event: eventId, eventType, subject and, once known, the cluster key.
 * Pass the cluster here or on the line, not both: pino would write the key twice.
 */
export function eventLogger(logger: Logger, ce: EventRef, clusterKey?: string): Logger {
  const bindings: Record<string, string> = { eventId: ce.id, eventType: ce.type };
  if (ce.subject) bindings.subject = ce.subject;
  if (clusterKey) bindings.cluster = clusterKey;
  return logger.child(bindings);
}
