import type { Clock } from '../util/clock';
import type { WatchdogDevice, WatchdogSupport } from './device';
import type { LogSink } from '../util/log-sink';
import type { TripKind } from './fence-record';
import type { ArmedMarker } from './restart-guard';
import { judgeBootStatus, logBootStatus, type BootStatus } from './boot-status';

/** A refused request (bad lease, unknown client, fenced): the message names the problem. */
export class MuxError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MuxError';
  }
}

/** Opens (and thereby arms) the device; the multiplexer calls it when the first lease opens. */
export type WatchdogDeviceOpener = () => Promise<WatchdogDevice>;

/** WDIOF_MAGICCLOSE (linux/watchdog.h): the driver stops on a close after writing 'V'. */
const wdiofMagicClose = 0x0100;

export interface MuxCoreOptions {
  openDevice: WatchdogDeviceOpener;
  /** For logs and status: "/dev/watchdog", "lab:node1". */
  deviceName: string;
  /** The timeout asked of the device; the one in force is read back and reported. */
  timeoutSeconds: number;
  clock: Clock;
  log: LogSink;
  marker: ArmedMarker;
  /** Share of its deadline after which a silent client is logged as late (default 0.5). */
  warnFraction?: number;
  /** Hears, once, the moment feeding stops for good (fence-record.ts writes why). */
  onTrip?: (client: string, trip: TripKind, reason: string) => void;
  /** Why this boot happened as the device reported it before it was opened (sysfs); absent: asked of the device when it opens. */
  bootStatus?: BootStatus;
}

export interface LeaseRequest {
  /** Who holds the lease, for logs: "lrm", "crm", "qdevice". One lease per name. */
  client: string;
  /** The longest silence allowed between two check-ins, in ms. */
  deadlineMs: number;
}

export interface LeaseGrant {
  client: string;
  deadlineMs: number;
  /** The device timeout in force (read back from the device), in ms. */
  timeoutMs: number;
  /** Worst case from this client's last check-in to the reset: deadline + device timeout. */
  resetBoundMs: number;
}

export interface CheckInResult {
  /** The device was kept alive by this check-in. */
  fed: boolean;
  /** Why feeding stopped for good, or null while the device is fed. */
  tripped: string | null;
}

/** A re-attached lease: the grant, and how long the lease had been silent when it was taken over. */
export interface ReattachGrant extends LeaseGrant {
  silentMs: number;
}

export interface LeaseStatus {
  client: string;
  deadlineMs: number;
  silentMs: number;
  /** Handed over by a stopping client and not yet re-attached (see MuxCore.handOver). */
  handedOver: boolean;
}

export interface MuxStatus {
  device: string;
  /** The driver's identity (WDIOC_GETSUPPORT) once armed. */
  identity: string | null;
  armed: boolean;
  /** The device timeout in force (GETTIMEOUT), in ms; null while no device is open. */
  timeoutMs: number | null;
  /** Longest deadline among open leases plus the device timeout; null without leases. */
  resetBoundMs: number | null;
  lastFeedAgoMs: number | null;
  tripped: string | null;
  leases: LeaseStatus[];
  /** Whether the device says this boot followed its reset (boot-status.ts); null until it was read. */
  bootStatus: BootStatus | null;
}

interface Lease {
  client: string;
  deadlineMs: number;
  lastCheckIn: number;
  handedOver: boolean;
  /** Re-attached and not checked in since: its first check-in is logged with the margin left. */
  reattached: boolean;
  cancelTimers: () => void;
}

/** Client names are written to logs and status tables: keep them short and printable. */
const clientNamePattern = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
/** A client that checks in just before its deadline must still beat the device's timeout. */
export const maxDeadlineShareOfTimeout = 0.8;

/**
 * The multiplexer's decisions, free of sockets: leases with their own deadlines, and the rule
 * that the device is kept alive only by a check-in, and only while every open lease is fresh.
 * Nothing here feeds on a timer: timers only notice a missed deadline (to stop feeding and say
 * so) and warn before it. Once any lease is missed, feeding stops for good: the host resets.
 */
export class MuxCore {
  private device: WatchdogDevice | null = null;
  private identity: string | null = null;
  private timeoutMs: number | null = null;
  private lastFeed: number | null = null;
  private trippedReason: string | null = null;
  private bootStatus: BootStatus | null;
  private readonly leases = new Map<string, Lease>();
  /** Device operations run one at a time, in request order. */
  private queue: Promise<unknown> = Promise.resolve();

