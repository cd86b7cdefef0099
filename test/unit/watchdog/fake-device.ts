import type { WatchdogDevice } from '../../../src/watchdog/device';
import type { ArmedMarker } from '../../../src/watchdog/restart-guard';
import type { Clock } from '../../../src/util/clock';

/** A device at the seam: records what the multiplexer does, rounds timeouts like some drivers. */
export class FakeDevice implements WatchdogDevice {
  readonly name = 'fake0';
  opened = 0;
  timeoutS = 60;
  feeds: number[] = [];
  magicClosed = false;

  constructor(private readonly clock: Clock, private readonly roundTo = 1) {}

  async setTimeout(seconds: number): Promise<number> {
    this.timeoutS = Math.ceil(seconds / this.roundTo) * this.roundTo;
    return this.timeoutS;
  }
  async getTimeout(): Promise<number> {
    return this.timeoutS;
  }
  async keepAlive(): Promise<void> {
    this.feeds.push(this.clock.now());
  }
  async magicClose(): Promise<void> {
    this.magicClosed = true;
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
