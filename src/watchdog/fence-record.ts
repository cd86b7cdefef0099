/**
 * "Why was this node reset?": the multiplexer writes, at the moment feeding stops for good,
 * which client tripped it, on which condition and when, to a file in the node's state
 * directory that survives the reset (written to a temp file, fsynced, renamed, directory
 * fsynced). The daemon reads it after the node is back and publishes it in the replicated store.
 */
import { closeSync, fsyncSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import type { BootStatus } from './boot-status';

export const defaultFenceRecordPath = '/var/lib/quorate/last-fence.json';

/** Fixed set, a metric label: what made the multiplexer stop feeding. */
export type FenceCondition = 'quorum-lost' | 'arbiter-vote-lost' | 'deadline-missed' | 'client-disconnected' | 'reported-loss';

export interface FenceRecord {
  client: string;
  condition: FenceCondition;
  /** The multiplexer's full sentence (the journal has the same). */
  reason: string;
  /** Wall-clock time feeding stopped (ISO 8601): monotonic time does not survive a reset. */
  at: string;
  device: string;
  /** The device timeout in force: the host reset at most this long after `at`. */
  timeoutMs: number | null;
  /**
   * The device's own word on the boot after it (boot-status.ts), added by the daemon when it
   * publishes the record; absent when the device could not be asked.
   */
  bootStatus?: BootStatus;
}

/** How a trip came about, as MuxCore reports it. */
export type TripKind = { kind: 'reported'; loss: string } | { kind: 'missed' } | { kind: 'disconnected' };

export function fenceCondition(trip: TripKind): FenceCondition {
  if (trip.kind === 'missed') return 'deadline-missed';
  if (trip.kind === 'disconnected') return 'client-disconnected';
  // fencing-conditions.ts reports `${condition.name} lost: …`.
  if (trip.loss.startsWith('quorum lost')) return 'quorum-lost';
  if (trip.loss.startsWith('arbiter-vote lost')) return 'arbiter-vote-lost';
  return 'reported-loss';
}

/** Synchronous on purpose: done before the multiplexer does anything else, with seconds to spare. */
export function writeFenceRecord(path: string, record: FenceRecord): void {
  const temp = `${path}.tmp`;
  const fd = openSync(temp, 'w', 0o600);
  try {
    writeSync(fd, `${JSON.stringify(record)}\n`);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(temp, path);
  const dir = openSync(dirname(path), 'r');
  try {
    fsyncSync(dir);
  } finally {
    closeSync(dir);
  }
}

/** The record left by the last trip, or null when there is none (never fenced, or unreadable: `problem` says why). */
export function readFenceRecord(path: string): { record: FenceRecord | null; problem?: string } {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { record: null };
    return { record: null, problem: `cannot read ${path}: ${(err as Error).message}` };
  }
  try {
    const value = JSON.parse(text) as Partial<FenceRecord>;
    if (typeof value.client !== 'string' || typeof value.condition !== 'string' || typeof value.reason !== 'string' || typeof value.at !== 'string') throw new Error('missing fields');
    return { record: value as FenceRecord };
  } catch (err) {
    return { record: null, problem: `${path} is not a fence record: ${(err as Error).message}` };
  }
}
