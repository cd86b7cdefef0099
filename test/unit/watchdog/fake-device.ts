import type { WatchdogDevice, WatchdogSupport } from '../../../src/watchdog/device';
import type { ArmedMarker } from '../../../src/watchdog/restart-guard';
import type { Clock } from '../../../src/util/clock';

/** A device at the seam: records what the multiplexer does, rounds timeouts like some drivers. */
export class FakeDevice implements WatchdogDevice {
  timeoutS = 60;
  feeds: number[] = [];
  magicClosed = false;
  /** What WDIOC_GETBOOTSTATUS answers. */
  bootBits = 0;
  support: WatchdogSupport = { options: 0x8180, firmwareVersion: 0, identity: 'Fake Watchdog' };

  constructor(private readonly clock: Clock, private readonly roundTo = 1) {}

  setTimeout(seconds: number): number {
    this.timeoutS = Math.ceil(seconds / this.roundTo) * this.roundTo;
    return this.timeoutS;
  }
  getTimeout(): number {
    return this.timeoutS;
  }
  keepalive(): void {
    this.feeds.push(this.clock.now());
  }
  getSupport(): WatchdogSupport {
    return this.support;
  }
  bootStatus(): number {
    return this.bootBits;
  }
  close(opts: { magic: boolean }): void {
    this.magicClosed = opts.magic;
  }
}

export function memoryMarker(): ArmedMarker & { present: boolean } {
  const marker = {
    path: '/run/test-marker',
    present: false,
    isSet: async () => marker.present,
    set: async () => { marker.present = true; },
    clear: async () => { marker.present = false; },
  };
  return marker;
}

export function captureLog(): { lines: string[]; info(m: string): void; warn(m: string): void; error(m: string): void } {
  const lines: string[] = [];
  return {
    lines,
    info: (m) => lines.push(`info ${m}`),
    warn: (m) => lines.push(`warn ${m}`),
    error: (m) => lines.push(`error ${m}`),
  };
}