  constructor(private readonly options: MuxCoreOptions) {
    this.bootStatus = options.bootStatus ?? null;
  }

  openLease(request: LeaseRequest): Promise<LeaseGrant> {
    return this.serially(async () => {
      const { client, deadlineMs } = request;
      if (!clientNamePattern.test(client)) {
        throw new MuxError(`invalid client name ${JSON.stringify(client)}: use 1-64 letters, digits, '.', '_' or '-'`);
      }
      if (!Number.isInteger(deadlineMs) || deadlineMs <= 0) {
        throw new MuxError(`invalid deadline for client ${client}: ${String(deadlineMs)} (a positive integer of ms)`);
      }
      if (this.trippedReason !== null) {
        throw new MuxError(`feeding stopped (${this.trippedReason}): no new lease until the host resets`);
      }
      const held = this.leases.get(client);
      if (held?.handedOver === true) {
        throw new MuxError(`client ${client} handed its lease over: re-attach to it instead of opening a new one`);
      }
      if (held !== undefined) {
        throw new MuxError(`client ${client} already holds a lease`);
      }
      const timeoutMs = await this.arm();
      if (deadlineMs > this.maxDeadline(timeoutMs)) {
        if (this.leases.size === 0) await this.disarm();
        throw this.deadlineTooLong(client, deadlineMs, timeoutMs);
      }
      const lease: Lease = { client, deadlineMs, lastCheckIn: this.options.clock.now(), handedOver: false, reattached: false, cancelTimers: () => {} };
      this.leases.set(client, lease);
      this.scheduleTimers(lease);
      this.options.log.info(`client ${client} opened a lease: deadline ${deadlineMs} ms, device timeout ${timeoutMs} ms`);
      this.feedIfAllFresh();
      return { client, deadlineMs, timeoutMs, resetBoundMs: deadlineMs + timeoutMs };
    });
  }

  /**
   * A stopping client (a daemon restart) leaves its lease behind for its successor instead of
   * closing it: the lease outlives the connection, but nothing about it changes. It is still fed
   * only by check-ins, so the device was last fed at the client's last check-in, and its deadline
   * still counts from there: a successor that does not re-attach and check in within the
   * deadline stops the feeding for good, as a silent client would, and the host resets.
   */
  handOver(client: string): Promise<{ deadlineMs: number; silentMs: number }> {
    return this.serially(async () => {
      const lease = this.requireLease(client);
      const silentMs = this.options.clock.now() - lease.lastCheckIn;
      if (this.trippedReason !== null) throw new MuxError(`feeding stopped (${this.trippedReason}): nothing to hand over`);
      lease.handedOver = true;
      this.options.log.info(`client ${client} handed its lease over: its successor must re-attach and check in within `
        + `${lease.deadlineMs - silentMs} ms (deadline ${lease.deadlineMs} ms from its last check-in), or feeding stops`);
      return { deadlineMs: lease.deadlineMs, silentMs };
    });
  }

  /**
   * The successor of a client that handed its lease over takes it: same lease, same last
   * check-in, so re-attaching feeds nothing and moves no deadline; the successor's first check-in
   * must still come within the deadline of its predecessor's last one. Null when no lease of that
   * client waits to be taken over.
   */
  reattach(request: LeaseRequest): Promise<ReattachGrant | null> {
    return this.serially(async () => {
      const { client, deadlineMs } = request;
      const lease = this.leases.get(client);
      if (lease?.handedOver !== true) return null;
      if (this.trippedReason !== null) throw new MuxError(`feeding stopped (${this.trippedReason}): no lease to re-attach until the host resets`);
      const timeoutMs = this.timeoutMs ?? 0;
      if (!Number.isInteger(deadlineMs) || deadlineMs <= 0) {
        throw new MuxError(`invalid deadline for client ${client}: ${String(deadlineMs)} (a positive integer of ms)`);
      }
      if (deadlineMs > this.maxDeadline(timeoutMs)) throw this.deadlineTooLong(client, deadlineMs, timeoutMs);
      const silentMs = this.options.clock.now() - lease.lastCheckIn;
      lease.handedOver = false;
      lease.reattached = true;
      lease.deadlineMs = deadlineMs;
      if (silentMs > deadlineMs) {
        this.missed(lease, this.options.clock.now());
        throw new MuxError(`feeding stopped (${this.trippedReason ?? ''}): re-attached too late`);
      }
      this.scheduleTimers(lease);
      this.options.log.info(`client ${client} re-attached to its handed-over lease ${silentMs} ms after its last check-in (deadline ${deadlineMs} ms)`);
      return { client, deadlineMs, timeoutMs, resetBoundMs: deadlineMs + timeoutMs, silentMs };
    });
  }

