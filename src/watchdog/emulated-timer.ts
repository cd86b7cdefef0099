import { createServer, type Server, type Socket } from 'node:net';
import { mkdirSync, writeFileSync } from 'node:fs';
import { unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { monotonicClock, type Clock } from '../util/clock';
import { readJsonLines, writeJsonLine, type Reply } from '../util/json-lines';
import type { LogSink } from '../util/log-sink';
import { listenOwnerOnly } from '../util/unix-socket';
import { wdiofCardReset } from './boot-status';
import { emulatedTimerIdentity, maxEmulatedTimeoutSeconds, type EmulatedTimerGreeting } from './emulated-timer-protocol';

/** softdog's default margin, the timeout a freshly opened device counts down from. */
const defaultTimeoutSeconds = 60;

export interface EmulatedTimerOptions {
  /** The lab host this timer resets. */
  host: string;
  /** Where the host's multiplexer opens the timer: a path its mount namespace can see. */
  socketPath: string;
  /** What expiry does: the lab's reset of the host (kill all, addresses gone, boot later). */
  reset: () => Promise<void>;
  log: LogSink;
  clock?: Clock;
  /**
   * A directory laid out like the kernel's /sys/class/watchdog/watchdogN, kept current: `identity`
   * and `bootstatus` (WDIOF_CARDRESET after this timer's reset, 0 after any other boot).
   */
  sysfsDir?: string;
}

export interface EmulatedTimerExpiry {
  host: string;
  timeoutMs: number;
  /** From the last keep-alive (or the arming) to expiry. */
  silentMs: number;
  /** From expiry until the reset had killed the host's processes and dropped its addresses. */
  resetTookMs: number;
}

/**
 * The lab's stand-in for watchdog hardware. It runs outside the lab host (in the process that
 * owns the lab), so nothing inside the host can keep it alive except by keeping it fed: a killed
 * or stopped multiplexer still ends in a reset. Semantics follow /dev/watchdog: opening arms it,
 * a close without the magic close leaves it counting down, one opener at a time.
 */
export class EmulatedWatchdogTimer {
  readonly expiries: EmulatedTimerExpiry[] = [];
  private timeoutMs = defaultTimeoutSeconds * 1000;
  private armed = false;
  private lastResetByTimer = false;
  private lastKeepAlive = 0;
  private cancelCountdown: () => void = () => {};
  private opener: Socket | null = null;
  private readonly connections = new Set<Socket>();
  private readonly listeners: ((expiry: EmulatedTimerExpiry) => void)[] = [];
  private readonly clock: Clock;

  private constructor(private readonly options: EmulatedTimerOptions, private readonly server: Server) {
    this.clock = options.clock ?? monotonicClock;
  }

  static async start(options: EmulatedTimerOptions): Promise<EmulatedWatchdogTimer> {
    let timer: EmulatedWatchdogTimer | null = null;
    const server = createServer((socket) => timer?.accept(socket));
    timer = new EmulatedWatchdogTimer(options, server);
    timer.writeSysfs();
    await listenOwnerOnly(server, options.socketPath);
    return timer;
  }

  /** The host booted other than by this timer (a power cut, a reboot): its next boot status is 0. */
  bootedOtherwise(): void {
    this.lastResetByTimer = false;
    this.writeSysfs();
  }

  private writeSysfs(): void {
    const dir = this.options.sysfsDir;
    if (dir === undefined) return;
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'identity'), `${emulatedTimerIdentity}\n`);
    writeFileSync(join(dir, 'bootstatus'), `${this.bootStatus}\n`);
  }

  private get bootStatus(): number {
    return this.lastResetByTimer ? wdiofCardReset : 0;
  }

  get isArmed(): boolean {
    return this.armed;
  }

  /** Called after every completed reset, with its timings. */
  onExpiry(listener: (expiry: EmulatedTimerExpiry) => void): void {
    this.listeners.push(listener);
  }

  async close(): Promise<void> {
    this.cancelCountdown();
    this.armed = false;
    await new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      for (const socket of this.connections) socket.destroy();
    });
    await unlink(this.options.socketPath).catch(() => undefined);
  }

  private accept(socket: Socket): void {
    this.connections.add(socket);
    socket.on('close', () => this.connections.delete(socket));
    if (this.opener !== null) {
      writeJsonLine(socket, { ok: false, error: `lab watchdog of ${this.options.host} is already open (device busy)` } satisfies Reply);
      socket.end();
      return;
    }
    this.opener = socket;
    if (!this.armed) {
      this.armed = true;
      this.options.log.info(`lab watchdog of ${this.options.host} armed (timeout ${this.timeoutMs} ms)`);
    }
    this.keepAlive();
    readJsonLines(
      socket,
      (message) => this.handle(socket, message),
      (problem) => this.options.log.warn(`lab watchdog of ${this.options.host}: ${problem}`),
    );
    socket.on('error', () => undefined);
    socket.on('close', () => {
      if (this.opener === socket) this.opener = null;
    });
  }

  private handle(socket: Socket, message: unknown): void {
    const m = (message ?? {}) as Record<string, unknown>;
    switch (m.op) {
      case 'open': {
        const greeting: EmulatedTimerGreeting = { timeoutSeconds: this.timeoutMs / 1000, bootStatus: this.bootStatus };
        writeJsonLine(socket, { ok: true, result: greeting } satisfies Reply);
        return;
      }
      case 'settimeout': {
        const seconds = m.seconds;
        if (typeof seconds !== 'number' || !Number.isInteger(seconds) || seconds < 1 || seconds > maxEmulatedTimeoutSeconds) {
          this.options.log.warn(`lab watchdog of ${this.options.host}: ignored settimeout ${JSON.stringify(seconds)} (1-${maxEmulatedTimeoutSeconds} s)`);
          return;
        }
        this.timeoutMs = seconds * 1000;
        // Like the kernel, a new timeout takes effect with a keep-alive.
        this.keepAlive();
        return;
      }
      case 'keepalive':
        this.keepAlive();
        return;
      case 'magicclose':
        this.cancelCountdown();
        this.armed = false;
        this.options.log.info(`lab watchdog of ${this.options.host} disarmed (magic close)`);
        // After the magic close the handle is gone, as with the kernel device.
        socket.end();
        return;
      default:
        this.options.log.warn(`lab watchdog of ${this.options.host}: ignored unknown op ${JSON.stringify(m.op)}`);
    }
  }

  private keepAlive(): void {
    if (!this.armed) return;
    this.lastKeepAlive = this.clock.now();
    this.cancelCountdown();
    this.cancelCountdown = this.clock.setTimer(this.timeoutMs, () => void this.expire());
  }

  private async expire(): Promise<void> {
    const { host, log, reset } = this.options;
    const expiredAt = this.clock.now();
    const silentMs = expiredAt - this.lastKeepAlive;
    this.armed = false;
    this.opener?.destroy();
    this.opener = null;
    log.error(`lab watchdog of ${host} expired ${silentMs} ms after the last keep-alive: resetting ${host}`);
    // Latched as the timer fires, as hardware does: the host's next boot (inside reset) reads it.
    const before = this.lastResetByTimer;
    this.lastResetByTimer = true;
    this.writeSysfs();
    try {
      await reset();
    } catch (err) {
      log.error(`lab watchdog of ${host}: reset failed: ${err instanceof Error ? err.message : String(err)}`);
      this.lastResetByTimer = before;
      this.writeSysfs();
      return;
    }
    const expiry: EmulatedTimerExpiry = { host, timeoutMs: this.timeoutMs, silentMs, resetTookMs: this.clock.now() - expiredAt };
    this.expiries.push(expiry);
    for (const listener of this.listeners) listener(expiry);
  }
}
