// Deliveries lost in a run, counted from what the bench recorded, never assumed: the adapters' own
// "failed to send cloudevent" log lines (read at the end of each phase that ran them, see
// harness/fn-logs.ts) and the events the functions logged as handled, with their 503 answers.
import type { EventLog } from '../harness/fn-logs';

const sum = (m: Record<string, number>) => Object.values(m).reduce((a, b) => a + b, 0);
const each = (m: Record<string, number>) =>
  Object.entries(m)
    .map(([k, v]) => `${k} ${v}`)
    .join(', ');

/** The adapters' drops over one phase; `failed` absent: the run did not record them. */
export function adapterDrops(failed: Record<string, number> | undefined): string {
  if (!failed) return "The adapters' failed sends were not recorded in this run.";
  const n = sum(failed);
  const source = '"failed to send cloudevent" lines in their logs';
  if (n === 0) return `No delivery was dropped by the adapters (no ${source}).`;
  return (
    `The adapters dropped ${n} ${n === 1 ? 'delivery' : 'deliveries'} (${each(failed)}: ${source}); ` +
    'each adapter sends an event once, so those changes waited for the next resync.'
  );
}

/** What the functions say they received, from their own "event handled" lines, and how many they answered 503. */
export function handledEvents(events: Record<string, EventLog> | undefined): string {
  if (!events || !Object.keys(events).length) return '';
  const received = Object.fromEntries(Object.entries(events).map(([fn, e]) => [fn, e.events]));
  const transient = Object.fromEntries(
    Object.entries(events)
      .map(([fn, e]) => [fn, e.byOutcome['transient-error'] ?? 0] as const)
      .filter(([, v]) => v > 0),
  );
  const t = sum(transient);
  return (
    `The functions logged ${sum(received)} events handled (${each(received)}), ` +
    (t
      ? `${t} of them answered 503 as a transient error (${each(transient)}); an adapter counts a 503 as a failed send, so any beyond its count answered the resync pings the bench sent itself.`
      : 'none answered 503 as a transient error.')
  );
}
