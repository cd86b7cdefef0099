/**
 * The fence devices' secrets: a JSON file `{ "<device name>": { "password": "..." } }` that only
 * root may read. A file others can read (or write) is refused, not used: a BMC password is the
 * power switch of a node.
 */
import { readFileSync, statSync } from 'node:fs';
import { parseStrictJson } from '../util/strict-json';
import { checkOptionKey, checkOptionValue } from './config';

export class FenceSecretsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FenceSecretsError';
  }
}

export type FenceSecrets = Record<string, Record<string, string>>;

/** Refuses a file not owned by root or with any group/other permission bit. */
export function checkRootOnly(path: string): void {
  let stat;
  try {
    stat = statSync(path);
  } catch (err) {
    throw new FenceSecretsError(`cannot read the fence secrets file ${path}: ${(err as Error).message}`);
  }
  if (stat.uid !== 0) throw new FenceSecretsError(`${path} holds fence secrets but is owned by uid ${stat.uid}: it must be owned by root (chown root:root ${path})`);
  const mode = stat.mode & 0o777;
  if ((mode & 0o077) !== 0) {
    throw new FenceSecretsError(`${path} holds fence secrets but has mode ${mode.toString(8).padStart(4, '0')}: others may read it; chmod 600 ${path}`);
  }
}

export function parseSecrets(where: string, raw: unknown): FenceSecrets {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new FenceSecretsError(`${where}: must be an object { "<device name>": { "password": "..." } }`);
  const secrets: FenceSecrets = {};
  for (const [device, options] of Object.entries(raw)) {
    if (typeof options !== 'object' || options === null || Array.isArray(options)) throw new FenceSecretsError(`${where}: ${device}: must be an object of agent options`);
    const checked: Record<string, string> = {};
    try {
      for (const [key, value] of Object.entries(options as Record<string, unknown>)) {
        checkOptionKey(`${where}: ${device}.${key}`, key);
        checked[key] = checkOptionValue(`${where}: ${device}.${key}`, value);
      }
    } catch (err) {
      throw new FenceSecretsError((err as Error).message);
    }
    secrets[device] = checked;
  }
  return secrets;
}

/** Reads the secrets file after checking that only root can read it. */
export function loadSecrets(path: string): FenceSecrets {
  checkRootOnly(path);
  let raw: unknown;
  try {
    raw = parseStrictJson(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new FenceSecretsError(`${path}: ${(err as Error).message}`);
  }
  return parseSecrets(path, raw);
}
