// npm run logs -- [--event ID] [--cluster NS/NAME] [--last N] [--file PATH|-]...
// Tells the story of events from the functions' JSON log lines: which function, which event, what it
// decided, what it wrote, how long it took. Reads the local runner's logs by default, or files /
// stdin such as `kubectl logs -l serving.knative.dev/service=gpss-reconcile -c reconcile`.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export interface LogLine {
  time: string;
  fn?: string;
  level?: string;
  msg?: string;
  eventId?: string;
  eventType?: string;
  cluster?: string;
  [k: string]: unknown;
}

export interface Story {
  eventId: string;
  fn: string;
  start: string;
  lines: LogLine[];
}

export function parseLines(text: string): LogLine[] {
  const out: LogLine[] = [];
  for (const raw of text.split('\n')) {
    const i = raw.indexOf('{'); // kubectl logs --prefix puts "[pod/...] " before the JSON
    if (i < 0) continue;
    try {
      const l = JSON.parse(raw.slice(i)) as LogLine;
      if (typeof l.time === 'string') out.push(l);
    } catch {}
  }
  return out;
}

export function stories(lines: LogLine[]): Story[] {
  const byId = new Map<string, Story>();
  for (const l of [...lines].sort((a, b) => (a.time < b.time ? -1 : a.time > b.time ? 1 : 0))) {
    if (!l.eventId) continue;
    const key = `${l.fn}/${l.eventId}`;
    let s = byId.get(key);
    if (!s) {
      s = { eventId: l.eventId, fn: l.fn ?? '?', start: l.time, lines: [] };
      byId.set(key, s);
    }
    s.lines.push(l);
  }
  return [...byId.values()].sort((a, b) => (a.start < b.start ? -1 : 1));
}

const SHORT_TYPE: Array<[RegExp, string]> = [
  [/^dev\.knative\.apiserver\.(?:resource|ref)\./, ''],
  [/^dev\.knative\.sources\.ping$/, 'ping'],
];

function kindOf(l: LogLine): string {
  const s = typeof l.subject === 'string' ? l.subject.split('/') : [];
  return s.length >= 2 ? `${s[s.length - 2]}/${s[s.length - 1]}` : '';
}

export function render(s: Story): string {
  const first = s.lines[0];
  let type = first.eventType ?? '';
  for (const [re, rep] of SHORT_TYPE) type = type.replace(re, rep);
  const cluster = s.lines.find((l) => l.cluster)?.cluster ?? '';
  const out = [
    `${first.time.slice(11, 23)}  ${s.fn.padEnd(9)} ${s.eventId.slice(0, 13).padEnd(13)} ${type.padEnd(6)} ${kindOf(first).padEnd(34)} ${cluster}`,
  ];
  for (const l of s.lines) {
    if (l.msg === 'event handled') {
      out.push(
        `    → ${l.outcome ?? '?'}${l.cold ? ' (cold start)' : ''}  writes=${l.writes ?? '?'} reads=${l.reads ?? '?'}  ${l.ms ?? '?'} ms`,
      );
      // A failed event says why, in the API server's words (KubeApiError messages carry them).
      const why =
        l.err && typeof l.err === 'object'
          ? (l.err as { message?: string }).message
          : (l.reason as string | undefined);
      if (why) out.push(`      error: ${why}`);
    } else {
      // Why a decision went the way it did: an error's message, or a refused spec's problem.
      const why = l.err && typeof l.err === 'object' ? (l.err as { message?: string }).message : l.problem;
      const extra = why ? ` (${why})` : '';
      out.push(`    ${l.level === 'info' ? '' : `${l.level?.toUpperCase()}: `}${l.msg}${extra}`);
    }
  }
  return out.join('\n');
}

function main(argv: string[]): void {
  const opt = (name: string) => {
    const i = argv.indexOf(name);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const files = argv.flatMap((a, i) => (argv[i - 1] === '--file' ? [a] : []));
  const dir = join(new URL('..', import.meta.url).pathname, '.local', 'logs');
  if (files.length === 0 && existsSync(dir)) {
    for (const f of readdirSync(dir))
      if (/^(reconcile|finalize|health)\.log$/.test(f)) files.push(join(dir, f));
  }
  if (files.length === 0) {
    console.error(
      'no logs: start the operator with `npm start`, or pass --file PATH (or --file - for stdin)',
    );
    process.exit(1);
  }
  const lines = files.flatMap((f) => parseLines(readFileSync(f === '-' ? 0 : f, 'utf8')));
  let list = stories(lines);
  const event = opt('--event');
  const cluster = opt('--cluster');
  if (event) list = list.filter((s) => s.eventId.startsWith(event));
  if (cluster) list = list.filter((s) => s.lines.some((l) => l.cluster === cluster));
  const last = Number(opt('--last') ?? (event ? 0 : 20));
  if (last > 0) list = list.slice(-last);
  if (list.length === 0) console.log('no matching events');
  for (const s of list) console.log(render(s));
}

if (import.meta.url === `file://${process.argv[1]}`) main(process.argv.slice(2));
