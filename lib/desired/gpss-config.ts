// Reading the user's gpss_config and rendering each instance's own copy of it.
//
// The full validation of gpss_config (Cluster.Id, etcd endpoints, …) belongs to
// lib/api/validate-config.ts; this module checks only what the builders need to produce a
// valid object (three distinct ports), so a builder never emits something the API server rejects.

import { createHash } from 'node:crypto';
import type { EffectiveCluster } from './cluster';

export interface GpssConfig {
  ListenAddress: { Host?: string; Port: number; [key: string]: unknown };
  Gpfdist: { Host?: string; Port: number; BindAddress?: string; [key: string]: unknown };
  Cluster: { Id?: string; Port: number; [key: string]: unknown };
  [key: string]: unknown;
}

export type ParsedGpssConfig = { ok: true; config: GpssConfig } | { ok: false; problems: string[] };

export interface GpssPorts {
  /** ListenAddress.Port: the gRPC endpoint gpsscli talks to. */
  listen: number;
  /** Gpfdist.Port as the user wrote it (an instance behind a NodePort listens on its node port instead). */
  gpfdist: number;
  /** Cluster.Port: intra-cluster traffic, never exposed outside the cluster. */
  cluster: number;
}

export interface Address {
  host: string;
  port: number;
}

/** Raised by the builders when gpss_config is unusable; callers validate first, so this is a bug guard. */
export class GpssConfigError extends Error {
  readonly problems: string[];
  constructor(problems: string[]) {
    super(`invalid gpss_config: ${problems.join('; ')}`);
    this.name = 'GpssConfigError';
    this.problems = problems;
  }
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function isPort(v: unknown): v is number {
  return typeof v === 'number' && Number.isInteger(v) && v >= 1 && v <= 65535;
}

const PORT_SECTIONS = ['ListenAddress', 'Gpfdist', 'Cluster'] as const;

export function parseGpssConfig(text: string): ParsedGpssConfig {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    return { ok: false, problems: [`gpss_config is not valid JSON: ${(err as Error).message}`] };
  }
  if (!isObject(value)) return { ok: false, problems: ['gpss_config must be a JSON object'] };

  const problems: string[] = [];
  const seen = new Map<number, string>();
  for (const section of PORT_SECTIONS) {
    const s = value[section];
    if (!isObject(s)) {
      problems.push(`gpss_config: ${section} must be an object with a Port`);
      continue;
    }
    if (!isPort(s.Port)) {
      problems.push(`gpss_config: ${section}.Port must be an integer between 1 and 65535`);
      continue;
    }
    // Two container ports with the same number are duplicate keys for server-side apply.
    const other = seen.get(s.Port);
    if (other) problems.push(`gpss_config: ${section}.Port and ${other}.Port are both ${s.Port}`);
    else seen.set(s.Port, section);
  }
  if (problems.length > 0) return { ok: false, problems };
  return { ok: true, config: value as GpssConfig };
}

export function requireGpssConfig(text: string): GpssConfig {
  const parsed = parseGpssConfig(text);
  if (!parsed.ok) throw new GpssConfigError(parsed.problems);
  return parsed.config;
}

export function gpssPorts(config: GpssConfig): GpssPorts {
  return { listen: config.ListenAddress.Port, gpfdist: config.Gpfdist.Port, cluster: config.Cluster.Port };
}

/**
 * The user's config with Gpfdist.Host/Port set to the address Greenplum segments must dial for this
 * instance. GPSS has one Gpfdist.Port for both listening and advertising, so `port` is also what the
 * instance listens on (see index.ts for how NodePort makes the two agree). BindAddress defaults to
 * 0.0.0.0 because the advertised host (a node or load-balancer address) is not an interface of the pod.
 * Key order is the user's; keys we add go last, so the output is a pure function of the inputs.
 * The builders pass the effective spec; text (parsed here, GpssConfigError when unusable) is for
 * callers outside a build, such as tests writing a live ConfigMap.
 */
export function renderInstanceConfig(source: EffectiveCluster | string, address: Address): string {
  const config = typeof source === 'string' ? requireGpssConfig(source) : source.gpss.config;
  // Copies, never assignments: the parsed config is shared by every instance of the build. A spread
  // keeps an existing key where it was and appends a new one, as assigning would.
  const gpfdist: GpssConfig['Gpfdist'] = { ...config.Gpfdist, Host: address.host, Port: address.port };
  if (!('BindAddress' in config.Gpfdist)) gpfdist.BindAddress = '0.0.0.0';
  return `${JSON.stringify({ ...config, Gpfdist: gpfdist }, null, 2)}\n`;
}

/** The address an already rendered instance config advertises, if it is one of ours and readable. */
export function renderedAddress(renderedText: string | undefined): Address | undefined {
  if (renderedText === undefined) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(renderedText);
  } catch {
    return undefined;
  }
  if (!isObject(value) || !isObject(value.Gpfdist)) return undefined;
  const { Host, Port } = value.Gpfdist;
  if (typeof Host !== 'string' || Host === '' || !isPort(Port)) return undefined;
  return { host: Host, port: Port };
}

/**
 * sha256 (hex) of gpss_config with insignificant whitespace removed, so reformatting the YAML block
 * does not restart every instance; any change of content (including key order) does.
 * Unparseable text is hashed as is: the checksum must exist even for a config the validator rejects.
 */
export function configChecksum(text: string): string {
  let canonical = text;
  try {
    canonical = JSON.stringify(JSON.parse(text));
  } catch {
    // keep the raw text
  }
  return sha256(canonical);
}

/** configChecksum of the text `config` was parsed from, without parsing it again. */
export function parsedConfigChecksum(config: GpssConfig): string {
  return sha256(JSON.stringify(config));
}

function sha256(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}
