import fs from 'node:fs';
import path from 'node:path';
import { createHash } from 'node:crypto';
import { CorruptStateError } from './errors';
import { emptyState, type StoreState } from './state';

/**
 * On-disk format, per node: a snapshot `<dir>/store.json`
 *   {"format":1,"sha256":"<hex of body>","body":"<JSON of StoreState>"}
 * (the body is kept as a string so the checksum covers exactly the bytes that were written) and
 * a write-ahead log `<dir>/store.log` of what changed since: one line per group commit,
 *   <sha256 hex of body> <JSON of StateDelta>
 * appended through O_DSYNC (one small synchronous write instead of rewriting the whole state twice synced).
 * The log is folded into a new snapshot when it grows, and after every state the node adopts.
 */
export const stateFileName = 'store.json';
export const logFileName = 'store.log';

/** The scalars of the state and the documents and locks one group commit changed (a document without a value, a null lock: gone). */
export interface StateDelta {
  epoch: number;
  epochMembers: number;
  version: number;
  demoted: boolean;
  docs: Array<[type: string, key: string, value?: unknown]>;
  locks: Array<[name: string, record: StoreState['locks'][string] | null]>;
}
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
  const dirFd = fs.openSync(dir, 'r');
  try {
    fs.fsyncSync(dirFd);
  } finally {
    fs.closeSync(dirFd);
  }
}

/** The log grows to this many bytes before it is folded into a snapshot. */
const compactAfterBytes = 4 * 1024 * 1024;

/** The write-ahead log of one node's store: append a delta per group commit, fold into a snapshot. */
export class StateLog {
  private fd: number | null = null;
  private bytes: number;

  constructor(private readonly dir: string) {
    try {
      this.bytes = fs.statSync(path.join(dir, logFileName)).size;
    } catch {
      this.bytes = 0;
    }
  }

  /** Appends one delta and waits for the disk; false when the log should now be folded (compact). */
  append(delta: StateDelta): boolean {
    const body = JSON.stringify(delta);
    const line = `${createHash('sha256').update(body).digest('hex')} ${body}\n`;
    // O_DSYNC: the write returns once the data is on disk, one system call instead of two.
    const { O_WRONLY, O_APPEND, O_CREAT, O_DSYNC } = fs.constants;
    this.fd ??= fs.openSync(path.join(this.dir, logFileName), O_WRONLY | O_APPEND | O_CREAT | O_DSYNC, 0o600);
    fs.writeSync(this.fd, line);
    this.bytes += Buffer.byteLength(line);
    return this.bytes < compactAfterBytes;
  }

  /** A new snapshot holds everything: write it atomically, then empty the log. */
  compact(state: StoreState): void {
    saveState(this.dir, state);
    this.close();
    fs.rmSync(path.join(this.dir, logFileName), { force: true });
    this.bytes = 0;
  }

  close(): void {
    if (this.fd !== null) fs.closeSync(this.fd);
    this.fd = null;
  }
}

function applyDelta(state: StoreState, delta: StateDelta): void {
  state.epoch = delta.epoch;
  state.epochMembers = delta.epochMembers;
  state.version = delta.version;
  state.demoted = delta.demoted;
  for (const entry of delta.docs) {
    const [type, key] = entry;
    const docs = (state.docs[type] ??= {});
    if (entry.length === 3) docs[key] = entry[2];
    else delete docs[key];
  }
  for (const [name, record] of delta.locks) {
    if (record === null) delete state.locks[name];
    else state.locks[name] = record;
  }
}

/**
 * Replays the log over the snapshot. A torn last line (a crash mid-append, never acknowledged)
 * is cut off and reported through `onTornTail`; a bad line with good lines after it means the
 * file cannot be trusted.
 */
function replayLog(dir: string, state: StoreState, onTornTail: (message: string) => void): StoreState {
  const file = path.join(dir, logFileName);
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return state;
    throw err;
  }
  const lines = text.split('\n');
  let goodBytes = 0;
  for (const [i, line] of lines.entries()) {
    if (line === '') {
      goodBytes += 1;
      continue;
    }
    const space = line.indexOf(' ');
    const body = line.slice(space + 1);
    const valid = space === 64 && createHash('sha256').update(body).digest('hex') === line.slice(0, space);
    if (!valid) {
      const rest = lines.slice(i + 1).some((l) => l !== '');
      if (rest) throw new CorruptStateError(file, `line ${i + 1} fails its checksum and later lines follow`);
      onTornTail(`${file}: line ${i + 1} is torn (a crash while it was written); cut off, it was never acknowledged`);
      fs.truncateSync(file, goodBytes);
      break;
    }
    const delta = JSON.parse(body) as StateDelta;
    // Records already folded into the snapshot (a crash between snapshot and log removal).
    if (delta.epoch > state.epoch || (delta.epoch === state.epoch && delta.version > state.version)) applyDelta(state, delta);
    goodBytes += Buffer.byteLength(line) + 1;
  }
  return state;
}

/** Loads the snapshot and replays the log: null when there is nothing yet; CorruptStateError when it cannot be trusted. */
export function loadState(dir: string, onTornTail: (message: string) => void = () => undefined): StoreState | null {
  const snapshot = loadSnapshot(dir);
  const hasLog = fs.existsSync(path.join(dir, logFileName));
  if (snapshot === null && !hasLog) return null;
  return replayLog(dir, snapshot ?? emptyState(), onTornTail);
}

function loadSnapshot(dir: string): StoreState | null {
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
