/**
 * The HA stack on a running lab: on each node a lab watchdog timer (outside the host, so only a
 * fed watchdog keeps the host alive), the watchdog multiplexer and `quorate daemon run`, started
 * as a machine's boot would start them. The store's directory lives outside the host's private
 * /run, like a disk that survives a power cut.
 */
import { execFileSync, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { daemonTimingDefaults, type QdeviceMode } from '../daemon/config';
import { minimumWatchdogMs, readCorosyncValues } from '../daemon/startup-check';
import type { HaTimings } from '../ha/timings';
import { monotonicClock } from '../util/clock';
import { EmulatedWatchdogTimer, type EmulatedTimerExpiry } from '../watchdog/emulated-timer';
import { bmcFenceDevice } from './bmc';
import type { NamespaceLab } from './namespace-lab';
import type { NodeHost } from './names';
import { isAlive } from './processes';
import { runChecked } from '../util/run';
import { appendJournal, monotonicNowMs } from '../daemon/resources/lab-service-journal';
import { defaultOperatorSocket } from '../daemon/operator/client';
import { defaultMuxSocketPath } from '../watchdog/mux-client';

const cliPath = join(__dirname, '../cli/main.js');
// Each node's daemon and multiplexer use their default sockets (in its own mount namespace).
const muxSocket = defaultMuxSocketPath;
const operatorSocket = defaultOperatorSocket;
/** Where a node's multiplexer opens the lab watchdog timer that resets it. */
const labTimerSocket = (nodeDir: string) => join(nodeDir, 'watchdog.sock');
/** Its boot status, laid out like the kernel's /sys/class/watchdog/watchdogN. */
const labTimerSysfs = (nodeDir: string) => join(nodeDir, 'watchdog-sysfs');

export interface LabHaOptions {
  timings?: Partial<HaTimings>;
  qdevice?: QdeviceMode;
  voteGraceMs?: number;
  /** Extra keys of the daemon config (drivers, …), merged over what the lab writes. */
  extraConfig?: Record<string, unknown>;
  /** Per node, the capacity its daemon publishes for placement by load (the lab's nodes share one host: without it each reports the host's). */
  capacities?: Partial<Record<NodeHost, { cores: number; memoryMiB: number }>>;
  /**
   * How long a node reset by its watchdog stays down before corosync starts again (default 60 s,
   * a server's reboot; a node back sooner than the failover takes its services up again itself).
   */
  bootDelayMs?: number;
  /** Start the HA stack again when a node boots after a watchdog reset (a machine's boot would). */
  restartAfterReset?: boolean;
  /** Extra arguments of every node's `quorate watchdog-mux` (`--metrics ADDR`, …). */
  muxArgs?: string[];
  /**
   * Each node's store directory on a tmpfs of this many bytes (mounted outside the hosts, so it
   * survives a power cut as a disk would), which a fault can fill or turn read-only.
   */
  storeTmpfsBytes?: number;
}

interface NodeStack {
  timer: EmulatedWatchdogTimer;
  mux: ChildProcess | null;
  daemon: ChildProcess | null;
}

export class LabHaCluster {
  readonly timings: HaTimings;
  /** Watchdog resets seen, with monotonic times (ms) of when the reset began. */
  readonly resets: (EmulatedTimerExpiry & { at: number })[] = [];
  private readonly stacks = new Map<NodeHost, NodeStack>();
  private readonly pendingBoots = new Set<() => void>();
  /** Nodes between their watchdog reset and the end of their power-on. */
  private readonly resetting = new Set<NodeHost>();
  private stopped = false;

  private constructor(readonly lab: NamespaceLab, readonly dir: string, private readonly options: LabHaOptions) {
    this.timings = { ...daemonTimingDefaults, ...options.timings };
  }

  /** Starts the stack on every node and waits until each daemon's operator socket exists. */
  static async start(lab: NamespaceLab, options: LabHaOptions = {}): Promise<LabHaCluster> {
    // Outside /run: a host sees its own private /run, but this directory must be seen by all.
    const dir = join(tmpdir(), `quorate-ha-${lab.name}`);
    unmountUnder(dir);
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    const cluster = new LabHaCluster(lab, dir, { ...options, timings: await withWatchdogFloor(lab, options.timings ?? {}) });
    try {
      for (const node of lab.nodes) await cluster.prepare(node.name as NodeHost);
      await Promise.all(lab.nodes.map((n) => cluster.boot(n.name as NodeHost)));
      await cluster.waitReady(cluster.nodes, 60_000);
    } catch (err) {
      // What was started goes again (timers, processes, the store tmpfs): the caller has no cluster to stop.
      await cluster.stop();
      throw err;
    }
    return cluster;
  }

  /**
   * Waits until every given node's daemon answers on its operator socket as quorate with a
   * current copy of the HA state (so the operator CLI can change things), and, with a quorum
   * device, until corosync counts the device's vote.
   */
  async waitReady(nodes: NodeHost[], timeoutMs: number): Promise<void> {
    const deadline = monotonicClock.now() + timeoutMs;
    let last = '';
    for (const node of nodes) {
      for (;;) {
        const result = await this.cli(node, ['status', '--json']);
        try {
          const status = JSON.parse(result.stdout) as { ha: { quorate: boolean } | null; haUnavailable?: string };
          if (status.ha?.quorate === true) break;
          last = status.ha === null ? status.haUnavailable ?? 'no HA daemon' : 'not quorate yet';
        } catch {
          last = result.stderr.trim() || result.stdout.trim();
        }
        if (monotonicClock.now() > deadline) throw new Error(`${node}: HA daemon not ready after ${timeoutMs} ms (${last})`);
        await new Promise((r) => setTimeout(r, 200));
      }
    }
    if (this.lab.options.qdevice !== 'none') await this.lab.waitQuorate({ nodes, timeoutMs: Math.max(1000, deadline - monotonicClock.now()), deviceVote: true });
  }

  get nodes(): NodeHost[] {
    return [...this.stacks.keys()];
  }

  /** Every lab service start and stop and every power cut, with monotonic times (src/daemon/resources/lab-service-journal.ts). */
  get journalPath(): string {
    return join(this.dir, 'service-journal.jsonl');
  }

  /** Cuts a node's power and journals it: its service instances end there. */
  async powerOff(node: NodeHost): Promise<void> {
    await this.lab.powerOff(node);
    // Its next boot is no watchdog reset: the lab timer's boot status says so, as hardware's would.
    this.stacks.get(node)?.timer.bootedOtherwise();
    appendJournal(this.journalPath, { at: monotonicNowMs(), event: 'host-down', node });
  }

  configPath(node: NodeHost): string {
    return join(this.dir, node, 'quorate.json');
  }

  /**
   * The lab's stand-in for systemd's job queue (no systemd per lab node): the daemon's
   * shutdown.jobsCommand prints this file, so a queued reboot.target or poweroff.target start
   * job tells the daemon's next SIGTERM that the node goes down; an empty file, a daemon stop.
   */
  private jobsPath(node: NodeHost): string {
    return join(this.dir, node, 'systemd-jobs');
  }

  /** Queues (or, with null, clears) the systemd start job of reboot.target or poweroff.target on a node. */
  queueSystemJob(node: NodeHost, kind: 'reboot' | 'poweroff' | null): void {
    writeFileSync(this.jobsPath(node), kind === null ? '' : `1 ${kind}.target start waiting\n`);
  }

  /**
   * `systemctl restart quorate-daemon` as the lab has it: SIGTERM to the daemon (no system job
   * queued), wait for it to exit, start it again; the multiplexer keeps running. Resolves with
   * when the old daemon was told to stop and when it had exited (monotonic ms).
   */
  async restartDaemon(node: NodeHost): Promise<{ signalledAt: number; exitedAt: number }> {
    const stack = this.stack(node);
    const signalledAt = monotonicClock.now();
    stack.daemon?.kill('SIGTERM');
    await exited(stack.daemon, 60_000);
    const exitedAt = monotonicClock.now();
    await this.startDaemon(node);
    return { signalledAt, exitedAt };
  }

  /**
   * An orderly reboot: the systemd job queued, SIGTERM to the daemon (it applies the shutdown
   * policy and exits), then the multiplexer, the power cycle (down for `downMs`) and the boot.
   * Resolves with when the daemon had exited and when the node was booting again (monotonic ms).
   */
  async reboot(node: NodeHost, downMs: number): Promise<{ exitedAt: number; bootedAt: number }> {
    const stack = this.stack(node);
    this.queueSystemJob(node, 'reboot');
    stack.daemon?.kill('SIGTERM');
    await exited(stack.daemon, 120_000);
    const exitedAt = monotonicClock.now();
    stack.mux?.kill('SIGTERM');
    await exited(stack.mux, 5000);
    stack.daemon = null;
    stack.mux = null;
    await this.powerOff(node);
    await new Promise((r) => setTimeout(r, downMs));
    this.queueSystemJob(node, null);
    await this.lab.powerOn(node);
    const bootedAt = monotonicClock.now();
    await this.boot(node);
    return { exitedAt, bootedAt };
  }

  /** With lab BMCs, every node's BMC is its fence device; the passwords go in a root-only secrets file. */
  private fencingConfig(nodeDir: string): Record<string, unknown> {
    const nodes = this.lab.nodes.map((n) => n.name as NodeHost);
    const secretsFile = join(nodeDir, 'fence-secrets.json');
    writeFileSync(secretsFile, `${JSON.stringify(Object.fromEntries(nodes.map((n) => [bmcFenceDevice(this.lab.bmc(n)).name, { password: this.lab.bmc(n).password }])))}\n`, { mode: 0o600 });
    return { secretsFile, nodes: Object.fromEntries(nodes.map((n) => [n, [bmcFenceDevice(this.lab.bmc(n))]])) };
  }

  /** The node's store directory (its state directory's HA part). */
  storeDir(node: NodeHost): string {
    return join(this.dir, node, 'store');
  }

  /** True from a node's watchdog reset until its power-on after the boot delay has finished. */
  isResetting(node: NodeHost): boolean {
    return this.resetting.has(node);
  }

  /** SIGKILL of the node's daemon (a crash: no shutdown policy, the multiplexer keeps its lease). */
  killDaemon(node: NodeHost): void {
    const daemon = this.stack(node).daemon;
    if (daemon?.pid !== undefined && isAlive(daemon.pid)) daemon.kill('SIGKILL');
  }

  /** Starts what is missing of a powered node's stack: the whole boot without a multiplexer, else the daemon. */
  async ensureRunning(node: NodeHost): Promise<void> {
    const stack = this.stack(node);
    const alive = (p: ChildProcess | null): boolean => p?.pid !== undefined && isAlive(p.pid);
    if (!alive(stack.mux)) await this.boot(node);
    else if (!alive(stack.daemon)) await this.startDaemon(node);
  }

  logPath(node: NodeHost): string {
    return join(this.dir, node, 'daemon.log');
  }

  private async prepare(node: NodeHost): Promise<void> {
    const nodeDir = join(this.dir, node);
    mkdirSync(join(nodeDir, 'store'), { recursive: true });
    if (this.options.storeTmpfsBytes !== undefined) {
      await runChecked(['mount', '-t', 'tmpfs', '-o', `size=${this.options.storeTmpfsBytes},mode=0700`, `quorate-store-${node}`, this.storeDir(node)]);
    }
    const watchdogSeconds = Math.ceil(this.timings.watchdogMs / 1000);
    const config = {
      node,
      timings: { ...this.timings, watchdogMs: watchdogSeconds * 1000 },
      watchdog: { socket: muxSocket, fenceRecord: join(nodeDir, 'last-fence.json') },
      store: { dir: join(nodeDir, 'store') },
      operator: { socket: operatorSocket },
      qdevice: { mode: this.options.qdevice ?? 'integrated', voteGraceMs: this.options.voteGraceMs ?? 0 },
      shutdown: { jobsCommand: ['cat', this.jobsPath(node)] },
      ...(this.lab.options.bmc ? { fencing: this.fencingConfig(nodeDir) } : {}),
      ...(this.options.capacities?.[node] === undefined ? {} : { capacity: this.options.capacities[node] }),
      ...this.options.extraConfig,
      // The lab driver journals; extra driver sections (vm) join it.
      drivers: { lab: { journal: this.journalPath }, ...(this.options.extraConfig?.drivers as Record<string, unknown> | undefined) },
    };
    writeFileSync(this.configPath(node), `${JSON.stringify(config, null, 2)}\n`);
    this.queueSystemJob(node, null);
    const timer = await EmulatedWatchdogTimer.start({
      host: node, socketPath: labTimerSocket(nodeDir), sysfsDir: labTimerSysfs(nodeDir),
      log: { info: () => undefined, warn: () => undefined, error: () => undefined },
      reset: async () => {
        // A machine without power has no watchdog: a timer left armed by a power cut does nothing.
        if (!this.lab.isPoweredOn(node)) return;
        this.resetting.add(node);
        this.resets.push({ host: node, timeoutMs: 0, silentMs: 0, resetTookMs: 0, at: monotonicClock.now() });
        const stack = this.stacks.get(node);
        if (stack !== undefined) {
          stack.mux = null;
          stack.daemon = null;
        }
        await this.lab.powerOff(node);
        appendJournal(this.journalPath, { at: monotonicNowMs(), event: 'host-down', node });
        await new Promise<void>((resolve) => {
          const done = (): void => {
            clearTimeout(timer);
            this.pendingBoots.delete(done);
            resolve();
          };
          const timer = setTimeout(done, this.options.bootDelayMs ?? 60_000);
          this.pendingBoots.add(done);
        });
        try {
          // Someone (a benchmark's restore, stop) may have powered it on or ended the lab meanwhile.
          if (this.stopped || this.lab.isPoweredOn(node)) return;
          await this.lab.powerOn(node);
        } finally {
          this.resetting.delete(node);
        }
        if (this.options.restartAfterReset === true) await this.boot(node);
      },
    });
    this.stacks.set(node, { timer, mux: null, daemon: null });
  }

  /** What a boot starts after corosync: the multiplexer, then the daemon. */
  async boot(node: NodeHost): Promise<void> {
    const stack = this.stack(node);
    const nodeDir = join(this.dir, node);
    rmSync(join(this.lab.host(node).runDir, 'quorate'), { recursive: true, force: true });
    const log = openSync(this.logPath(node), 'a');
    try {
      stack.mux = this.lab.spawn(node, [process.execPath, cliPath, 'watchdog-mux', '--socket', muxSocket,
        '--marker', '/run/quorate/watchdog.active', '--timeout', String(Math.ceil(this.timings.watchdogMs / 1000)),
        '--lab-timer', labTimerSocket(nodeDir), '--device-sysfs', labTimerSysfs(nodeDir), '--fence-record', join(nodeDir, 'last-fence.json'), ...(this.options.muxArgs ?? [])], { stdio: ['ignore', log, log] });
      await this.waitForFile(node, basename(muxSocket), stack.mux);
    } finally {
      closeSync(log);
    }
    await this.startDaemon(node);
  }

  /** Starts the node's daemon and waits until it logged its start. */
  private async startDaemon(node: NodeHost): Promise<void> {
    const stack = this.stack(node);
    const log = openSync(this.logPath(node), 'a');
    const logOffset = statSync(this.logPath(node)).size;
    try {
      stack.daemon = this.lab.spawn(node, [process.execPath, cliPath, 'daemon', 'run', '--config', this.configPath(node)],
        { stdio: ['ignore', log, log], env: { ...process.env, QUORATE_LOG_LEVEL: 'info', QUORATE_LOG_MONOTONIC: '1' } });
      await this.waitForDaemon(node, stack.daemon, logOffset);
    } finally {
      closeSync(log);
    }
  }

  /** The node's daemon and multiplexer log so far. */
  log(node: NodeHost): Promise<string> {
    return readFile(this.logPath(node), 'utf8');
  }

  /** Runs `quorate ARGS` inside the node (the operator CLI against its daemon). */
  cli(node: NodeHost, args: string[]) {
    return this.lab.exec(node, [process.execPath, cliPath, ...args], { timeoutMs: 15_000 });
  }

  onReset(listener: (expiry: EmulatedTimerExpiry) => void): void {
    for (const stack of this.stacks.values()) stack.timer.onExpiry(listener);
  }

  /** Daemon and multiplexer alive and not stopped (a SIGSTOPped daemon is killed so a boot can replace it). */
  isRunning(node: NodeHost): boolean {
    const stack = this.stack(node);
    return [stack.mux, stack.daemon].every((p) => p !== null && p.pid !== undefined && isAlive(p.pid) && !isStopped(p.pid));
  }

  daemonPid(node: NodeHost): number | undefined {
    return this.stack(node).daemon?.pid;
  }

  /** An orderly power-off of every node (SIGTERM to the daemons with poweroff.target queued), then the multiplexers and the timers. */
  async stop(): Promise<void> {
    this.stopped = true;
    for (const cancel of this.pendingBoots) cancel();
    for (const node of this.nodes) this.queueSystemJob(node, 'poweroff');
    for (const stack of this.stacks.values()) stack.daemon?.kill('SIGTERM');
    await Promise.all([...this.stacks.values()].map((s) => exited(s.daemon, 15_000)));
    for (const stack of this.stacks.values()) stack.mux?.kill('SIGTERM');
    await Promise.all([...this.stacks.values()].map((s) => exited(s.mux, 5000)));
    for (const stack of this.stacks.values()) await stack.timer.close();
    unmountUnder(this.dir);
    rmSync(this.dir, { recursive: true, force: true });
  }

  private stack(node: NodeHost): NodeStack {
    const stack = this.stacks.get(node);
    if (stack === undefined) throw new Error(`no HA stack on ${node}`);
    return stack;
  }

  private async waitForFile(node: NodeHost, name: string, child: ChildProcess): Promise<void> {
    const path = join(this.lab.host(node).runDir, 'quorate', name);
    await waitUntil(`${node}: ${name}`, 15_000, child, () => existsSync(path));
  }

  /** The daemon logs `daemon started` once its first round is scheduled; only this boot's lines count. */
  private async waitForDaemon(node: NodeHost, child: ChildProcess, logOffset: number): Promise<void> {
    try {
      await waitUntil(`${node}: daemon start`, 60_000, child, () => readFileSync(this.logPath(node)).subarray(logOffset).includes('daemon started'));
    } catch (err) {
      const tail = readFileSync(this.logPath(node), 'utf8').slice(logOffset).trimEnd().split('\n').slice(-8).join('\n    ');
      throw new Error(`${err instanceof Error ? err.message : String(err)}; its log:\n    ${tail}`);
    }
  }
}

/**
 * Without a configured W, the daemon's default raised to the smallest the start-up check accepts
 * on this lab's corosync: token and consensus grow with the node count (token_coefficient).
 */
async function withWatchdogFloor(lab: NamespaceLab, timings: Partial<HaTimings>): Promise<Partial<HaTimings>> {
  if (timings.watchdogMs !== undefined) return timings;
  const dump = await lab.exec('node1', ['corosync-cmapctl']);
  if (dump.code !== 0) throw new Error(`node1: corosync-cmapctl failed: ${dump.stderr.trim()}`);
  const cmap = new Map(dump.stdout.split('\n').flatMap((line) => {
    const m = /^(\S+) \([a-z0-9]+\) = (.*)$/.exec(line);
    return m === null ? [] : [[m[1]!, m[2]!] as const];
  }));
  const corosync = readCorosyncValues({ find: (key) => cmap.get(key) });
  const merged = { ...daemonTimingDefaults, ...timings };
  return { ...timings, watchdogMs: Math.max(merged.watchdogMs, minimumWatchdogMs(corosync, merged)) };
}

async function waitUntil(what: string, timeoutMs: number, child: ChildProcess, done: () => boolean): Promise<void> {
  const deadline = monotonicClock.now() + timeoutMs;
  while (!done()) {
    if (child.exitCode !== null || (child.pid !== undefined && !isAlive(child.pid))) throw new Error(`${what}: the process exited (code ${String(child.exitCode)})`);
    if (monotonicClock.now() > deadline) throw new Error(`${what}: not ready after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Unmounts every mount at or below `dir` (the store tmpfs of this or a crashed run), deepest first. */
function unmountUnder(dir: string): void {
  let mounts: string[];
  try {
    mounts = readFileSync('/proc/self/mounts', 'utf8').split('\n').map((l) => l.split(' ')[1] ?? '');
  } catch {
    return;
  }
  for (const target of mounts.filter((m) => m === dir || m.startsWith(`${dir}/`)).sort().reverse()) {
    execFileSync('umount', ['-l', target], { stdio: 'ignore' });
  }
}

function isStopped(pid: number): boolean {
  try {
    return /^State:\s+T/m.test(readFileSync(`/proc/${pid}/status`, 'utf8'));
  } catch {
    return false;
  }
}

function exited(child: ChildProcess | null, timeoutMs: number): Promise<void> {
  if (child === null || child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      resolve();
    }, timeoutMs);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
  });
}
