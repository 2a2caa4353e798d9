import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { parseCron } from './cron';

const test = suite('cron');

test('every minute and every 5 minutes', () => {
  const t = new Date('2026-01-01T10:02:30Z');
  assert.is(parseCron('* * * * *').next(t).toISOString(), '2026-01-01T10:03:00.000Z');
  assert.is(parseCron('*/5 * * * *').next(t).toISOString(), '2026-01-01T10:05:00.000Z');
  assert.is(
    parseCron('*/5 * * * *').next(new Date('2026-01-01T10:05:00Z')).toISOString(),
    '2026-01-01T10:10:00.000Z',
  );
});

test('lists, ranges, hours and days', () => {
  const c = parseCron('0,30 9-17 * * 1-5');
  assert.is(c.next(new Date('2026-01-02T17:45:00Z')).toISOString(), '2026-01-05T09:00:00.000Z'); // Fri → Mon
  assert.ok(c.matches(new Date('2026-01-05T09:30:00Z')));
  assert.not.ok(c.matches(new Date('2026-01-05T09:15:00Z')));
});

test('invalid expressions are refused with the field', () => {
  assert.throws(() => parseCron('* * * *'), /5 fields/);
  assert.throws(() => parseCron('61 * * * *'), /"61"/);
  assert.throws(() => parseCron('*/0 * * * *'), /"\*\/0"/);
});

test.run();
