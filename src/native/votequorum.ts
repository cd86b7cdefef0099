import type { RawErrorEvent, RawVotequorumEvent, RawVotequorumHandle, RawVotequorumInfo } from './addon';
import { LibraryConnection } from './library-connection';
import { loadAddon } from './loader';
import type { RingId } from './ring-id';
import { trackCurrentAndChanges } from './track-flags';
import { requireName, requireUint32 } from './validate';

/**
 * getInfo(localNodeAlias) answers for the local node: votequorum maps node id 0
 * (VOTEQUORUM_QDEVICE_NODEID) to "us". The device's votes, name and flags are part of every answer.
 */
export const localNodeAlias = 0;
/** VOTEQUORUM_QDEVICE_MAX_NAME_LEN is 255 including the terminator. */
export const qdeviceMaxNameBytes = 254;

/** VOTEQUORUM_INFO_* flag bits. */
export const VotequorumFlags = {
  twoNode: 1,
  quorate: 2,
  waitForAll: 4,
  lastManStanding: 8,
  autoTieBreaker: 16,
  allowDownscale: 32,
  qdeviceRegistered: 64,
  qdeviceAlive: 128,
  qdeviceCastVote: 256,
  qdeviceMasterWins: 512,
} as const;

export type VotequorumFlagName = keyof typeof VotequorumFlags;

/** VOTEQUORUM_NODESTATE_*. */
export const NodeState = { member: 1, dead: 2, leaving: 3 } as const;

export interface VotequorumInfo extends RawVotequorumInfo {
  /** The flag bits decoded. For the local node, qdevice* say what this node sees of the device. */
  flagSet: Record<VotequorumFlagName, boolean>;
}

export interface VotequorumQuorumNotification {
  quorate: boolean;
  nodes: { nodeId: number; state: number }[];
}

export interface VotequorumEvents {
  quorum: [VotequorumQuorumNotification];
  /** The membership changed; ringId is the one a quorum device must poll with. */
  nodelist: [{ ringId: RingId; members: number[] }];
  expectedVotes: [number];
  error: [Error];
}

export function decodeVotequorumFlags(flags: number): Record<VotequorumFlagName, boolean> {
  const entries = Object.entries(VotequorumFlags).map(([name, bit]) => [name, (flags & bit) !== 0]);
  return Object.fromEntries(entries) as Record<VotequorumFlagName, boolean>;
}

/** libvotequorum: votes and quorum per node, and the calls of a quorum device. */
export class Votequorum extends LibraryConnection<VotequorumEvents, RawVotequorumHandle, Exclude<RawVotequorumEvent, RawErrorEvent>> {
  static open(): Votequorum {
    const addon = loadAddon();
    return new Votequorum((onEvent) => new addon.VotequorumHandle(onEvent));
  }

  /** Info of one node (localNodeAlias for this node); CS_ERR_NOT_EXIST for an unknown node. */
  getInfo(nodeId: number): VotequorumInfo {
    const info = this.raw.getInfo(requireUint32('node id', nodeId));
    return { ...info, flagSet: decodeVotequorumFlags(info.flags) };
  }

  trackStart(flags: number = trackCurrentAndChanges): void {
    this.raw.trackStart(requireUint32('track flags', flags));
  }

  trackStop(): void {
    this.raw.trackStop();
  }

  /** Registers a quorum device (starts not alive); CS_ERR_ACCESS if corosync.conf has no usable device. */
  qdeviceRegister(name: string): void {
    this.raw.qdeviceRegister(requireName('quorum device name', name, qdeviceMaxNameBytes));
  }

  qdeviceUnregister(name: string): void {
    this.raw.qdeviceUnregister(requireName('quorum device name', name, qdeviceMaxNameBytes));
  }

  qdeviceUpdate(oldName: string, newName: string): void {
    this.raw.qdeviceUpdate(
      requireName('old quorum device name', oldName, qdeviceMaxNameBytes),
      requireName('new quorum device name', newName, qdeviceMaxNameBytes),
    );
  }

  /**
   * Marks the device alive and casts (or withdraws) its vote until quorum.device.timeout passes
   * without another poll. ringId must be the current one (CS_ERR_MESSAGE_ERROR otherwise).
   */
  qdevicePoll(name: string, castVote: boolean, ringId: RingId): void {
    if (typeof castVote !== 'boolean') throw new TypeError('castVote must be a boolean');
    if (typeof ringId !== 'object' || ringId === null || typeof ringId.seq !== 'bigint') {
      throw new TypeError('ringId must be {nodeId: number, seq: bigint}');
    }
    requireUint32('ring id node id', ringId.nodeId);
    this.raw.qdevicePoll(requireName('quorum device name', name, qdeviceMaxNameBytes), castVote, ringId);
  }

  qdeviceMasterWins(name: string, allow: boolean): void {
    if (typeof allow !== 'boolean') throw new TypeError('allow must be a boolean');
    this.raw.qdeviceMasterWins(requireName('quorum device name', name, qdeviceMaxNameBytes), allow);
  }

  protected override route(event: Exclude<RawVotequorumEvent, RawErrorEvent>): void {
    switch (event.type) {
      case 'quorum':
        this.emit('quorum', { quorate: event.quorate, nodes: event.nodes });
        break;
      case 'nodelist':
        this.emit('nodelist', { ringId: event.ringId, members: event.members });
        break;
      case 'expectedVotes':
        this.emit('expectedVotes', event.expectedVotes);
        break;
    }
  }
}
