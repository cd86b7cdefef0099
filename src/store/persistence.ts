import fs from 'node:fs';
import path from 'node:path';
import { createHash } from 'node:crypto';
import { nodeDisk, type StoreDisk } from './disk';
import { CorruptStateError, StoreDiskError } from './errors';
import { emptyState, type StoreState } from './state';

/**
 * On-disk format, per node: a snapshot `<dir>/store.json`
 *   {"format":2,"sha256":"<hex of body>","body":"<JSON of StoreState>"}
 * (the body is kept as a string so the checksum covers exactly the bytes that were written) and
 * a write-ahead log `<dir>/store.log` of what changed since: one line per group commit,
 *   <sha256 hex of body> <JSON of StateDelta>
 * appended through O_DSYNC (one small synchronous write instead of rewriting the whole state twice synced).
 * The log is folded into a new snapshot when it grows, and after every state the node adopts.
 *
 * Every write is checked whole: a short write is continued until it completes or fails, and any
 * failing step (open, write, fsync, close, rename, directory fsync) throws StoreDiskError, so the
 * caller acknowledges nothing that is not entirely on disk. A snapshot replaces the old one only
 * once it is complete and synced; the log is removed only once the new snapshot is durable.
 */
export const stateFileName = 'store.json';
export const logFileName = 'store.log';

/** The scalars of the state and the documents and locks one group commit changed (a document without a value, a null lock: gone). */
export interface StateDelta {
  epoch: number;
  epochMembers: number[];
  version: number;
  demoted: boolean;
  docs: Array<[type: string, key: string, value?: unknown]>;
  locks: Array<[name: string, record: StoreState['locks'][string] | null]>;
}
/** 2: epochMembers lists the node ids (1 had their count). */
const formatVersion = 2;

/**
 * A format-1 record (snapshot body or log line) held the partition's member count where format 2
 * lists the members. The ids cannot be recovered, so an upgraded copy names none: between copies
 * upgraded alike the heal rule then compares versions within the epoch, and nothing recorded is
 * dropped on upgrade. The next snapshot is written in format 2.
 */
function upgradeFormat1(record: unknown): unknown {
  if (typeof record === 'object' && record !== null && typeof (record as { epochMembers?: unknown }).epochMembers === 'number') {
    return { ...record, epochMembers: [] };
  }
  return record;
}

export function stateFilePath(dir: string): string {
  return path.join(dir, stateFileName);
}

const { O_WRONLY, O_RDONLY, O_CREAT, O_TRUNC, O_APPEND, O_DSYNC } = fs.constants;

/** One step of writing `file`: a system error becomes a StoreDiskError naming the step and the file. */
function step<T>(action: string, file: string, run: () => T): T {
  try {
    return run();
  } catch (err) {
    if (err instanceof StoreDiskError) throw err;
    throw new StoreDiskError(action, file, err);
  }
}

/** Writes all of `data`: write(2) may write less (a full disk), so the rest follows until it is written or fails. */
function writeAll(disk: StoreDisk, fd: number, data: Buffer, file: string): void {
  for (let done = 0; done < data.length;) {
    const written = step('writing', file, () => disk.write(fd, data, done, data.length - done));
    if (written <= 0) throw new StoreDiskError('writing', file, new Error(`wrote ${done} of ${data.length} bytes, then nothing`));
    done += written;
  }
}

/** Runs `use` on `fd`, then closes it; a failing close counts, unless `use` already failed (that error is the one to report). */
function withFd<T>(disk: StoreDisk, fd: number, file: string, use: () => T): T {
  let result: T;
  try {
    result = use();
  } catch (err) {
    try {
      disk.close(fd);
    } catch {
      // The error of `use` is on its way; the descriptor is gone either way.
    }
    throw err;
  }
  step('closing', file, () => disk.close(fd));
  return result;
}

/** Makes the directory's entries durable: a file created, renamed over another or removed. */
function syncDir(disk: StoreDisk, dir: string): void {
  const fd = step('opening the directory', dir, () => disk.open(dir, O_RDONLY));
  withFd(disk, fd, dir, () => step('syncing the directory', dir, () => disk.fsync(fd)));
}

/** Writes atomically: temp file written whole and synced, renamed over the old file, directory synced. */
export function saveState(dir: string, state: StoreState, disk: StoreDisk = nodeDisk): void {
  const body = JSON.stringify(state);
  const sha256 = createHash('sha256').update(body).digest('hex');
  const data = Buffer.from(JSON.stringify({ format: formatVersion, sha256, body }));
  const file = stateFilePath(dir);
  const tmp = `${file}.tmp`;
  try {
    const fd = step('creating', tmp, () => disk.open(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0o600));
    withFd(disk, fd, tmp, () => {
      writeAll(disk, fd, data, tmp);
      step('syncing', tmp, () => disk.fsync(fd));
    });
    step(`renaming over ${file}:`, tmp, () => disk.rename(tmp, file));
  } catch (err) {
    // The old snapshot is untouched; what the temp file took of a full disk is given back.
    try {
      disk.unlink(tmp);
    } catch {
      // Absent, or the disk refuses even this: a leftover temp file is truncated by the next save and never read.
    }
    throw err;
  }
  syncDir(disk, dir);
}

