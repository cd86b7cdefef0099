/**
 * Periodic fence device monitoring: every interval (jittered, so nodes do not ask a shared PDU
 * at once) this node asks each device it would use, every level of every other node, for
 * its power state (the status action only: nothing is switched). A device that would fail
 * when it is needed is reported now, not at the failover.
 */
import type { FenceResult } from './agent';
import type { FenceDevice, FencingConfig } from './config';

export interface DeviceHealth {
  device: string;
  /** The node the device fences. */
  node: string;
  level: number;
  ok: boolean;
  /** Why it failed (the agent's error), when it did. */
  reason?: string;
  power?: 'on' | 'off';
  /** Wall-clock time of the check (ISO 8601, this node's clock). */
  at: string;
  durationMs: number;
}

/** The seam: one status call of one device (runFenceAgent in the daemon). */
export type StatusCheck = (device: FenceDevice) => Promise<FenceResult>;

/** The next check's delay: the interval ± jitter × interval, uniformly (random in [0, 1)). */
export function nextCheckDelayMs(intervalMs: number, jitter: number, random: () => number): number {
  return Math.round(intervalMs * (1 + jitter * (2 * random() - 1)));
}

/** The devices this node would use: every level of every node but itself, in level order. */
export function devicesToWatch(fencing: FencingConfig, self: string): { node: string; level: number; device: FenceDevice }[] {
  return Object.entries(fencing.nodes).filter(([node]) => node !== self)
    .flatMap(([node, levels]) => levels.map((device, i) => ({ node, level: i + 1, device })));
}

/** Checks every watched device at once; never throws (a failing check is a result). */
export async function checkDevices(fencing: FencingConfig, self: string, check: StatusCheck, now: () => Date = () => new Date()): Promise<DeviceHealth[]> {
  return Promise.all(devicesToWatch(fencing, self).map(async ({ node, level, device }): Promise<DeviceHealth> => {
    const at = now().toISOString();
    let result: FenceResult;
    try {
      result = await check(device);
    } catch (err) {
      return { device: device.name, node, level, ok: false, reason: err instanceof Error ? err.message : String(err), at, durationMs: 0 };
    }
    return {
      device: device.name, node, level, ok: result.ok, at, durationMs: Math.round(result.durationMs),
      ...(result.ok ? (result.power === undefined ? {} : { power: result.power }) : { reason: result.reason }),
    };
  }));
}

export interface FenceMonitorOptions {
  fencing: FencingConfig;
  self: string;
  intervalMs: number;
  /** Share of the interval the delay varies by (0.1: ± 10 %). */
  jitter: number;
  check: StatusCheck;
  /** Each round's results, in device order. */
  report: (health: DeviceHealth[]) => void;
  random?: () => number;
}

/** Runs checkDevices now and then every jittered interval until stopped. */
export class FenceMonitor {
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(private readonly options: FenceMonitorOptions) {}

  start(): void {
    if (devicesToWatch(this.options.fencing, this.options.self).length === 0) return;
    void this.round();
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
  }

  private async round(): Promise<void> {
    const health = await checkDevices(this.options.fencing, this.options.self, this.options.check);
    if (this.stopped) return;
    this.options.report(health);
    const delay = nextCheckDelayMs(this.options.intervalMs, this.options.jitter, this.options.random ?? Math.random);
    this.timer = setTimeout(() => void this.round(), delay);
    this.timer.unref();
  }
}
