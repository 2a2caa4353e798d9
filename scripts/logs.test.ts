import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { parseLines, render, stories } from './logs';

const test = suite('logs timeline');

const text = [
  '{"level":"info","time":"2026-01-01T10:00:00.100Z","fn":"reconcile","eventId":"e1","eventType":"dev.knative.apiserver.resource.update","subject":"/apis/gpss.gpdb.io/v1/namespaces/ns/gpssclusters/c1","cluster":"ns/c1","msg":"apply StatefulSet c1"}',
  'not json at all',
  '[pod/gpss-health-0001/user-container] {"level":"info","time":"2026-01-01T10:00:00.050Z","fn":"health","eventId":"e2","eventType":"dev.knative.sources.ping","msg":"event handled","outcome":"resync","writes":0,"reads":2,"ms":5}',
  '{"level":"info","time":"2026-01-01T10:00:00.200Z","fn":"reconcile","eventId":"e1","eventType":"dev.knative.apiserver.resource.update","cluster":"ns/c1","msg":"event handled","outcome":"applied","writes":1,"reads":9,"ms":40}',
].join('\n');

test('parses JSON lines, also behind a kubectl --prefix, and skips the rest', () => {
  assert.is(parseLines(text).length, 3);
});

test('groups lines by function and event, ordered by time', () => {
  const s = stories(parseLines(text));
  assert.equal(
    s.map((x) => [x.fn, x.eventId, x.lines.length]),
    [
      ['health', 'e2', 1],
      ['reconcile', 'e1', 2],
    ],
  );
});

test('renders a readable story with the decision and the summary', () => {
  const [, e1] = stories(parseLines(text));
  assert.is(
    render(e1),
    [
      '10:00:00.100  reconcile e1            update gpssclusters/c1                    ns/c1',
      '    apply StatefulSet c1',
      '    → applied  writes=1 reads=9  40 ms',
    ].join('\n'),
  );
});

test("a failed event and a refused spec say why, in the API server's or the validator's words", () => {
  const lines = parseLines(
    [
      '{"level":"warn","time":"2026-01-01T10:00:01.000Z","fn":"reconcile","eventId":"e3","eventType":"dev.knative.apiserver.resource.update","cluster":"ns/c1","reason":"InvalidConfig","problem":"spec.node_selector[\\"bad key!\\"]: key must be a label key","msg":"configuration rejected; cluster keeps its last valid config"}',
      '{"level":"error","time":"2026-01-01T10:00:02.000Z","fn":"reconcile","eventId":"e4","eventType":"dev.knative.apiserver.resource.update","cluster":"ns/c1","msg":"event handled","outcome":"permanent-error","writes":0,"reads":7,"ms":12,"err":{"type":"KubeApiError","message":"apply namespaces/ns/statefulsets/c1: 422 Invalid: StatefulSet.apps \\"c1\\" is invalid"}}',
    ].join('\n'),
  );
  const [refused, failed] = stories(lines);
  assert.match(
    render(refused!),
    /WARN: configuration rejected; .*\(spec\.node_selector\["bad key!"\]: key must be a label key\)/,
  );
  assert.match(
    render(failed!),
    /→ permanent-error .*\n {6}error: apply namespaces\/ns\/statefulsets\/c1: 422 Invalid: StatefulSet\.apps "c1" is invalid/,
  );
});

test.run();
