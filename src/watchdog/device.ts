/**
 * The seam between the multiplexer and a watchdog timer: the kernel's /dev/watchdog (through the
 * addon's ioctls) or the lab's emulated timer. An open device is armed; it resets its host unless
 * it is kept alive within its timeout, and only the magic close disarms it.
 */
export interface WatchdogDevice {
  /** For logs and status: "/dev/watchdog", "lab:node1". */
  readonly name: string;
  /** Asks for a timeout (WDIOC_SETTIMEOUT); returns the one in force, which a driver may round. */
  setTimeout(seconds: number): Promise<number>;
  /** The timeout in force (WDIOC_GETTIMEOUT), in seconds. */
  getTimeout(): Promise<number>;
  /** Restarts the countdown (WDIOC_KEEPALIVE). */
  keepAlive(): Promise<void>;
  /** Disarms: writes the magic 'V' and closes. The handle is unusable afterwards. */
  magicClose(): Promise<void>;
}

/** Opens (and thereby arms) a device; the multiplexer calls it when the first lease opens. */
export type WatchdogDeviceOpener = () => Promise<WatchdogDevice>;
