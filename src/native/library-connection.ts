import { EventEmitter } from 'node:events';
import type { RawErrorEvent, RawLibraryHandle } from './addon';

/**
 * What the wrappers of the corosync libraries share: the raw addon handle, its events turned into
 * typed ones by `route`, and the handle's lifetime (setRef, close).
 */
export abstract class LibraryConnection<
  Events extends Record<keyof Events, unknown[]> & { error: [Error] },
  Raw extends RawLibraryHandle,
  RawEvent extends { type: string },
> extends EventEmitter<Events> {
  protected readonly raw: Raw;
  private lostWith: Error | undefined;

  /** `connect` creates the raw handle (the addon's, or a test double) with the event sink. */
  constructor(connect: (onEvent: (event: RawEvent | RawErrorEvent) => void) => Raw) {
    super();
    this.raw = connect((event) => (event.type === 'error' ? this.lost((event as RawErrorEvent).error) : this.route(event as RawEvent)));
  }

  /** Why the connection to corosync broke (the daemon stopped), if it did. */
  get connectionError(): Error | undefined {
    return this.lostWith;
  }

  /**
   * Whether an open handle keeps the process and itself alive (default true, like a socket).
   * After setRef(false) an unreferenced handle is finalized by the garbage collector.
   */
  setRef(ref: boolean): void {
    this.raw.setRef(ref);
  }

  /** Finalizes the library handle; idempotent. Later calls throw HandleClosedError. */
  close(): void {
    this.raw.close();
  }

  protected abstract route(event: RawEvent): void;

  /**
   * The library's dispatch failed: no further events follow and later calls throw. Reported as
   * 'error' when someone listens; otherwise as a process warning, because an unhandled 'error'
   * event would crash the process.
   */
  private lost(error: Error): void {
    this.lostWith = error;
    // The event map's typing does not reach into this generic base; the 'error' event is in every map.
    const emitter = this as unknown as EventEmitter;
    if (emitter.listenerCount('error') > 0) {
      emitter.emit('error', error);
    } else {
      process.emitWarning(error.message, { code: 'QUORATE_COROSYNC_LOST' });
    }
  }
}
