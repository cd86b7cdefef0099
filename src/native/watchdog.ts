import type { RawWatchdogHandle, RawWatchdogSupport } from './addon';
import { loadAddon } from './loader';

/** The longest timeout we ask a driver for; real drivers cap far lower. */
const maxTimeoutSeconds = 3600;

/**
 * A kernel watchdog device (/dev/watchdog, /dev/watchdogN) through its ioctls. Opening arms it.
 * If the object is garbage collected while open it is closed without the magic character, so the
 * timer keeps running: losing the handle must not disarm the watchdog. It fits src/watchdog's
 * WatchdogDevice by shape (the native layer imports nothing above it).
 */
export class KernelWatchdogDevice {
  /** Opens and thereby arms the device; a missing device gives a DeviceError naming ENOENT. */
  static open(path: string): KernelWatchdogDevice {
    if (typeof path !== 'string' || path.length === 0) throw new TypeError('watchdog device path must be a non-empty string');
    const addon = loadAddon();
    return new KernelWatchdogDevice(path, new addon.WatchdogHandle(path));
  }

  constructor(
    readonly path: string,
    private readonly raw: RawWatchdogHandle,
  ) {}

  getTimeout(): number {
    return this.raw.getTimeout();
  }

  setTimeout(seconds: number): number {
    if (!Number.isInteger(seconds) || seconds < 1 || seconds > maxTimeoutSeconds) {
      throw new RangeError(`watchdog timeout must be an integer number of seconds in 1..${maxTimeoutSeconds}, got ${seconds}`);
    }
    return this.raw.setTimeout(seconds);
  }

  keepalive(): void {
    this.raw.keepalive();
  }

  getSupport(): RawWatchdogSupport {
    return this.raw.getSupport();
  }

  bootStatus(): number {
    return this.raw.getBootStatus();
  }

  close(opts: { magic: boolean }): void {
    if (typeof opts?.magic !== 'boolean') throw new TypeError('close needs {magic: boolean}');
    this.raw.close(opts.magic);
  }
}
