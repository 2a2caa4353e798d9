// Takes a permission away from a function's ClusterRole for a test, and gives it back: RBAC changes
// reach the authorizer through a watch, so each waits until `kubectl auth can-i` agrees.
import * as assert from 'uvu/assert';
import { REPO_ROOT } from '../../localcluster/config';
import { convergeBy, type SharedCluster } from './cluster';
import { OPERATOR_NAMESPACE } from './operator';

export type FunctionName = 'reconcile' | 'finalize' | 'health';

/** Removes `verb` on `resource` from every rule of gpss-<fn> that grants it. */
export async function forbid(c: SharedCluster, fn: FunctionName, resource: string, verb: string, ns: string) {
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

/** Puts the RBAC manifests back as shipped. */
export async function restoreRbac(c: SharedCluster) {
  const r = await c.kubectl([
    'apply',
    '--server-side',
    '--force-conflicts',
    '-f',
    `${REPO_ROOT}/manifests/rbac`,
  ]);
  assert.is(r.code, 0, r.stderr);
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
