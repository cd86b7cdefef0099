/**
 * The LRM's watchdog effects carried out on the watchdog multiplexer: `open` takes a lease,
 * `update` checks in (the LRM emits it only right after a confirmed lock renewal), `close` gives
 * the lease back. The lease is guarded by the fencing conditions, so losing quorum or the
 * arbiter's vote stops the feeding at once instead of at the lease's deadline.
 */
import { guardLease, type FencingCondition, type GuardedLease } from '../watchdog/fencing-conditions';
import type { LogSink } from '../watchdog/log-sink';
import { openWatchdogLease } from '../watchdog/mux-client';

export interface WatchdogControl {
  readonly armed: boolean;
  open(): Promise<void>;
  update(): Promise<void>;
  close(): Promise<void>;
}

export class MuxWatchdogControl implements WatchdogControl {
  private lease: GuardedLease | null = null;

  constructor(
    private readonly socketPath: string,
    /**
     * Longest silence before the multiplexer gives up for good. The device is fed only at
     * check-ins, which the LRM makes only after a confirmed renewal, so the reset bound is the
     * last check-in + W whatever this is; the longest the multiplexer allows (a share of W)
     * lets a paused vote resume.
     */
    private readonly deadlineMs: number,
    private readonly conditions: FencingCondition[],
    private readonly log: LogSink,
  ) {}

  get armed(): boolean {
    return this.lease !== null;
  }

  async open(): Promise<void> {
    if (this.lease !== null) return this.update();
    // Arming starts the device's countdown like a feed, so it needs what a check-in needs: a
    // node in a partition that only believes it is quorate must not arm (and then start) late.
    const refusal = this.conditions.map((c) => c.check() ?? c.pause?.() ?? null).find((r) => r !== null);
    if (refusal !== undefined) throw new Error(`not arming the watchdog: ${refusal}`);
    const lease = await openWatchdogLease({ client: 'lrm', deadlineMs: this.deadlineMs }, this.socketPath);
    this.lease = guardLease(lease, this.conditions, this.log);
    await this.update();
  }

  async update(): Promise<void> {
    if (this.lease === null) throw new Error('watchdog update without an open lease');
    const result = await this.lease.checkIn();
    if (result.paused !== undefined) this.log.info(`watchdog feeding paused: ${result.paused}`);
    else if (!result.fed) this.log.warn(`watchdog not fed: ${result.tripped ?? 'the multiplexer refused the check-in'}`);
  }

  async close(): Promise<void> {
    const lease = this.lease;
    this.lease = null;
    await lease?.close();
  }
}
