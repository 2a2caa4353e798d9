import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { AuditRequest, ExpectedDenial } from '../support/audit';
import { deniedVerb, grantsOf, isOwnRequest, unexpectedDenials, unusedGrants, useTable } from './rbac-use';

const RECONCILE = 'system:serviceaccount:gpss-operator-system:gpss-reconcile';
const at = Date.parse('2026-01-01T00:00:10Z');

function req(over: Partial<AuditRequest> = {}): AuditRequest {
  return {
    auditID: String(Math.random()),
    verb: 'patch',
    user: RECONCILE,
    impersonated: false,
    userAgent: 'gpss-operator/reconcile',
    apiGroup: 'apps',
    resource: 'statefulsets',
    namespace: 'a',
    at,
    code: 200,
    decision: 'allow',
    stage: 'ResponseComplete',
    ...over,
  };
}

const grants = suite('grantsOf and useTable');

grants('spells permissions as kubectl auth can-i does', () => {
  assert.equal(
    [...grantsOf([{ apiGroups: ['', 'apps'], resources: ['pods', 'statefulsets/status'], verbs: ['get'] }])],
    ['get pods', 'get statefulsets/status', 'get pods.apps', 'get statefulsets.apps/status'],
  );
});

grants('an apply that created its object (201) uses create as well as patch', () => {
  const used = useTable([req({ code: 201 }), req({ resource: 'services', apiGroup: '' })]);
  assert.equal([...(used.get(RECONCILE) ?? [])].sort(), [
    'create statefulsets.apps',
    'patch services',
    'patch statefulsets.apps',
  ]);
});

grants('a refused request is no use', () => {
  assert.equal(useTable([req({ decision: 'forbid', code: 403 })]).size, 0);
});

grants.run();

const own = suite('isOwnRequest');

own('the account itself, or the in-process function client, but not kubectl --as', () => {
  assert.ok(isOwnRequest(req()));
  assert.ok(isOwnRequest(req({ impersonated: true, userAgent: 'test/reconcile' })));
  assert.not.ok(isOwnRequest(req({ impersonated: true, userAgent: 'test/health' })));
  assert.not.ok(isOwnRequest(req({ impersonated: true, userAgent: 'kubectl/v1.34.10 (linux/amd64)' })));
});

own.run();

const unused = suite('unusedGrants');

unused('names the account and permission; an allowance excuses exactly one', () => {
  const granted = new Map([
    [RECONCILE, new Set(['patch statefulsets.apps', 'delete configmaps', 'update x'])],
  ]);
  const used = new Map([[RECONCILE, new Set(['patch statefulsets.apps'])]]);
  const allow = [{ account: RECONCILE, permission: 'update x', why: 'test' }];
  assert.equal(unusedGrants(granted, used, allow, 'here'), [
    `${RECONCILE} is granted "delete configmaps" (here) but made no such request`,
  ]);
});

unused.run();

const denied = suite('unexpectedDenials');

const window: ExpectedDenial = {
  id: '1',
  account: RECONCILE,
  verb: 'patch',
  resource: 'statefulsets',
  namespace: 'a',
  from: '2026-01-01T00:00:05Z',
  to: '2026-01-01T00:00:15Z',
};

denied(
  'a denial inside a forbid window of the same account, verb, resource and namespace is expected',
  () => {
    assert.equal(unexpectedDenials([req({ decision: 'forbid', code: 403 })], [window], at + 60_000), []);
  },
);

denied('outside the window, in another namespace or for another verb, it is reported', () => {
  const out = unexpectedDenials(
    [
      req({ decision: 'forbid', code: 403, at: at + 10_000 }),
      req({ decision: 'forbid', code: 403, namespace: 'b' }),
      req({ decision: 'forbid', code: 403, verb: 'delete' }),
    ],
    [window],
    at + 60_000,
  );
  assert.equal(out.length, 3, out.join('\n'));
  assert.match(out[1], /gpss-reconcile was denied "patch statefulsets.apps" in b: 1 time/);
});

denied('an apply refused the create it needs is a denial of create; a terminating namespace is not', () => {
  const msg = (m: string) => req({ code: 403, message: m });
  assert.is(
    deniedVerb(
      msg(
        'statefulsets.apps "x" is forbidden: User "u" cannot create resource "statefulsets" in API group "apps"',
      ),
    ),
    'create',
  );
  assert.is(
    deniedVerb(
      msg(
        'events "x" is forbidden: unable to create new content in namespace a because it is being terminated',
      ),
    ),
    undefined,
  );
});

denied('right after an API server start, a refused read is excused and a refused write is not', () => {
  const starts = [at - 1000];
  const out = unexpectedDenials(
    [
      req({ decision: 'forbid', code: 403, verb: 'watch', namespace: undefined }),
      req({ decision: 'forbid', code: 403, verb: 'patch' }),
      req({ decision: 'forbid', code: 403, verb: 'list', at: at + 10_000 }),
    ],
    [],
    at + 60_000,
    starts,
  );
  assert.equal(out.length, 2, out.join('\n'));
  assert.match(out[0], /"patch statefulsets.apps"/);
  assert.match(out[1], /"list statefulsets.apps"/);
});

denied.run();