  checkIn(client: string): Promise<CheckInResult> {
    return this.serially(async () => {
      const lease = this.requireLease(client);
      const now = this.options.clock.now();
      const silentMs = now - lease.lastCheckIn;
      if (silentMs > lease.deadlineMs) {
        // The deadline timer has not run yet (a busy or stopped event loop): the clock decides.
        this.missed(lease, now);
        return { fed: false, tripped: this.trippedReason };
      }
      if (lease.reattached) {
        lease.reattached = false;
        this.options.log.info(`client ${client} checked in again ${silentMs} ms after its predecessor's last check-in (deadline ${lease.deadlineMs} ms)`);
      }
      lease.lastCheckIn = now;
      if (this.trippedReason === null) this.scheduleTimers(lease);
      return { fed: this.feedIfAllFresh(), tripped: this.trippedReason };
    });
  }

  /** A clean close; the last one disarms the device with the magic close, unless fencing began. */
  closeLease(client: string): Promise<void> {
    return this.serially(async () => {
      const lease = this.requireLease(client);
      lease.cancelTimers();
      this.leases.delete(client);
      this.options.log.info(`client ${client} closed its lease`);
      if (this.leases.size === 0 && this.trippedReason === null) await this.disarm();
    });
  }

  /** A client reports that it lost what licensed it to run services (quorum, its lock, a vote). */
  reportLoss(client: string, reason: string): Promise<void> {
    return this.serially(async () => {
      this.requireLease(client);
      this.trip(client, { kind: 'reported', loss: reason }, `client ${client} reports: ${reason}`);
    });
  }

  /** The connection of a client went away; with its lease still open (not handed over) that counts as missed. */
  disconnected(client: string): Promise<void> {
    return this.serially(async () => {
      const lease = this.leases.get(client);
      if (lease === undefined || lease.handedOver) return;
      this.trip(client, { kind: 'disconnected' }, `client ${client} disconnected without closing its lease`);
    });
  }

  status(): MuxStatus {
    const now = this.options.clock.now();
    const leases = [...this.leases.values()].map((l) => ({
      client: l.client,
      deadlineMs: l.deadlineMs,
      silentMs: now - l.lastCheckIn,
      handedOver: l.handedOver,
    }));
    const longestDeadline = Math.max(0, ...leases.map((l) => l.deadlineMs));
    return {
      device: this.options.deviceName,
      identity: this.identity,
      armed: this.device !== null,
      timeoutMs: this.timeoutMs,
      resetBoundMs: this.timeoutMs !== null && leases.length > 0 ? longestDeadline + this.timeoutMs : null,
      lastFeedAgoMs: this.lastFeed === null ? null : now - this.lastFeed,
      tripped: this.trippedReason,
      leases,
      bootStatus: this.bootStatus,
    };
  }

  /** Stops all timers (the device stays as it is: armed devices go on counting down). */
  dispose(): void {
    for (const lease of this.leases.values()) lease.cancelTimers();
  }

  private serially<T>(operation: () => Promise<T>): Promise<T> {
    const result = this.queue.then(operation);
    this.queue = result.catch(() => undefined);
    return result;
  }

  /** Only the connection that holds a lease may use it: a handed-over lease must be re-attached first. */
  private requireLease(client: string): Lease {
    const lease = this.leases.get(client);
    if (lease === undefined) throw new MuxError(`client ${client} holds no lease`);
    if (lease.handedOver) throw new MuxError(`client ${client} handed its lease over: re-attach to it first`);
    return lease;
  }

  private maxDeadline(timeoutMs: number): number {
    return Math.floor(timeoutMs * maxDeadlineShareOfTimeout);
  }

  private deadlineTooLong(client: string, deadlineMs: number, timeoutMs: number): MuxError {
    return new MuxError(
      `deadline ${deadlineMs} ms of client ${client} is too long for the device timeout of ${timeoutMs} ms: ` +
        `at most ${this.maxDeadline(timeoutMs)} ms, so that a client on time keeps the device fed`,
    );
  }

