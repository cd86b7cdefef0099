/**
 * `quorate vmlab`: the namespace lab's counterpart with real kernels. Three qemu guests (node1,
 * node2, arbiter) boot one Debian image provisioned by vagrant/vmlab/build-image.sh; each node
 * runs corosync, the watchdog multiplexer on softdog and the node daemon, the arbiter runs
 * corosync-qnetd. The guests sit on a bridge inside one network namespace; the lab host reaches
 * them over ssh from there. Power loss kills a guest's qemu; a link cut takes its tap down; a
 * watchdog reset ends its qemu (-no-reboot), timed on the host.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { guardLab, unguardLab } from '../lab/exit-guard';
import { isAlive, killNamespacesSync, signalPids } from '../lab/processes';
import { parseQuorumStatus, type QuorumStatus } from '../lab/quorum-status';
import { run, runChecked, type RunResult } from '../util/run';
import { listNamespacesSync } from '../lab/teardown';
import { makeCodeDisk } from './code-disk';
import { guestNamed, vmlabGuests, vmlabLayout, vmlabPaths, type Guest, type GuestName } from './layout';
import { qemuArgv, type GuestImage } from './qemu';

export type VmlabProgress = (message: string) => void;

/** The checkout this code was built from (dist/src/vmlab → the repository). */
const checkoutRoot = resolve(__dirname, '../../..');

/** Three TCG guests on two busy cores boot in 70-130 s. */
const defaultReadyTimeoutMs = 420_000;

interface VmlabState {
  image: GuestImage;
  pids: Partial<Record<GuestName, number>>;
}

export interface GuestStatus {
  name: GuestName;
  role: Guest['role'];
  address: string;
  running: boolean;
  pid?: number;
}

/** Why the VM lab cannot run here, or undefined when it can. */
export function vmlabUnavailableReason(): string | undefined {
  if (process.getuid?.() !== 0) return 'the VM lab needs root (network namespace, taps, image build)';
  if (!existsSync('/dev/net/tun')) return 'the VM lab needs /dev/net/tun for the guests\' taps';
  if (spawnSync('sh', ['-c', 'command -v debootstrap || apt-cache show debootstrap'], { stdio: 'ignore' }).status !== 0) {
    return 'the VM lab builds its image with debootstrap, which apt cannot find';
  }
  return undefined;
}

function readStateFile(): VmlabState | undefined {
  try {
    return JSON.parse(readFileSync(vmlabPaths.state, 'utf8')) as VmlabState;
  } catch {
    return undefined;
  }
}

function guestPids(state: VmlabState | undefined): number[] {
  const pids = Object.values(state?.pids ?? {});
  for (const g of vmlabGuests) {
    try {
      pids.push(Number(readFileSync(vmlabPaths.pidFile(g), 'utf8').trim()));
    } catch {
      // Not started (or already gone with the run directory).
    }
  }
  return [...new Set(pids.filter((p) => Number.isInteger(p) && p > 0))];
}

/** Removes everything the VM lab made: qemu processes, the namespace, overlays and the code disk. */
export function vmlabTeardownSync(): void {
  killNamespacesSync(listNamespacesSync().includes(vmlabLayout.netns) ? [vmlabLayout.netns] : [], guestPids(readStateFile()));
  spawnSync('ip', ['netns', 'del', vmlabLayout.netns], { stdio: 'ignore' });
  rmSync(vmlabLayout.runDir, { recursive: true, force: true });
}

export function vmlabIsUp(): boolean {
  return guestPids(readStateFile()).some(isAlive);
}

export class VmLab {
  private constructor(private state: VmlabState, private readonly owned: boolean) {}

  /**
   * Builds (or reuses) the image, makes the code disk from `checkout`, boots the three guests and
   * waits until both nodes count 3 votes and their daemons answer. `owned`: torn down when this
   * process ends (tests); a CLI `up` leaves it running for `vmlab down`.
   */
  static async up(options: { owned: boolean; progress?: VmlabProgress; readyTimeoutMs?: number; checkout?: string }): Promise<VmLab> {
    const checkout = options.checkout ?? checkoutRoot;
    const progress = options.progress ?? ((): void => undefined);
    if (vmlabIsUp()) throw new Error('a VM lab is up already: `quorate vmlab down` first');
    vmlabTeardownSync();
    progress('image: building or reusing the cached Debian image (vagrant/vmlab/build-image.sh)');
    const image = await buildImage(checkout);
    mkdirSync(vmlabLayout.runDir, { recursive: true, mode: 0o700 });
    const lab = new VmLab({ image, pids: {} }, options.owned);
    if (options.owned) guardLab('vmlab', vmlabTeardownSync);
    try {
      lab.save();
      progress('network: namespace, bridge and one tap per guest');
      await createNetwork();
      progress('code disk: this checkout\'s build and the cluster files');
      await makeCodeDisk(checkout);
      for (const guest of vmlabGuests) {
        await runChecked(['qemu-img', 'create', '-q', '-f', 'qcow2', '-b', image.base, '-F', 'raw', vmlabPaths.overlay(guest)]);
        await lab.boot(guest.name, progress);
      }
      await lab.waitReady(vmlabGuests.map((g) => g.name), options.readyTimeoutMs ?? defaultReadyTimeoutMs, progress);
      return lab;
    } catch (err) {
      if (options.owned) lab.down();
      throw err;
    }
  }

