import { mkdir, rm, stat } from 'node:fs/promises';

/**
 * A marker that says "a multiplexer armed the device and has not disarmed it". It lives on a
 * tmpfs (/run) so that only a reset clears it. A multiplexer that died with leases open left the
 * device armed; a new one must not open the device again, because feeding it would cancel the
 * reset that fences this host.
 */
export interface ArmedMarker {
  readonly path: string;
  isSet(): Promise<boolean>;
  set(): Promise<void>;
  clear(): Promise<void>;
}

export function directoryMarker(path: string): ArmedMarker {
  return {
    path,
    isSet: async () => {
      try {
        return (await stat(path)).isDirectory();
      } catch {
        return false;
      }
    },
    set: async () => {
      await mkdir(path, { recursive: true, mode: 0o700 });
    },
    clear: async () => {
      await rm(path, { recursive: true, force: true });
    },
  };
}

/** Throws the operator-facing refusal when the marker is present. */
export async function assertNotArmed(marker: ArmedMarker): Promise<void> {
  if (await marker.isSet()) {
    throw new Error(
      `watchdog still armed by a previous multiplexer (marker ${marker.path} exists): refusing to start; ` +
        'the armed device resets this host when it expires',
    );
  }
}
