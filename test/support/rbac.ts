// Takes a permission away from a function's ClusterRole for a test, and gives it back: RBAC changes
// reach the authorizer through a watch, so each waits until `kubectl auth can-i` agrees.
// Each forbid is recorded (test/support/audit.ts, EXPECTED_DENIALS) so the audit check of the run
// (test/audit/) excuses exactly the denials these tests provoke on purpose, and no others.
import { randomUUID } from 'node:crypto';
import * as assert from 'uvu/assert';
import { REPO_ROOT } from '../../localcluster/config';
import { type ExpectedDenial, recordExpectedDenial } from './audit';
import { convergeBy, type SharedCluster } from './cluster';
import { OPERATOR_NAMESPACE } from './operator';

export type FunctionName = 'reconcile' | 'finalize' | 'health';

/** Forbids not yet given back, with what restoreRbac needs to wait for and record. */
const active: Array<{ fn: FunctionName; denial: ExpectedDenial }> = [];

/** Removes `verb` on `resource` from every rule of gpss-<fn> that grants it. */
export async function forbid(c: SharedCluster, fn: FunctionName, resource: string, verb: string, ns: string) {
  // Recorded before the change: the authorizer may refuse from the moment the role is replaced. A
  // test that dies before restoreRbac leaves the window open (to the end of the run), which the
  // audit check prints.
  const denial: ExpectedDenial = {
    id: randomUUID(),
    run: process.env.GPSS_TEST_RUN,
    account: `system:serviceaccount:${OPERATOR_NAMESPACE}:gpss-${fn}`,
    verb,
    resource,
    namespace: ns,
    from: new Date().toISOString(),
  };
  recordExpectedDenial(denial);
  active.push({ fn, denial });
  const r = await c.kubectl(['get', 'clusterrole', `gpss-${fn}`, '-o', 'json']);
  assert.is(r.code, 0, r.stderr);
  const role = JSON.parse(r.stdout) as { rules: Array<{ resources: string[]; verbs: string[] }> };
  let changed = false;
  for (const rule of role.rules) {
    if (rule.resources.includes(resource) && rule.verbs.includes(verb)) {
      rule.verbs = rule.verbs.filter((v) => v !== verb);
      changed = true;
    }
  }
  assert.ok(changed, `gpss-${fn} grants ${verb} ${resource}`);
  const w = await c.kubectl(['replace', '-f', '-'], { input: JSON.stringify(role) });
  assert.is(w.code, 0, w.stderr);
  await waitForAuth(c, fn, resource, verb, ns, false);
}

/**
 * Puts the RBAC manifests back as shipped, and closes the expected-denial window of every forbid
 * once the authorizer allows again (until then a request can still be refused).
 */
export async function restoreRbac(c: SharedCluster) {
  const r = await c.kubectl([
    'apply',
    '--server-side',
    '--force-conflicts',
    '-f',
    `${REPO_ROOT}/manifests/rbac`,
  ]);
  assert.is(r.code, 0, r.stderr);
  for (const { fn, denial } of active.splice(0)) {
    await waitForAuth(c, fn, denial.resource, denial.verb, denial.namespace, true);
    recordExpectedDenial({ ...denial, to: new Date().toISOString() });
  }
}

export async function waitForAuth(
  c: SharedCluster,
  fn: FunctionName,
  resource: string,
  verb: string,
  ns: string,
  allowed: boolean,
) {
  const [res, sub] = resource.split('/');
  await convergeBy(
    async () => {},
    `${verb} ${resource} ${allowed ? 'allowed' : 'forbidden'} for gpss-${fn}`,
    async () => {
      const r = await c.kubectl([
        'auth',
        'can-i',
        verb,
        res!,
        ...(sub ? [`--subresource=${sub}`] : []),
        '-n',
        ns,
        `--as=system:serviceaccount:${OPERATOR_NAMESPACE}:gpss-${fn}`,
      ]);
      return r.stdout.trim() === (allowed ? 'yes' : 'no');
    },
  );
}