/**
 * The start-up check of the state directory: a file can be created there, written, synced and
 * removed. Throws StoreDiskError naming the directory and the system error (EROFS, ENOSPC, EACCES, ...).
 */
export function checkStateDirWritable(dir: string, disk: StoreDisk = nodeDisk): void {
  const probe = path.join(dir, '.write-check');
  const fd = step('creating', probe, () => disk.open(probe, O_WRONLY | O_CREAT | O_TRUNC, 0o600));
  withFd(disk, fd, probe, () => {
    writeAll(disk, fd, Buffer.from('quorate\n'), probe);
    step('syncing', probe, () => disk.fsync(fd));
  });
  step('removing', probe, () => disk.unlink(probe));
  syncDir(disk, dir);
}

/** The log grows to this many bytes before it is folded into a snapshot. */
const compactAfterBytes = 4 * 1024 * 1024;

/** The write-ahead log of one node's store: append a delta per group commit, fold into a snapshot. */
export class StateLog {
  private fd: number | null = null;
  /** Bytes of complete lines in the file. */
  private bytes: number;
  /** After a failed append the tail is not trusted: only a snapshot (compact) may follow. */
  private failed = false;
  private readonly file: string;

  constructor(private readonly dir: string, private readonly disk: StoreDisk = nodeDisk) {
    this.file = path.join(dir, logFileName);
    this.bytes = step('reading the size of', this.file, () => disk.size(this.file)) ?? 0;
  }

  /**
   * Appends one delta, on disk when it returns; false when the log should now be folded (compact).
   * Throws StoreDiskError; after that the log's tail (and, after EIO, the page cache) is not
   * trusted, so the next record must be a whole snapshot (compact), not an append.
   */
  append(delta: StateDelta): boolean {
    if (this.failed) throw new Error('the write-ahead log needs a snapshot before the next append');
    const body = JSON.stringify(delta);
    const line = Buffer.from(`${createHash('sha256').update(body).digest('hex')} ${body}\n`);
    try {
      if (this.fd === null) {
        // O_DSYNC: a write returns once its data is on disk, one system call instead of two.
        this.fd = step('opening', this.file, () => this.disk.open(this.file, O_WRONLY | O_APPEND | O_CREAT | O_DSYNC, 0o600));
        // A log created now must be found after a crash: its directory entry is synced too.
        syncDir(this.disk, this.dir);
      }
      writeAll(this.disk, this.fd, line, this.file);
    } catch (err) {
      this.failed = true;
      this.cutBack();
      throw err;
    }
    this.bytes += line.length;
    return this.bytes < compactAfterBytes;
  }

  /** A new snapshot holds everything: write it atomically, then remove the log. Throws StoreDiskError (the log then stays). */
  compact(state: StoreState): void {
    saveState(this.dir, state, this.disk);
    this.close();
    if (step('reading the size of', this.file, () => this.disk.size(this.file)) !== null) step('removing', this.file, () => this.disk.unlink(this.file));
    syncDir(this.disk, this.dir);
    this.bytes = 0;
    this.failed = false;
  }

  /** Closes the log file; throws StoreDiskError when the close fails. */
  close(): void {
    const fd = this.fd;
    if (fd === null) return;
    this.fd = null;
    step('closing', this.file, () => this.disk.close(fd));
  }

