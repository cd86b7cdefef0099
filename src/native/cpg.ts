import type { RawErrorEvent, RawCpgAddress, RawCpgEvent, RawCpgHandle } from './addon';
import { LibraryConnection } from './library-connection';
import { loadAddon } from './loader';
import type { RingId } from './ring-id';
import { requireName } from './validate';

/** CPG_MAX_NAME_LENGTH is 128 including room for a terminator. */
export const cpgMaxGroupBytes = 127;

export type CpgAddress = RawCpgAddress;

export interface CpgMessage {
  group: string;
  nodeId: number;
  pid: number;
  data: Buffer;
}

export interface CpgConfchg {
  group: string;
  members: CpgAddress[];
  left: CpgAddress[];
  joined: CpgAddress[];
}

export interface TotemConfchg {
  ringId: RingId;
  members: number[];
}

export interface CpgEvents {
  /** A message of the joined group, in agreed order (the same order on every member). */
  deliver: [CpgMessage];
  /** The group's process membership changed. */
  confchg: [CpgConfchg];
  /** The totem (node) membership changed; also once right after open. */
  totemConfchg: [TotemConfchg];
  /** The connection to corosync broke; no further events follow. */
  error: [Error];
}

/** A closed process group connection (libcpg): join one group, send and receive in agreed order. */
export class Cpg extends LibraryConnection<CpgEvents, RawCpgHandle, Exclude<RawCpgEvent, RawErrorEvent>> {
  private group: string | null = null;
  private isClosed = false;

  /** Connects to the corosync of this network namespace. */
  static open(): Cpg {
    const addon = loadAddon();
    return new Cpg((onEvent) => new addon.CpgHandle(onEvent));
  }

  get closed(): boolean {
    return this.isClosed;
  }

  /** The group this handle joined, if any. */
  get joinedGroup(): string | null {
    return this.group;
  }

  join(group: string): void {
    requireName('CPG group name', group, cpgMaxGroupBytes);
    if (this.group !== null && !this.isClosed) {
      throw new Error(`this CPG handle already joined group ${JSON.stringify(this.group)}; open another handle`);
    }
    this.raw.join(group);
    this.group = group;
  }

  leave(): void {
    if (this.group === null) throw new Error('this CPG handle has not joined a group');
    this.raw.leave(this.group);
    this.group = null;
  }

  /** Multicasts to the joined group in agreed order; CS_ERR_TRY_AGAIN means flow control, retry later. */
  send(data: Uint8Array | string): void {
    if (typeof data !== 'string' && !(data instanceof Uint8Array)) {
      throw new TypeError('CPG message must be a Uint8Array or a string');
    }
    if (this.group === null && !this.isClosed) throw new Error('join a CPG group before sending');
    this.raw.mcastJoined(typeof data === 'string' ? Buffer.from(data) : data);
  }

  /** Current process members of a group (the joined one by default). */
  members(group: string | null = this.group): CpgAddress[] {
    if (group === null) throw new Error('no CPG group given and none joined');
    requireName('CPG group name', group, cpgMaxGroupBytes);
    return this.raw.membershipGet(group);
  }

  localNodeId(): number {
    return this.raw.localGet();
  }

  flowControlEnabled(): boolean {
    return this.raw.flowControlEnabled();
  }

  maxAtomicMessageSize(): number {
    return this.raw.maxAtomicMsgSize();
  }

  /** Finalizes the connection (leaving the group); further calls throw HandleClosedError. */
  override close(): void {
    this.isClosed = true;
    super.close();
  }

  protected override route(event: Exclude<RawCpgEvent, RawErrorEvent>): void {
    switch (event.type) {
      case 'deliver':
        this.emit('deliver', { group: event.group, nodeId: event.nodeId, pid: event.pid, data: event.data });
        break;
      case 'confchg':
        this.emit('confchg', { group: event.group, members: event.members, left: event.left, joined: event.joined });
        break;
      case 'totemConfchg':
        this.emit('totemConfchg', { ringId: event.ringId, members: event.members });
        break;
    }
  }
}
