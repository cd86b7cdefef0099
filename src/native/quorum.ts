import type { RawErrorEvent, RawQuorumEvent, RawQuorumHandle } from './addon';
import { LibraryConnection } from './library-connection';
import { loadAddon } from './loader';
import type { RingId } from './ring-id';
import { trackCurrentAndChanges } from './track-flags';
import { requireUint32 } from './validate';

export interface QuorumNotification {
  quorate: boolean;
  ringId: RingId;
  members: number[];
}

export interface QuorumNodelistNotification {
  ringId: RingId;
  members: number[];
  joined: number[];
  left: number[];
}

export interface QuorumEvents {
  quorum: [QuorumNotification];
  nodelist: [QuorumNodelistNotification];
  error: [Error];
}

/** libquorum: whether this partition is quorate, with a notification on every change. */
export class Quorum extends LibraryConnection<QuorumEvents, RawQuorumHandle, Exclude<RawQuorumEvent, RawErrorEvent>> {
  static open(): Quorum {
    const addon = loadAddon();
    return new Quorum((onEvent) => new addon.QuorumHandle(onEvent));
  }

  quorate(): boolean {
    return this.raw.getQuorate();
  }

  /** False when corosync runs without a quorum provider (no votequorum). */
  hasQuorumProvider(): boolean {
    return this.raw.quorumType() === 1;
  }

  /** Starts notifications: by default the current state at once, then every change. */
  trackStart(flags: number = trackCurrentAndChanges): void {
    this.raw.trackStart(requireUint32('track flags', flags));
  }

  trackStop(): void {
    this.raw.trackStop();
  }

  protected override route(event: Exclude<RawQuorumEvent, RawErrorEvent>): void {
    switch (event.type) {
      case 'quorum':
        this.emit('quorum', { quorate: event.quorate, ringId: event.ringId, members: event.members });
        break;
      case 'nodelist':
        this.emit('nodelist', { ringId: event.ringId, members: event.members, joined: event.joined, left: event.left });
        break;
    }
  }
}