  /** Opens the device on first use, sets the timeout and reads back the one in force. */
  private async arm(): Promise<number> {
    if (this.device !== null && this.timeoutMs !== null) return this.timeoutMs;
    const { openDevice, deviceName, marker, timeoutSeconds, log } = this.options;
    // The marker goes first: a crash between opening and recording must still block a restart.
    await marker.set();
    let device: WatchdogDevice;
    try {
      device = await openDevice();
    } catch (err) {
      await marker.clear();
      throw new MuxError(`cannot open the watchdog device ${deviceName}: ${err instanceof Error ? err.message : String(err)}`);
    }
    let support: WatchdogSupport;
    let inForce: number;
    try {
      support = device.getSupport();
      device.setTimeout(timeoutSeconds);
      inForce = device.getTimeout();
      device.keepalive();
    } catch (err) {
      // Not set up as asked: disarm again rather than leave a timer nobody accounts for.
      device.close({ magic: true });
      await marker.clear();
      throw new MuxError(`cannot set up the watchdog device ${deviceName}: ${err instanceof Error ? err.message : String(err)}`);
    }
    this.device = device;
    this.identity = support.identity;
    this.timeoutMs = inForce * 1000;
    this.lastFeed = this.options.clock.now();
    if ((support.options & wdiofMagicClose) === 0) {
      log.warn(`${deviceName} (${support.identity}) does not support the magic close: a clean close will not disarm it`);
    }
    if (inForce !== timeoutSeconds) {
      log.warn(`${deviceName}: asked for a ${timeoutSeconds} s timeout, the device keeps ${inForce} s`);
    }
    log.info(`${deviceName} (${support.identity}) armed: timeout in force ${inForce} s`);
    if (this.bootStatus === null) this.readBootStatus(device, support.identity);
    return this.timeoutMs;
  }

  private readBootStatus(device: WatchdogDevice, identity: string): void {
    try {
      const bits = device.bootStatus();
      this.bootStatus = { bits, identity, verdict: judgeBootStatus(bits, identity), source: this.options.deviceName };
      logBootStatus(this.options.log, this.bootStatus);
    } catch (err) {
      this.options.log.info(`${this.options.deviceName}: no boot status (${err instanceof Error ? err.message : String(err)})`);
    }
  }

  private async disarm(): Promise<void> {
    const device = this.device;
    if (device === null) return;
    device.close({ magic: true });
    this.device = null;
    this.identity = null;
    this.timeoutMs = null;
    this.lastFeed = null;
    await this.options.marker.clear();
    this.options.log.info(`${this.options.deviceName} disarmed (magic close): no client holds a lease`);
  }

  private feedIfAllFresh(): boolean {
    if (this.trippedReason !== null || this.device === null) return false;
    const now = this.options.clock.now();
    for (const lease of this.leases.values()) {
      if (now - lease.lastCheckIn > lease.deadlineMs) {
        this.missed(lease, now);
        return false;
      }
    }
    this.device.keepalive();
    this.lastFeed = now;
    return true;
  }

  private scheduleTimers(lease: Lease): void {
    lease.cancelTimers();
    const { clock, log } = this.options;
    // Counted from the last check-in, which for a re-attached lease lies in its predecessor's time.
    const silent = clock.now() - lease.lastCheckIn;
    const warnAfter = Math.max(0, Math.floor(lease.deadlineMs * (this.options.warnFraction ?? 0.5)) - silent);
    const cancelWarn = clock.setTimer(warnAfter, () => {
      const silent = clock.now() - lease.lastCheckIn;
      log.warn(
        `client ${lease.client} late by ${silent} ms: feeding stops in ${lease.deadlineMs - silent} ms ` +
          `unless it checks in (deadline ${lease.deadlineMs} ms)`,
      );
    });
    // One ms past the deadline: a check-in exactly at the deadline is still on time.
    const cancelExpiry = clock.setTimer(Math.max(0, lease.deadlineMs + 1 - silent), () => this.missed(lease, clock.now()));
    lease.cancelTimers = () => {
      cancelWarn();
      cancelExpiry();
    };
  }

  private missed(lease: Lease, now: number): void {
    const silent = now - lease.lastCheckIn;
    this.trip(lease.client, { kind: 'missed' }, `client ${lease.client} missed its deadline by ${silent - lease.deadlineMs} ms (silent ${silent} ms, deadline ${lease.deadlineMs} ms)`);
  }

  private trip(client: string, kind: TripKind, reason: string): void {
    if (this.trippedReason !== null) return;
    this.trippedReason = reason;
    this.options.onTrip?.(client, kind, reason);
    for (const lease of this.leases.values()) lease.cancelTimers();
    const within = this.timeoutMs === null ? 'its timeout' : `${this.timeoutMs} ms`;
    this.options.log.error(`feeding stopped: ${reason}; ${this.options.deviceName} resets the host within ${within}`);
  }
}
