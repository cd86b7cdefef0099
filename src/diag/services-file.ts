/** `quorate diag quorum --ha-config FILE`: HA services for the what-ifs without a running daemon. */
import { readFileSync } from 'node:fs';
import { parseStrictJson } from '../util/strict-json';
import type { ServiceInput } from './quorum-services';

export class ServicesFileError extends Error {}

/** Reads {"resources": {SID: {"node": NODE, "state"?: STATE}}}; every problem names the file and the entry. */
export function readServicesFile(path: string): ServiceInput[] {
  let raw: unknown;
  try {
    raw = parseStrictJson(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new ServicesFileError(`${path}: ${err instanceof Error ? err.message : String(err)}`);
  }
  const resources = (raw as { resources?: unknown } | null)?.resources;
  if (typeof resources !== 'object' || resources === null || Array.isArray(resources)) {
    throw new ServicesFileError(`${path}: expected {"resources": {SID: {"node": NODE, "state": STATE}}}`);
  }
  return Object.entries(resources as Record<string, unknown>).map(([sid, value]) => {
    const r = value as { node?: unknown; state?: unknown } | null;
    if (typeof r?.node !== 'string' || r.node === '') throw new ServicesFileError(`${path}: resources.${sid}.node must be a node name`);
    if (r.state !== undefined && typeof r.state !== 'string') throw new ServicesFileError(`${path}: resources.${sid}.state must be a string`);
    return { sid, node: r.node, state: r.state ?? 'started' };
  });
}
