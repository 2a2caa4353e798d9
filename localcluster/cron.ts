// Standard 5-field cron (minute hour day-of-month month day-of-week), enough for PingSource schedules:
// `*`, numbers, ranges `a-b`, steps `*/n` and `a-b/n`, lists. Used to fire local pings on schedule.

const FIELDS: Array<[number, number]> = [
  [0, 59],
  [0, 23],
  [1, 31],
  [1, 12],
  [0, 6],
];

function parseField(text: string, [lo, hi]: [number, number]): Set<number> {
  const out = new Set<number>();
  for (const part of text.split(',')) {
    const [range, stepText] = part.split('/');
    const step = stepText === undefined ? 1 : Number(stepText);
    let a = lo;
    let b = hi;
    if (range !== '*') {
      const [x, y] = range.split('-').map(Number);
      a = x;
      b = y ?? (stepText === undefined ? x : hi);
    }
    if (![a, b, step].every(Number.isInteger) || step < 1 || a < lo || b > hi || a > b) {
      throw new Error(`cron field "${text}" is not valid (range ${lo}-${hi})`);
    }
    for (let v = a; v <= b; v += step) out.add(v);
  }
  return out;
}

export interface Cron {
  matches(d: Date): boolean;
  /** The first whole minute strictly after `from` that matches. */
  next(from: Date): Date;
}

export function parseCron(expr: string): Cron {
  const parts = expr.trim().split(/\s+/);
  if (parts.length !== 5) throw new Error(`cron "${expr}" must have 5 fields`);
  const [min, hour, dom, mon, dow] = parts.map((p, i) => parseField(p, FIELDS[i]));
  const matches = (d: Date) =>
    min.has(d.getUTCMinutes()) &&
    hour.has(d.getUTCHours()) &&
    dom.has(d.getUTCDate()) &&
    mon.has(d.getUTCMonth() + 1) &&
    dow.has(d.getUTCDay());
  return {
    matches,
    next(from) {
      const d = new Date(Math.floor(from.getTime() / 60_000) * 60_000 + 60_000);
      for (let i = 0; i < 366 * 24 * 60; i++, d.setTime(d.getTime() + 60_000))
        if (matches(d)) return new Date(d);
      throw new Error(`cron "${expr}" never fires`);
    },
  };
}
