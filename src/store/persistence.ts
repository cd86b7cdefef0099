import fs from 'node:fs';
import path from 'node:path';
import { createHash } from 'node:crypto';
import { CorruptStateError } from './errors';
import type { StoreState } from './state';

/**
 * The snapshot, one file per node (`<dir>/store.json`; journal.ts appends what follows it):
 *   {"format":1,"sha256":"<hex of body>","body":"<JSON of StoreState>"}
 * The body is kept as a string so the checksum covers exactly the bytes that were written.
 */
export const stateFileName = 'store.json';
const formatVersion = 1;

export function stateFilePath(dir: string): string {
  return path.join(dir, stateFileName);
}

/** Writes atomically: temp file, fsync, rename over the old file, fsync the directory. */
export function saveState(dir: string, state: StoreState): void {
  const body = JSON.stringify(state);
  const sha256 = createHash('sha256').update(body).digest('hex');
  const file = stateFilePath(dir);
  const tmp = `${file}.tmp`;
  const fd = fs.openSync(tmp, 'w', 0o600);
  try {
    fs.writeSync(fd, JSON.stringify({ format: formatVersion, sha256, body }));
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  fs.renameSync(tmp, file);
  fsyncDir(dir);
}

/** Makes a created, renamed or removed directory entry durable. */
export function fsyncDir(dir: string): void {
  const fd = fs.openSync(dir, 'r');
  try {
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

/** Loads the state: null when there is no file yet; CorruptStateError when it cannot be trusted. */
export function loadState(dir: string): StoreState | null {
  const file = stateFilePath(dir);
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
  let envelope: unknown;
  try {
    envelope = JSON.parse(text);
  } catch {
    throw new CorruptStateError(file, `not valid JSON (${text.length} bytes; truncated?)`);
  }
  const e = envelope as { format?: unknown; sha256?: unknown; body?: unknown };
  if (typeof envelope !== 'object' || envelope === null || e.format !== formatVersion) {
    throw new CorruptStateError(file, `unknown format ${JSON.stringify(e.format)} (expected ${formatVersion})`);
  }
  if (typeof e.body !== 'string' || typeof e.sha256 !== 'string') throw new CorruptStateError(file, 'missing body or sha256');
  const actual = createHash('sha256').update(e.body).digest('hex');
  if (actual !== e.sha256) throw new CorruptStateError(file, `checksum mismatch (stored ${e.sha256.slice(0, 12)}…, computed ${actual.slice(0, 12)}…)`);
  const state = JSON.parse(e.body) as StoreState;
  if (!Number.isSafeInteger(state.epoch) || !Number.isSafeInteger(state.version) || typeof state.docs !== 'object' || typeof state.locks !== 'object') {
    throw new CorruptStateError(file, 'body is not a store state');
  }
  return state;
}