  /** The VM lab a previous `up` left running. */
  static attach(): VmLab {
    const state = readStateFile();
    if (state === undefined || !vmlabIsUp()) throw new Error('no VM lab is up: `quorate vmlab up` first');
    return new VmLab(state, false);
  }

  down(): void {
    vmlabTeardownSync();
    if (this.owned) unguardLab('vmlab');
  }

  status(): GuestStatus[] {
    return vmlabGuests.map((g) => {
      const pid = this.state.pids[g.name];
      return { name: g.name, role: g.role, address: g.address, running: this.isRunning(g.name), ...(pid !== undefined ? { pid } : {}) };
    });
  }

  isRunning(name: GuestName): boolean {
    const pid = this.state.pids[name];
    return pid !== undefined && isAlive(pid);
  }

  /**
   * Runs a command in a guest as root over ssh from the lab namespace. A connection that could
   * not be set up (a guest starved by a busy host misses ssh's banner exchange) is tried again
   * while the guest runs: the command never reached it, so it cannot run twice.
   */
  async exec(name: string, argv: string[], timeoutMs = 60_000): Promise<RunResult> {
    const deadline = performance.now() + timeoutMs;
    for (let attempt = 1; ; attempt++) {
      const result = await run(this.execArgv(name, argv), { timeoutMs: Math.max(1000, deadline - performance.now()) });
      if (!sshNeverConnected(result) || attempt >= sshConnectAttempts || !this.isRunning(name as GuestName) || performance.now() >= deadline) return result;
    }
  }

  /** The host-side argv that runs `argv` in a guest (for callers that stream its output). */
  execArgv(name: string, argv: string[]): string[] {
    const guest = guestNamed(name);
    return ['ip', 'netns', 'exec', vmlabLayout.netns, ...sshArgv(this.state.image.sshKey, guest.address), '--', ...argv.map(shellQuote)];
  }

  async quorumOf(name: GuestName): Promise<QuorumStatus | undefined> {
    const result = await this.exec(name, ['corosync-quorumtool', '-s'], 20_000);
    return /^Quorate:/m.test(result.stdout) ? parseQuorumStatus(result.stdout) : undefined;
  }

  /** Power loss: the guest's qemu is killed. */
  powerOff(name: GuestName): void {
    const pid = this.state.pids[name];
    if (pid !== undefined) signalPids([pid], 'SIGKILL');
  }

  /** The guest's only link goes down on the bridge side; it keeps running. */
  async cutLink(name: GuestName): Promise<void> {
    await runChecked(['ip', '-n', vmlabLayout.netns, 'link', 'set', guestNamed(name).tap, 'down']);
  }

  /** Runs a program in the lab namespace (the probe's place: outside the cluster). */
  namespaceArgv(argv: string[]): string[] {
    return ['ip', 'netns', 'exec', vmlabLayout.netns, ...argv];
  }

  /**
   * Powers a guest that was reset or powered off on again, with its disk as it was (a reboot),
   * and waits until it is back in the cluster.
   */
  async restart(name: GuestName, progress: VmlabProgress = () => undefined, timeoutMs = defaultReadyTimeoutMs): Promise<void> {
    if (this.isRunning(name)) throw new Error(`${name} is running: power it off first`);
    await this.boot(name, progress);
    await this.waitReady([name], timeoutMs, progress);
  }

  private async boot(name: GuestName, progress: VmlabProgress): Promise<void> {
    const guest = guestNamed(name);
    await runChecked(['ip', 'netns', 'exec', vmlabLayout.netns, ...qemuArgv(guest, this.state.image)], { timeoutMs: 60_000 });
    this.state.pids[name] = Number(readFileSync(vmlabPaths.pidFile(guest), 'utf8').trim());
    this.save();
    await runChecked(['ip', '-n', vmlabLayout.netns, 'link', 'set', guest.tap, 'up']);
    progress(`${name}: booting (qemu pid ${this.state.pids[name]}, console ${vmlabPaths.console(guest)})`);
  }

