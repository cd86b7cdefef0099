/**
 * The watchdog seam: a timer that resets the machine unless fed. Implemented on the kernel's
 * /dev/watchdog* (src/native/watchdog.ts) and by lab devices; the watchdog multiplexer only
 * sees this interface.
 */
export interface WatchdogSupport {
  /** WDIOF_* option bits. */
  options: number;
  firmwareVersion: number;
  identity: string;
}

export interface WatchdogDevice {
  /** The timeout in force, in seconds. */
  getTimeout(): number;
  /** Asks for a timeout; returns the one actually set (drivers may round). */
  setTimeout(seconds: number): number;
  /** Feeds the timer. */
  keepalive(): void;
  getSupport(): WatchdogSupport;
  /** WDIOF_* bits saying why the machine last booted (e.g. a watchdog reset). */
  bootStatus(): number;
  /**
   * Closes the device. With magic the timer is stopped (disarmed); without it the timer keeps
   * running and resets the machine unless someone else feeds it.
   */
  close(opts: { magic: boolean }): void;
}
