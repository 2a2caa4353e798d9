// Which namespaces the operator may see. Cluster-wide by default; with WATCH_NAMESPACES (set by the
// Helm chart's namespace scope, where RBAC is per-namespace Roles) every cluster-wide list becomes one
// list per namespace, since a list at the cluster scope would be refused.
import type { KubeClient, ListOptions } from './client';
import type { ResourceRef } from './resources';

export function watchNamespaces(env: NodeJS.ProcessEnv = process.env): string[] | undefined {
  const list = (env.WATCH_NAMESPACES ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  return list.length ? [...new Set(list)].sort() : undefined;
}

/** Items of `res` across the watched namespaces: one cluster-wide list, or one list per namespace. */
export async function listWatched<T>(
  kube: KubeClient,
  res: ResourceRef,
  opts: ListOptions = {},
  scope: string[] | undefined = watchNamespaces(),
): Promise<T[]> {
  if (!scope) return (await kube.list<T>(res, undefined, opts)).items;
  const lists = await Promise.all(scope.map((ns) => kube.list<T>(res, ns, opts)));
  return lists.flatMap((l) => l.items);
}
