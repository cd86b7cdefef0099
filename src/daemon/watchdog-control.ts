/**
 * The LRM's watchdog effects carried out on the watchdog multiplexer: `open` takes a lease,
 * `update` checks in (the LRM emits it only right after a confirmed lock renewal), `close` gives
 * the lease back, `handover` leaves it to the next daemon (a daemon stop), which takes it with
 * `reattach` at its start. The lease is guarded by the fencing conditions, so losing quorum or
 * the arbiter's vote stops the feeding at once instead of at the lease's deadline.
 */
import { guardLease, type FencingCondition, type GuardedLease } from '../watchdog/fencing-conditions';
import type { LogSink } from '../util/log-sink';
import { openWatchdogLease, reattachWatchdogLease, type WatchdogLease } from '../watchdog/mux-client';

export interface WatchdogControl {
  readonly armed: boolean;
  open(): Promise<void>;
  update(): Promise<void>;
  close(): Promise<void>;
  /** Leaves the open lease to the next daemon on this node instead of closing it. */
  handover(): Promise<void>;
  /** Takes over a lease a previous daemon handed over; false when none waits (armed stays false). */
  reattach(): Promise<boolean>;
}

const client = 'lrm';

export class MuxWatchdogControl implements WatchdogControl {
  private lease: GuardedLease | null = null;
  /**
   * A re-attached lease before its first check-in. It is guarded only from that check-in on: a
   * restarting daemon's conditions are not settled yet (the quorum device client registers
   * again), and until it checks in nothing can feed anyway; the lease's deadline, counted from
   * the predecessor's last check-in, is the guard meanwhile, as it was during the handover.
   */
  private unguarded: WatchdogLease | null = null;

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
    return this.lease !== null || this.unguarded !== null;
  }

  async open(): Promise<void> {
    if (this.armed) return this.update();
    // Arming starts the device's countdown like a feed, so it needs what a check-in needs: a
    // node in a partition that only believes it is quorate must not arm (and then start) late.
    const refusal = this.conditions.map((c) => c.check() ?? c.pause?.() ?? null).find((r) => r !== null);
    if (refusal !== undefined) throw new Error(`not arming the watchdog: ${refusal}`);
    const lease = await openWatchdogLease({ client, deadlineMs: this.deadlineMs }, this.socketPath);
    this.lease = guardLease(lease, this.conditions, this.log);
    await this.update();
  }

  async update(): Promise<void> {
    if (this.unguarded !== null) {
      this.lease = guardLease(this.unguarded, this.conditions, this.log);
      this.unguarded = null;
    }
    if (this.lease === null) throw new Error('watchdog update without an open lease');
    const result = await this.lease.checkIn();
    if (result.paused !== undefined) this.log.info(`watchdog feeding paused: ${result.paused}`);
    else if (!result.fed) this.log.warn(`watchdog not fed: ${result.tripped ?? 'the multiplexer refused the check-in'}`);
  }

  async close(): Promise<void> {
    const { lease, unguarded } = this;
    this.lease = null;
    this.unguarded = null;
    await (lease ?? unguarded)?.close();
  }

  async handover(): Promise<void> {
    const { lease, unguarded } = this;
    this.lease = null;
    this.unguarded = null;
    if (lease === null && unguarded === null) throw new Error('watchdog handover without an open lease');
    await (lease ?? unguarded)?.handOver();
  }

  async reattach(): Promise<boolean> {
    if (this.armed) throw new Error('watchdog re-attach with a lease already open');
    const lease = await reattachWatchdogLease({ client, deadlineMs: this.deadlineMs }, this.socketPath);
    if (lease === null) return false;
    this.unguarded = lease;
    this.log.info(`watchdog: re-attached to the lease the previous daemon handed over, ${lease.grant.silentMs} ms after its last check-in; `
      + `the first check-in must follow within ${lease.grant.deadlineMs - lease.grant.silentMs} ms`);
    return true;
  }
}
