import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { rfc3339, toMillis } from './time';

const test = suite('time');

const T = Date.parse('2026-01-01T00:00:00Z');

test('toMillis reads a Date (built-in objects) and an RFC 3339 string (GpssCluster) alike', () => {
  assert.is(toMillis(new Date('2026-01-01T00:00:00Z')), T);
  assert.is(toMillis('2026-01-01T00:00:00Z'), T);
  assert.is(toMillis('2026-01-01T00:00:00.250Z'), T + 250);
});

test('toMillis: absent or unreadable is undefined', () => {
  assert.is(toMillis(undefined), undefined);
  assert.is(toMillis(''), undefined);
  assert.is(toMillis('not a time'), undefined);
  assert.is(toMillis(new Date(Number.NaN)), undefined);
});

test('rfc3339 writes whole seconds in UTC, as the API server does', () => {
  assert.is(rfc3339(T), '2026-01-01T00:00:00Z');
  assert.is(rfc3339(T + 60_999), '2026-01-01T00:01:00Z');
});

test.run();
