// The informer of the baseline controller: list, then one streaming watch (?watch=1) from that
// resourceVersion, keeping a store of the objects; a 410 Gone or a broken stream relists. Built on
// the project's own lib/k8s (kubeconfig loading, paths, the KubeClient for lists).
import * as https from 'node:https';
import type { Impersonation, KubeClient, KubeObject } from '../lib/k8s/client';
import type { ConnectionConfig } from '../lib/k8s/config';
import { type ResourceDescriptor, resourcePath } from '../lib/k8s/resources';

export type WatchType = 'ADDED' | 'MODIFIED' | 'DELETED';

export const objectKey = (o: KubeObject) => `${o.metadata?.namespace ?? ''}/${o.metadata?.name ?? ''}`;

export class Informer {
  readonly store = new Map<string, KubeObject>();
  synced = false;
  private rv = '';
  private req: import('node:http').ClientRequest | undefined;
  private stopped = false;

  constructor(
    readonly res: ResourceDescriptor,
    readonly labelSelector: string | undefined,
    private readonly kube: KubeClient,
    private readonly conn: ConnectionConfig,
    private readonly impersonate: Impersonation | undefined,
    private readonly onEvent: (type: WatchType, obj: KubeObject) => void,
  ) {}

  async start(): Promise<void> {
    await this.relist();
    this.synced = true;
    this.watch();
  }

  stop(): void {
    this.stopped = true;
    this.req?.destroy();
  }

  private async relist(): Promise<void> {
    const list = await this.kube.list<KubeObject>(
      this.res,
      undefined,
      this.labelSelector ? { labelSelector: this.labelSelector } : {},
    );
    const seen = new Set<string>();
    for (const o of list.items) {
      const k = objectKey(o);
      seen.add(k);
      const had = this.store.has(k);
      this.store.set(k, o);
      this.onEvent(had ? 'MODIFIED' : 'ADDED', o);
    }
    for (const [k, o] of this.store) {
      if (seen.has(k)) continue;
      this.store.delete(k);
      this.onEvent('DELETED', o);
    }
    this.rv = list.resourceVersion;
  }

  private retry(relist: boolean): void {
    if (this.stopped) return;
    const again = async () => {
      try {
        if (relist) await this.relist();
        this.watch();
      } catch {
        setTimeout(again, 500);
      }
    };
    setTimeout(again, relist ? 200 : 0);
  }

  private watch(): void {
    if (this.stopped) return;
    const q = new URLSearchParams({
      watch: '1',
      resourceVersion: this.rv,
      allowWatchBookmarks: 'true',
      timeoutSeconds: '600',
    });
    if (this.labelSelector) q.set('labelSelector', this.labelSelector);
    const base = new URL(this.conn.server);
    const headers: Record<string, string | string[]> = {
      Accept: 'application/json',
      'User-Agent': 'gpss-bench/informer',
    };
    if (this.impersonate) {
      headers['Impersonate-User'] = this.impersonate.user;
      if (this.impersonate.groups?.length) headers['Impersonate-Group'] = this.impersonate.groups;
    }
    if (this.conn.token) headers.Authorization = `Bearer ${this.conn.token}`;
    const req = https.request({
      hostname: base.hostname,
      port: base.port,
      path: `${resourcePath(this.res)}?${q}`,
      method: 'GET',
      headers,
      ...(this.conn.ca ? { ca: this.conn.ca } : {}),
      ...(this.conn.cert ? { cert: this.conn.cert } : {}),
      ...(this.conn.key ? { key: this.conn.key } : {}),
    });
    this.req = req;
    let gone = false;
    req.on('response', (res) => {
      if (res.statusCode === 410) gone = true;
      let buf = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        buf += chunk;
        for (let nl = buf.indexOf('\n'); nl >= 0; nl = buf.indexOf('\n')) {
          const line = buf.slice(0, nl);
          buf = buf.slice(nl + 1);
          if (line.trim() && this.handle(JSON.parse(line) as { type: string; object: KubeObject }))
            gone = true;
        }
      });
      res.on('end', () => this.retry(gone));
      res.on('error', () => this.retry(true));
    });
    req.on('error', () => this.retry(true));
    req.end();
  }

  /** True when the watch must start over from a fresh list (410 Gone). */
  private handle(ev: { type: string; object: KubeObject }): boolean {
    const o = ev.object;
    if (ev.type === 'ERROR') return true;
    if (o.metadata?.resourceVersion) this.rv = o.metadata.resourceVersion;
    if (ev.type === 'BOOKMARK') return false;
    // Watch events carry apiVersion and kind; list items do not, and KubeClient.list fills them in.
    const k = objectKey(o);
    if (ev.type === 'DELETED') this.store.delete(k);
    else this.store.set(k, o);
    this.onEvent(ev.type as WatchType, o);
    return false;
  }
}
