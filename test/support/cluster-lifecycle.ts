// Called by scripts/run-tests.ts at the end of a run: a cluster the tests started is stopped; one the
// developer started before running tests is left alone.
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { down } from '../../localcluster/cluster';
import { defaultConfig } from '../../localcluster/config';
import { OWNED_MARKER } from './cluster';

export async function stopSharedClusterIfOwned(run: string): Promise<void> {
  if (!existsSync(OWNED_MARKER) || process.env.GPSS_KEEP_CLUSTER === '1') return;
  if (readFileSync(OWNED_MARKER, 'utf8').trim() !== run) return;
  await down(defaultConfig(), (m) => console.log(`[cluster] ${m}`));
  rmSync(OWNED_MARKER, { force: true });
}
