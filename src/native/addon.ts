/**
 * Typed declarations of the raw addon (build/Release/quorate_native.node, sources in native/).
 * Only the wrappers in this folder use these directly.
 */
import type { NativeErrorDetails } from './errors';

export interface RawRingId {
  nodeId: number;
  seq: bigint;
}

export interface RawCpgAddress {
  nodeId: number;
  pid: number;
  /** cpg_reason_t: 1 join, 2 leave, 3 node down, 4 node up, 5 process down. */
  reason: number;
}

export type RawCpgEvent =
  | { type: 'deliver'; group: string; nodeId: number; pid: number; data: Buffer }
  | { type: 'confchg'; group: string; members: RawCpgAddress[]; left: RawCpgAddress[]; joined: RawCpgAddress[] }
  | { type: 'totemConfchg'; ringId: RawRingId; members: number[] }
  | RawErrorEvent;

/** The library's dispatch failed (corosync went away): no further events follow. */
export interface RawErrorEvent {
  type: 'error';
  error: Error;
}

/** Methods every corosync library handle has. */
export interface RawLibraryHandle {
  /** false lets the process exit while the handle is open. */
  setRef(ref: boolean): void;
  /** Finalizes the library handle; idempotent. */
  close(): void;
}

export interface RawCpgHandle extends RawLibraryHandle {
  join(group: string): void;
  leave(group: string): void;
  mcastJoined(data: Uint8Array): void;
  membershipGet(group: string): RawCpgAddress[];
  localGet(): number;
  flowControlEnabled(): boolean;
  maxAtomicMsgSize(): number;
}

export type RawQuorumEvent =
  | { type: 'quorum'; quorate: boolean; ringId: RawRingId; members: number[] }
  | { type: 'nodelist'; ringId: RawRingId; members: number[]; joined: number[]; left: number[] }
  | RawErrorEvent;

export interface RawQuorumHandle extends RawLibraryHandle {
  getQuorate(): boolean;
  quorumType(): number;
  trackStart(flags: number): void;
  trackStop(): void;
}

export interface RawVotequorumInfo {
  nodeId: number;
  state: number;
  votes: number;
  expectedVotes: number;
  highestExpected: number;
  totalVotes: number;
  quorum: number;
  flags: number;
  qdeviceVotes: number;
  qdeviceName: string;
}

export type RawVotequorumEvent =
  | { type: 'quorum'; quorate: boolean; nodes: { nodeId: number; state: number }[] }
  | { type: 'nodelist'; ringId: RawRingId; members: number[] }
  | { type: 'expectedVotes'; expectedVotes: number }
  | RawErrorEvent;

export interface RawVotequorumHandle extends RawLibraryHandle {
  getInfo(nodeId: number): RawVotequorumInfo;
  trackStart(flags: number): void;
  trackStop(): void;
  qdeviceRegister(name: string): void;
  qdeviceUnregister(name: string): void;
  qdeviceUpdate(oldName: string, newName: string): void;
  qdevicePoll(name: string, castVote: boolean, ringId: RawRingId): void;
  qdeviceMasterWins(name: string, allow: boolean): void;
}

export type RawCmapValue = number | bigint | string | Buffer;

export interface RawCmapEntry {
  key: string;
  /** cmap_value_types_t */
  type: number;
  value: RawCmapValue;
}

export type RawCmapEvent =
  | {
      type: 'track';
      trackId: number;
      /** CMAP_TRACK_ADD (4), DELETE (1) or MODIFY (2). */
      event: number;
      key: string;
      newValue: RawCmapEntry | null;
      oldValue: RawCmapEntry | null;
    }
  | RawErrorEvent;

export interface RawCmapHandle extends RawLibraryHandle {
  get(key: string): RawCmapEntry;
  set(key: string, type: number, value: RawCmapValue | Uint8Array): void;
  delete(key: string): void;
  iterate(prefix: string): RawCmapEntry[];
  trackAdd(key: string, flags: number): number;
  trackDelete(trackId: number): void;
}

export interface RawWatchdogSupport {
  options: number;
  firmwareVersion: number;
  identity: string;
}

export interface RawWatchdogHandle {
  getSupport(): RawWatchdogSupport;
  getTimeout(): number;
  setTimeout(seconds: number): number;
  keepalive(): void;
  getBootStatus(): number;
  close(magic: boolean): void;
}

export interface RawAddon {
  setErrorFactory(factory: (details: NativeErrorDetails) => Error): void;
  CpgHandle: new (onEvent: (event: RawCpgEvent) => void) => RawCpgHandle;
  QuorumHandle: new (onEvent: (event: RawQuorumEvent) => void) => RawQuorumHandle;
  VotequorumHandle: new (onEvent: (event: RawVotequorumEvent) => void) => RawVotequorumHandle;
  CmapHandle: new (onEvent: (event: RawCmapEvent) => void, map: number) => RawCmapHandle;
  WatchdogHandle: new (path: string) => RawWatchdogHandle;
  /** One datagram to systemd's notify socket ('@' names are abstract); throws on failure. */
  sdNotify(socketPath: string, message: string): void;
}
