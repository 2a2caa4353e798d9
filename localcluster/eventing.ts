// Reads the production eventing config (eventing/*.yaml) and turns each ApiServerSource into the
// adapter configuration Knative's controller would give its receive adapter, and each PingSource
// into a schedule, so local runs use exactly the sources that are deployed.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { resourceFor } from '../lib/k8s/resources';
import type { SourceConfig } from './adapter';

interface LabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: Array<{
    key: string;
    operator: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist';
    values?: string[];
  }>;
}

interface ApiServerSourceDoc {
  kind: 'ApiServerSource';
  metadata: { name: string; namespace: string };
  spec: {
    mode?: 'Resource' | 'Reference';
    namespaceSelector?: LabelSelector;
    serviceAccountName?: string;
    resources: Array<{ apiVersion: string; kind: string; selector?: LabelSelector }>;
    owner?: { apiVersion: string; kind: string };
    sink: { ref?: { name: string }; uri?: string };
  };
}

interface PingSourceDoc {
  kind: 'PingSource';
  metadata: { name: string; namespace: string };
  spec: {
    schedule?: string;
    data?: string;
    contentType?: string;
    sink: { ref?: { name: string }; uri?: string };
  };
}

export interface LocalSource {
  name: string;
  namespace: string;
  /** The function the sink names (gpss-reconcile → reconcile). */
  target: string;
  serviceAccount?: { namespace: string; name: string };
  config: SourceConfig;
}

export interface LocalPing {
  name: string;
  namespace: string;
  target: string;
  schedule: string;
  data: string;
  contentType: string;
}

/** matchLabels/matchExpressions as the label-selector string the adapter's config takes. */
export function selectorString(sel: LabelSelector | undefined): string | undefined {
  if (!sel) return undefined;
  const parts = Object.entries(sel.matchLabels ?? {})
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([k, v]) => `${k}=${v}`);
  for (const e of sel.matchExpressions ?? []) {
    if (e.operator === 'Exists') parts.push(e.key);
    else if (e.operator === 'DoesNotExist') parts.push(`!${e.key}`);
    else parts.push(`${e.key} ${e.operator === 'In' ? 'in' : 'notin'} (${(e.values ?? []).join(',')})`);
  }
  return parts.length ? parts.join(',') : undefined;
}

function targetOf(sink: { ref?: { name: string }; uri?: string }, where: string): string {
  const name = sink.ref?.name;
  if (!name?.startsWith('gpss-')) throw new Error(`${where}: sink must reference a gpss-<function> Service`);
  return name.slice('gpss-'.length);
}

export function sourceToLocal(doc: ApiServerSourceDoc, where: string): LocalSource {
  const s = doc.spec;
  const ns = doc.metadata.namespace;
  const resources = s.resources.map((r) => {
    const d = resourceFor(r.apiVersion, r.kind);
    if (!d) throw new Error(`${where}: unknown resource ${r.apiVersion} ${r.kind}`);
    const sel = selectorString(r.selector);
    return {
      gvr: { Group: d.group, Version: d.version, Resource: d.plural },
      ...(sel ? { selector: sel } : {}),
    };
  });
  // An empty namespaceSelector means every namespace; none means the source's own namespace.
  const all = s.namespaceSelector !== undefined && selectorString(s.namespaceSelector) === undefined;
  if (s.namespaceSelector && !all)
    throw new Error(`${where}: namespaceSelector with labels is not supported locally`);
  return {
    name: doc.metadata.name,
    namespace: ns,
    target: targetOf(s.sink, where),
    ...(s.serviceAccountName ? { serviceAccount: { namespace: ns, name: s.serviceAccountName } } : {}),
    config: {
      namespaces: all ? [] : [ns],
      allNamespaces: all,
      resources,
      ...(s.owner ? { owner: s.owner } : {}),
      // The CRD defaults mode to Reference; the adapter treats anything but Reference as Resource.
      mode: s.mode ?? 'Reference',
    },
  };
}

export function readEventing(dir: string): { sources: LocalSource[]; pings: LocalPing[] } {
  const sources: LocalSource[] = [];
  const pings: LocalPing[] = [];
  for (const file of readdirSync(dir)
    .filter((f) => f.endsWith('.yaml'))
    .sort()) {
    for (const d of parseAllDocuments(readFileSync(join(dir, file), 'utf8'))) {
      const doc = d.toJS() as ApiServerSourceDoc | PingSourceDoc | null;
      if (!doc) continue;
      const where = `${file} ${doc.kind}/${doc.metadata?.name}`;
      if (doc.kind === 'ApiServerSource') sources.push(sourceToLocal(doc, where));
      else if (doc.kind === 'PingSource') {
        pings.push({
          name: doc.metadata.name,
          namespace: doc.metadata.namespace,
          target: targetOf(doc.spec.sink, where),
          schedule: doc.spec.schedule ?? '* * * * *',
          data: doc.spec.data ?? '',
          contentType: doc.spec.contentType ?? 'text/plain',
        });
      }
    }
  }
  return { sources, pings };
}
