import fs from 'node:fs';
import path from 'node:path';
import { createHash } from 'node:crypto';
import { applyOperation } from './apply';
import type { DocumentRegistry } from './documents';
import { CorruptStateError } from './errors';
import { decodeOperation, type Operation } from './messages';
import { fsyncDir, loadState, saveState } from './persistence';
import { emptyState, type StoreState } from './state';

/**
 * Persistence of one node's store as a snapshot (persistence.ts, `store.json`) plus an
 * append-only log (`store.log`) of the operations applied since. Each line of the log is one
 * batch, the operations CPG delivered together, written with one write and one fdatasync:
 *   <first 16 hex digits of sha256(json)> <json of JournalRecord>\n
 * Replay applies each batch on top of the snapshot. A line that is incomplete or fails its
 * checksum ends the log: it and everything after it are reported and cut off (a torn tail is
 * a batch that never reached disk, so none of its operations were acknowledged).
 */
export const journalFileName = 'store.log';
const checksumLength = 16;

/** One batch of applied operations and the state header right after it. */
export interface JournalRecord {
  /** Version before the batch: replay refuses a record that does not continue the state. */
  from: number;
  version: number;
  epoch: number;
  epochMembers: number;
  demoted: boolean;
  /** [sender node id, operation], in agreed order; only operations that changed the state. */
  ops: Array<[number, Operation]>;
}

export interface LoadedJournal {
  /** Null when nothing was ever persisted. */
  state: StoreState | null;
  /** Why the log was cut short, when it was (reported by the store as a warning). */
  truncated: string | null;
}

function checksum(json: string): string {
  return createHash('sha256').update(json).digest('hex').slice(0, checksumLength);
}

function parseRecord(line: string): JournalRecord | string {
  const sum = line.slice(0, checksumLength);
  const json = line.slice(checksumLength + 1);
  if (line[checksumLength] !== ' ' || checksum(json) !== sum) return 'checksum mismatch';
  let raw: unknown;
  try {
    raw = JSON.parse(json);
  } catch {
    return 'not valid JSON';
  }
  const r = raw as Partial<JournalRecord>;
  const ints = [r.from, r.version, r.epoch, r.epochMembers];
  if (!ints.every((v) => Number.isSafeInteger(v)) || typeof r.demoted !== 'boolean' || !Array.isArray(r.ops)) return 'not a journal record';
  const ops: Array<[number, Operation]> = [];
  for (const entry of r.ops as unknown[]) {
    if (!Array.isArray(entry) || entry.length !== 2 || !Number.isSafeInteger(entry[0])) return 'malformed operation entry';
    ops.push([entry[0] as number, decodeOperation(entry[1])]);
  }
  return { ...(r as JournalRecord), ops };
}

export class Journal {
  private fd: number | null = null;
  private bytes = 0;

  constructor(private readonly dir: string, private readonly registry: DocumentRegistry) {}

  get file(): string {
    return path.join(this.dir, journalFileName);
  }

  /** Bytes in the log since the last snapshot. */
  get size(): number {
    return this.bytes;
  }

  /**
   * Loads the snapshot and replays the log on it, cutting off a torn or corrupt tail on disk.
   * Throws CorruptStateError when the snapshot cannot be trusted or the log does not fit it.
   */
  load(): LoadedJournal {
    const snapshot = loadState(this.dir);
    let text: string;
    try {
      text = fs.readFileSync(this.file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      text = '';
    }
    if (snapshot === null && text === '') return { state: null, truncated: null };
    const state = snapshot ?? emptyState();
    let offset = 0;
    let truncated: string | null = null;
    while (offset < text.length) {
      const end = text.indexOf('\n', offset);
      const problem = end < 0 ? 'incomplete last record (torn write)' : this.replay(state, text.slice(offset, end));
      if (problem !== null) {
        const at = Buffer.byteLength(text.slice(0, offset));
        truncated = `${this.file}: ${problem} at byte ${at}; cut off ${Buffer.byteLength(text) - at} bytes, the node catches up from its peers`;
        fs.truncateSync(this.file, at);
        break;
      }
      offset = end + 1;
    }
    this.bytes = Buffer.byteLength(text.slice(0, offset));
    return { state, truncated };
  }

  /** Applies one log line to `state`; returns why it cannot be used, or null. */
  private replay(state: StoreState, line: string): string | null {
    let record: JournalRecord | string;
    try {
      record = parseRecord(line);
    } catch (err) {
      return err instanceof Error ? err.message : String(err);
    }
    if (typeof record === 'string') return record;
    if (record.version <= state.version) return null; // already in the snapshot (compaction stopped before the cut)
    if (record.from !== state.version) {
      throw new CorruptStateError(this.file, `a record continues version ${record.from} but the state is at version ${state.version}`);
    }
    for (const [sender, op] of record.ops) applyOperation(state, this.registry, sender, op);
    if (state.version !== record.version) {
      throw new CorruptStateError(this.file, `replaying a record reached version ${state.version} instead of ${record.version}`);
    }
    state.epoch = record.epoch;
    state.epochMembers = record.epochMembers;
    state.demoted = record.demoted;
    return null;
  }

  /** Appends one batch: one write and one fdatasync, so the batch is on disk when this returns. */
  append(record: JournalRecord): void {
    const json = JSON.stringify(record);
    const line = Buffer.from(`${checksum(json)} ${json}\n`);
    const fd = this.open();
    fs.writeSync(fd, line);
    fs.fdatasyncSync(fd);
    this.bytes += line.length;
  }

  /** Writes `state` as the new snapshot (atomically), then empties the log. */
  compact(state: StoreState): void {
    saveState(this.dir, state);
    const fd = this.open();
    fs.ftruncateSync(fd, 0);
    fs.fdatasyncSync(fd);
    this.bytes = 0;
  }

  close(): void {
    if (this.fd !== null) fs.closeSync(this.fd);
    this.fd = null;
  }

  private open(): number {
    if (this.fd === null) {
      const existed = fs.existsSync(this.file);
      this.fd = fs.openSync(this.file, 'a', 0o600);
      if (!existed) fsyncDir(this.dir);
    }
    return this.fd;
  }
}
