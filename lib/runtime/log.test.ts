import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { createLogger, eventLogger } from './log';

function capture() {
  const lines: Record<string, unknown>[] = [];
  return { lines, destination: { write: (s: string) => lines.push(JSON.parse(s)) } };
}

const log = suite('createLogger');

log('JSON lines with fn, level label, ISO time and the message last', () => {
  const { lines, destination } = capture();
  const logger = createLogger({ name: 'reconcile', destination });
  logger.info({ cluster: 'ns/c1', writes: 2 }, 'applied');
  assert.is(lines.length, 1);
  const line = lines[0]!;
  assert.is(line.fn, 'reconcile');
  assert.is(line.level, 'info');
  assert.is(line.msg, 'applied');
  assert.is(line.cluster, 'ns/c1');
  assert.is(line.writes, 2);
  assert.match(String(line.time), /^\d{4}-\d\d-\d\dT/);
  assert.not.ok('pid' in line || 'hostname' in line);
});

log('level filters', () => {
  const { lines, destination } = capture();
  const logger = createLogger({ name: 'health', level: 'warn', destination });
  logger.info('hidden');
  logger.warn('shown');
  assert.equal(
    lines.map((l) => l.msg),
    ['shown'],
  );
});

log('secrets are redacted at the top level and one level down', () => {
  const { lines, destination } = capture();
  const logger = createLogger({ name: 'finalize', destination });
  logger.info(
    {
      token: 't0p',
      password: 'pw',
      user: { token: 'abc', name: 'admin' },
      headers: { authorization: 'Bearer xyz', accept: 'application/json' },
      kubeconfig: { 'client-key-data': 'a2V5' },
    },
    'connected',
  );
  const text = JSON.stringify(lines[0]);
  for (const secret of ['t0p', '"pw"', 'abc', 'xyz', 'a2V5']) assert.not.ok(text.includes(secret), secret);
  assert.is((lines[0]!.user as Record<string, unknown>).name, 'admin');
  assert.is((lines[0]!.headers as Record<string, unknown>).accept, 'application/json');
});

log('errors are serialized with their causes', () => {
  const { lines, destination } = capture();
  const logger = createLogger({ name: 'reconcile', destination });
  logger.error(
    { err: new Error('apply StatefulSet ns/a', { cause: new Error('503 ServiceUnavailable') }) },
    'failed',
  );
  const err = lines[0]!.err as Record<string, unknown>;
  assert.is(err.type, 'Error');
  assert.match(String(err.message), /apply StatefulSet ns\/a: 503 ServiceUnavailable/);
});

log('a file destination is appended to synchronously', () => {
  const dir = mkdtempSync(join(tmpdir(), 'log-test-'));
  try {
    const file = join(dir, 'sub', 'fn.log');
    const logger = createLogger({ name: 'reconcile', destination: file });
    logger.info({ n: 1 }, 'one');
    logger.info({ n: 2 }, 'two');
    const lines = readFileSync(file, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    assert.equal(
      lines.map((l) => [l.fn, l.msg, l.n]),
      [
        ['reconcile', 'one', 1],
        ['reconcile', 'two', 2],
      ],
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

const child = suite('eventLogger');

child('binds event id, type, subject and cluster', () => {
  const { lines, destination } = capture();
  const logger = createLogger({ name: 'reconcile', destination });
  const ce = {
    id: 'e-1',
    type: 'dev.knative.apiserver.resource.update',
    subject: '/apis/v1/namespaces/ns/pods/p',
  };
  eventLogger(logger, ce, 'ns/c1').info('decided');
  eventLogger(logger, { id: 'e-2', type: 'dev.knative.sources.ping' }).info({ cluster: 'ns/c2' }, 'resync');
  assert.equal(
    { ...lines[0], time: undefined },
    {
      level: 'info',
      time: undefined,
      fn: 'reconcile',
      eventId: 'e-1',
      eventType: 'dev.knative.apiserver.resource.update',
      subject: '/apis/v1/namespaces/ns/pods/p',
      cluster: 'ns/c1',
      msg: 'decided',
    },
  );
  assert.is(lines[1]!.eventId, 'e-2');
  assert.is(lines[1]!.cluster, 'ns/c2');
  assert.not.ok('subject' in lines[1]!);
});

log.run();
child.run();
