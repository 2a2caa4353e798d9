import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { KeyedRunner } from './cluster-function';

const test = suite('KeyedRunner');

function gate() {
  let open!: () => void;
  const p = new Promise<void>((r) => {
    open = r;
  });
  return { p, open };
}

/** A task that reports when it has started and finishes when released. */
function task(name: string, log: string[]) {
  const started = gate();
  const release = gate();
  const fn = async () => {
    log.push(`${name} start`);
    started.open();
    await release.p;
    log.push(`${name} end`);
    return name;
  };
  return { fn, started: started.p, release: release.open };
}

test('one run at a time per key; different keys run side by side', async () => {
  const r = new KeyedRunner<string>();
  const log: string[] = [];
  const a1 = task('a1', log);
  const b1 = task('b1', log);
  const a2 = task('a2', log);
  const pa1 = r.run('a', 'x', a1.fn);
  await a1.started;
  const pb1 = r.run('b', 'x', b1.fn);
  const pa2 = r.run('a', 'x', a2.fn);
  await b1.started;
  b1.release();
  assert.equal(await pb1, { outcome: 'b1', coalesced: false });
  assert.equal(log, ['a1 start', 'b1 start', 'b1 end'], 'a2 waits for a1; b runs meanwhile');
  a1.release();
  await a2.started;
  a2.release();
  assert.equal(await pa1, { outcome: 'a1', coalesced: false });
  assert.equal(await pa2, { outcome: 'a2', coalesced: false });
  assert.equal(log, ['a1 start', 'b1 start', 'b1 end', 'a1 end', 'a2 start', 'a2 end']);
});

test('events arriving while one waits join it instead of queueing more runs', async () => {
  const r = new KeyedRunner<string>();
  const log: string[] = [];
  const t1 = task('run1', log);
  const t2 = task('run2', log);
  const first = r.run('k', 'e1', t1.fn);
  await t1.started;
  let given: string[] = [];
  const second = r.run('k', 'e2', (items) => {
    given = [...items];
    return t2.fn();
  });
  const third = r.run('k', 'e3', async () => 'never');
  const fourth = r.run('k', 'e4', async () => 'never');
  t1.release();
  await t2.started;
  t2.release();
  assert.equal(await first, { outcome: 'run1', coalesced: false });
  assert.equal(await second, { outcome: 'run2', coalesced: false });
  assert.equal(await third, { outcome: 'run2', coalesced: true });
  assert.equal(await fourth, { outcome: 'run2', coalesced: true });
  assert.equal(log, ['run1 start', 'run1 end', 'run2 start', 'run2 end']);
  assert.equal(given, ['e2', 'e3', 'e4'], 'the run is given every event that joined it');
});

test('a failure is reported to its own caller and does not block the key', async () => {
  const r = new KeyedRunner<string>();
  const boom = gate();
  const failed = r.run('k', 'x', async () => {
    boom.open();
    throw new Error('boom');
  });
  await boom.p;
  const outcome = await failed.then(
    () => 'resolved',
    (err: Error) => err.message,
  );
  assert.is(outcome, 'boom');
  assert.equal(await r.run('k', 'x', async () => 'ok'), { outcome: 'ok', coalesced: false });
});

test.run();