  private async waitReady(names: GuestName[], timeoutMs: number, progress: VmlabProgress): Promise<void> {
    const deadline = performance.now() + timeoutMs;
    const started = performance.now();
    const pending = new Set<GuestName>(names);
    const waitingFor = new Map<GuestName, string>();
    while (pending.size > 0) {
      for (const name of [...pending]) {
        if (!this.isRunning(name)) throw new Error(`${name}'s qemu ended during boot; see ${vmlabPaths.console(guestNamed(name))}`);
        const state = await this.readiness(name);
        if (state === 'ready') {
          pending.delete(name);
          waitingFor.delete(name);
          progress(`${name}: ready after ${((performance.now() - started) / 1000).toFixed(1)} s`);
        } else {
          waitingFor.set(name, state);
        }
      }
      if (pending.size === 0) break;
      if (performance.now() > deadline) {
        const states = [...waitingFor].map(([name, state]) => `${name}: ${state}`).join('; ');
        throw new Error(`the VM lab was not ready within ${timeoutMs / 1000} s (still waiting for ${states})`);
      }
      await sleep(2000);
    }
  }

  /** 'ready', or what the guest is still waiting for. */
  private async readiness(name: GuestName): Promise<string> {
    const guest = guestNamed(name);
    if (guest.role === 'arbiter') {
      const r = await this.exec(name, ['systemctl', 'is-active', 'corosync-qnetd'], 15_000);
      return r.stdout.trim() === 'active' ? 'ready' : `qnetd ${r.stdout.trim() || r.stderr.trim() || 'unreachable'}`;
    }
    const quorum = await this.quorumOf(name);
    if (quorum?.totalVotes !== 3) return `votes ${quorum?.totalVotes ?? 'unknown'}`;
    const daemon = await this.exec(name, ['quorate', 'status', '--json'], 20_000);
    return daemon.code === 0 ? 'ready' : `daemon ${daemon.stderr.trim() || `exit ${daemon.code}`}`;
  }

  private save(): void {
    writeFileSync(vmlabPaths.state, JSON.stringify(this.state));
  }
}

/** The machine lacks something the VM lab needs (the build script's exit code 3). */
export class VmlabUnavailableError extends Error {
  override name = 'VmlabUnavailableError';
}

async function buildImage(checkout: string): Promise<GuestImage> {
  const result = await run(['bash', join(checkout, 'vagrant/vmlab/build-image.sh')], { timeoutMs: 900_000 });
  if (result.code === 3) throw new VmlabUnavailableError(result.stderr.trim());
  if (result.code !== 0) throw new Error(`the VM lab image could not be built: ${result.stderr.trim() || `exit ${result.code}`}`);
  const dir = result.stdout.trim().split('\n').pop() ?? '';
  return { base: join(dir, 'base.img'), kernel: join(dir, 'vmlinux'), initrd: join(dir, 'initrd.img'), sshKey: join(dir, 'id_ed25519') };
}

async function createNetwork(): Promise<void> {
  const { netns, bridge, bridgeCidr } = vmlabLayout;
  await runChecked(['ip', 'netns', 'add', netns]);
  await runChecked(['ip', '-n', netns, 'link', 'set', 'lo', 'up']);
  await runChecked(['ip', '-n', netns, 'link', 'add', bridge, 'type', 'bridge']);
  await runChecked(['ip', '-n', netns, 'addr', 'add', bridgeCidr, 'dev', bridge]);
  await runChecked(['ip', '-n', netns, 'link', 'set', bridge, 'up']);
  for (const guest of vmlabGuests) {
    await runChecked(['ip', '-n', netns, 'tuntap', 'add', 'dev', guest.tap, 'mode', 'tap']);
    await runChecked(['ip', '-n', netns, 'link', 'set', guest.tap, 'master', bridge, 'up']);
  }
}

const sshConnectAttempts = 3;

/**
 * ssh failed (its own exit code 255) before the remote command could start: no TCP connection,
 * or none that finished the banner exchange. A session lost later (the command may have run) is not.
 */
export function sshNeverConnected(result: RunResult): boolean {
  return result.code === 255 && /Connection timed out|banner exchange|Connection refused|Connection reset by|No route to host/.test(result.stderr);
}

function sshArgv(key: string, address: string): string[] {
  // A starved emulated guest can stay silent for several seconds: the session survives 20 s of it.
  return ['ssh', '-i', key, '-o', 'BatchMode=yes', '-o', 'StrictHostKeyChecking=no', '-o', 'UserKnownHostsFile=/dev/null',
    '-o', 'LogLevel=ERROR', '-o', 'ConnectTimeout=10', '-o', 'ServerAliveInterval=2', '-o', 'ServerAliveCountMax=10', `root@${address}`];
}

/** ssh hands the remote shell one string: every argument is quoted so it arrives as given. */
export function shellQuote(arg: string): string {
  return /^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`;
}