  /**
   * After a failed append: cuts what part of the line reached the file, so a restart before the
   * next snapshot finds only complete lines. Best effort: if the disk refuses, the partial line
   * has no newline and a restart cuts it as a torn write; the running store writes a snapshot next.
   */
  private cutBack(): void {
    const fd = this.fd;
    this.fd = null;
    if (fd === null) return;
    try {
      this.disk.ftruncate(fd, this.bytes);
    } catch {
      // See above: the append's own error is the one reported.
    }
    try {
      this.disk.close(fd);
    } catch {
      // As above.
    }
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

const isInt = (v: unknown): v is number => Number.isSafeInteger(v);
const isLock = (v: unknown): boolean => v === null || (typeof v === 'object' && isInt((v as Record<string, unknown>).holder) && isInt((v as Record<string, unknown>).generation));

/** A log line's body that passed its checksum but is not a delta was written by something else. */
function isDelta(v: unknown): v is StateDelta {
  if (typeof v !== 'object' || v === null) return false;
  const d = v as Record<string, unknown>;
  return isInt(d.epoch) && Array.isArray(d.epochMembers) && d.epochMembers.every(isInt) && isInt(d.version) && typeof d.demoted === 'boolean'
    && Array.isArray(d.docs) && d.docs.every((e) => Array.isArray(e) && (e.length === 2 || e.length === 3) && typeof e[0] === 'string' && typeof e[1] === 'string')
    && Array.isArray(d.locks) && d.locks.every((e) => Array.isArray(e) && e.length === 2 && typeof e[0] === 'string' && isLock(e[1]));
}

function readOrNull(disk: StoreDisk, file: string): Buffer | null {
  try {
    return disk.readFile(file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new StoreDiskError('reading', file, err);
  }
}

/**
 * Replays the log over the snapshot. Only an incomplete last line (no newline: a write cut off
 * by a crash or a full disk, never acknowledged) is a torn write: it is cut off and reported
 * through `onTornTail`. A complete line that fails its checksum is corruption, wherever it is.
 */
function replayLog(dir: string, state: StoreState, onTornTail: (message: string) => void, disk: StoreDisk): StoreState {
  const file = path.join(dir, logFileName);
  const data = readOrNull(disk, file);
  if (data === null) return state;
  const completeBytes = data.lastIndexOf(0x0a) + 1;
  const lines = data.subarray(0, completeBytes).toString('utf8').split('\n').slice(0, -1);
  for (const [i, line] of lines.entries()) {
    const space = line.indexOf(' ');
    const body = line.slice(space + 1);
    if (space !== 64 || createHash('sha256').update(body).digest('hex') !== line.slice(0, space)) {
      throw new CorruptStateError(file, `line ${i + 1} is complete but fails its checksum`);
    }
    let delta: unknown;
    try {
      delta = JSON.parse(body);
    } catch {
      delta = undefined;
    }
    delta = upgradeFormat1(delta);
    if (!isDelta(delta)) throw new CorruptStateError(file, `line ${i + 1} passes its checksum but is not a store record`);
    // Records already folded into the snapshot (a crash between snapshot and log removal).
    if (delta.epoch > state.epoch || (delta.epoch === state.epoch && delta.version > state.version)) applyDelta(state, delta);
  }
  if (completeBytes < data.length) {
    onTornTail(`${file}: line ${lines.length + 1} is torn (incomplete, a write cut off by a crash or a full disk); cut off, it was never acknowledged`);
    const fd = step('opening', file, () => disk.open(file, O_WRONLY));
    withFd(disk, fd, file, () => {
      step('truncating', file, () => disk.ftruncate(fd, completeBytes));
      step('syncing', file, () => disk.fsync(fd));
    });
  }
  return state;
}

/** Loads the snapshot and replays the log: null when there is nothing yet; CorruptStateError when it cannot be trusted, StoreDiskError when it cannot be read. */
export function loadState(dir: string, onTornTail: (message: string) => void = () => undefined, disk: StoreDisk = nodeDisk): StoreState | null {
  const snapshot = loadSnapshot(dir, disk);
  const hasLog = step('reading the size of', path.join(dir, logFileName), () => disk.size(path.join(dir, logFileName))) !== null;
  if (snapshot === null && !hasLog) return null;
  return replayLog(dir, snapshot ?? emptyState(), onTornTail, disk);
}

function loadSnapshot(dir: string, disk: StoreDisk): StoreState | null {
  const file = stateFilePath(dir);
  const data = readOrNull(disk, file);
  if (data === null) return null;
  const text = data.toString('utf8');
  let envelope: unknown;
  try {
    envelope = JSON.parse(text);
  } catch {
    throw new CorruptStateError(file, `not valid JSON (${text.length} bytes; truncated?)`);
  }
  const e = envelope as { format?: unknown; sha256?: unknown; body?: unknown };
  if (typeof envelope !== 'object' || envelope === null || (e.format !== formatVersion && e.format !== 1)) {
    throw new CorruptStateError(file, `unknown format ${JSON.stringify(e.format)} (expected ${formatVersion})`);
  }
  if (typeof e.body !== 'string' || typeof e.sha256 !== 'string') throw new CorruptStateError(file, 'missing body or sha256');
  const actual = createHash('sha256').update(e.body).digest('hex');
  if (actual !== e.sha256) throw new CorruptStateError(file, `checksum mismatch (stored ${e.sha256.slice(0, 12)}…, computed ${actual.slice(0, 12)}…)`);
  let state: StoreState;
  try {
    state = upgradeFormat1(JSON.parse(e.body)) as StoreState;
  } catch {
    throw new CorruptStateError(file, 'body passes its checksum but is not JSON');
  }
  if (typeof state !== 'object' || state === null || !isInt(state.epoch) || !isInt(state.version) || !Array.isArray(state.epochMembers) || typeof state.docs !== 'object' || typeof state.locks !== 'object') {
    throw new CorruptStateError(file, 'body is not a store state');
  }
  return state;
}
