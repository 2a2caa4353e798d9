// Each function's WATCHED_KINDS (what its intake accepts; any other kind is answered 400) must equal
// the kinds its ApiServerSource in eventing/ delivers: one list edited without the other would either
// refuse the source's events or claim a subscription that is not there.
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { WATCHED_KINDS as FINALIZE } from '../functions/finalize/app';
import { WATCHED_KINDS as HEALTH } from '../functions/health/app';
import { WATCHED_KINDS as RECONCILE } from '../functions/reconcile/app';
import { RESOURCES } from '../lib/k8s/resources';
import { REPO_ROOT } from './config';
import { readEventing } from './eventing';

const test = suite('eventing/ and the functions');

const WATCHED: Record<string, readonly string[]> = {
  finalize: FINALIZE,
  health: HEALTH,
  reconcile: RECONCILE,
};

test("each function's watched kinds are exactly its ApiServerSource's resources", () => {
  const { sources } = readEventing(join(REPO_ROOT, 'eventing'));
  assert.equal(sources.map((s) => s.target).sort(), Object.keys(WATCHED).sort(), 'one source per function');
  for (const s of sources) {
    const delivered = s.config.resources
      .map((r) => {
        const known = Object.values(RESOURCES).find(
          (d) => d.plural === r.gvr.Resource && d.group === r.gvr.Group,
        );
        assert.ok(known, `${s.name}: ${r.gvr.Group}/${r.gvr.Resource} is a resource the operator knows`);
        return known!.kind;
      })
      .sort();
    assert.equal(delivered, [...WATCHED[s.target]!].sort(), `${s.name} → ${s.target}`);
  }
});

test('every function has a PingSource resync', () => {
  const { pings } = readEventing(join(REPO_ROOT, 'eventing'));
  assert.equal(pings.map((p) => p.target).sort(), Object.keys(WATCHED).sort());
});

test.run();
