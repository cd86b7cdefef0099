import { EventEmitter } from 'node:events';
import type { RawLibraryHandle } from './addon';

/**
 * What the wrappers of the corosync libraries share: the raw addon handle, its events turned into
 * typed ones by `route`, and the handle's lifetime (setRef, close).
 */
export abstract class LibraryConnection<
  Events extends Record<keyof Events, unknown[]>,
  Raw extends RawLibraryHandle,
  RawEvent,
> extends EventEmitter<Events> {
  protected readonly raw: Raw;

  /** `connect` creates the raw handle (the addon's, or a test double) with the event sink. */
  constructor(connect: (onEvent: (event: RawEvent) => void) => Raw) {
    super();
    this.raw = connect((event) => this.route(event));
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
}
