import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { watchNamespaces } from './watch-scope';

const test = suite('watch scope');

test('cluster-wide unless WATCH_NAMESPACES names namespaces', () => {
  assert.is(watchNamespaces({}), undefined);
  assert.is(watchNamespaces({ WATCH_NAMESPACES: ' , ' }), undefined);
  assert.equal(watchNamespaces({ WATCH_NAMESPACES: 'team-b, team-a,team-b' }), ['team-a', 'team-b']);
});

test.run();
