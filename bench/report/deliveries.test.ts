import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { adapterDrops, handledEvents } from './deliveries';
import { scalePhase } from './fake-results';

const a = suite('adapterDrops');

a('none dropped says so, with where the count came from', () => {
  assert.is(
    adapterDrops({ 'gpss-health': 0, 'gpss-reconcile': 0 }),
    'No delivery was dropped by the adapters (no "failed to send cloudevent" lines in their logs).',
  );
});

a('drops are reported with their count, per adapter', () => {
  const text = adapterDrops({ 'gpss-health': 2, 'gpss-reconcile': 1 });
  assert.match(text, 'The adapters dropped 3 deliveries (gpss-health 2, gpss-reconcile 1');
  assert.not.match(text, 'No delivery');
  assert.match(adapterDrops({ 'gpss-health': 1 }), 'dropped 1 delivery (gpss-health 1');
});

a('a run that did not count them claims nothing', () => {
  assert.is(adapterDrops(undefined), "The adapters' failed sends were not recorded in this run.");
});

a.run();

const h = suite('handledEvents');

h('events and 503 answers from the functions own logs', () => {
  assert.match(
    handledEvents(scalePhase({ clusters: 1 }).events),
    '1000 events handled (reconcile 1000), none answered 503',
  );
  assert.match(
    handledEvents(scalePhase({ clusters: 1, transient: 4 }).events),
    '4 of them answered 503 as a transient error (reconcile 4)',
  );
  assert.is(handledEvents(undefined), '');
});

h.run();
