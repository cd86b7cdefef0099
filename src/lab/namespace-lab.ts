import type { ChildProcess, SpawnOptions } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { monotonicClock } from '../util/clock';
import { appendJournal, monotonicNowMs } from '../daemon/resources/lab-service-journal';
import { applyBmcFault, createBmc, newBmcState, startBmc, stopBmc, type BmcFault, type BmcState } from './bmc';
import { renderCorosyncConf } from './corosync-config';
import { LabNotUpError } from './errors';
import { guardLab, unguardLab } from './exit-guard';
import { ensureGuestImage } from './guest-image';
import { hypervisorHostUuid } from './hypervisor-config';
import { LabHypervisor, lockspaceDir, nodeLibvirtUri, placeGuestImage } from './hypervisor';
import { clearHypervisorRunState, ensureLibvirtQemuUser, hypervisorBinds, hypervisorHelperSockets, libvirtdLogFile, prepareHypervisorNode, saveCapabilities } from './hypervisor-node';
import { defaultLabName, guestNetworkNames, labNames, newLabId, type HostAddressing, type HostName, type NodeHost } from './names';
import { resolveLabOptions, type LabOptions, type ResolvedLabOptions } from './options';
import { hypervisorUnavailableReason } from './requirements';
import { inHost, isAlive, killNamespacesSync, namespacePidsSync, processStartTime, programName, signalPids, spawnInHost, startDaemon } from './processes';
import { parseQuorumStatus, type QuorumStatus } from './quorum-status';
import { run, runChecked, type RunOptions, type RunResult } from '../util/run';
import { createState, labDir, readState, writeState, type HostState, type LabState } from './state';
import { clearLeftovers, labIsLive, teardownSync } from './teardown';
import { provisionTls } from './tls';
import { createGuestNetwork, createTopology, hostLinkDown, hostLinkUp, setGuestPort, setPort, setPortIsolated } from './topology';

/** The lab client's address: outside the hosts' range (.1-.16 nodes, .20 arbiter) and the services'. */
const clientAddress = '10.213.0.250';

/** One host of the lab as callers see it. */
export interface LabHost {
  name: HostName;
  netns: string;
  address: string;
  /** corosync node id (nodes only). */
  nodeId?: number;
  /** The host's directory: corosync.conf, and the run/, log/ and state/ directories. */
  dir: string;
  /** Bound over /run inside the host. */
  runDir: string;
  /** Bound over /etc/corosync inside the host. */
  etcDir: string;
  logDir: string;
}

export interface WaitQuorateOptions {
  timeoutMs?: number;
  /** Nodes that must be quorate together; default: every powered-on node. */
  nodes?: NodeHost[];
  /** Also wait for the quorum device's vote; default: whenever the lab runs a quorum device. */
  deviceVote?: boolean;
}

export interface HostStatus extends LabHost {
  poweredOn: boolean;
  daemons: { program: string; pid: number; alive: boolean }[];
  /** Parsed `corosync-quorumtool -s`, or why it failed (nodes only). */
  quorum?: QuorumStatus | string;
}

export interface LabStatus {
  name: string;
  id: string;
  options: ResolvedLabOptions;
  upDurationMs: number | undefined;
  hosts: HostStatus[];
}

export type ProgressReporter = (message: string) => void;

const qnetdTlsFlag = { off: 'off', on: 'on', required: 'req' } as const;

/**
 * A cluster of real corosync nodes (and an arbiter host) in network namespaces on one
 * machine, with the fault helpers tests need. `NamespaceLab.up` brings one up; `NamespaceLab.attach` finds one a
 * CLI `up` left running.
 */
export class NamespaceLab {
  private constructor(private readonly state: LabState) {}

  /** Brings a lab up and waits until every node is quorate with the device vote. */
  static async up(options: LabOptions = {}, progress: ProgressReporter = () => undefined): Promise<NamespaceLab> {
    const id = newLabId();
    const resolved = resolveLabOptions(options, id);
    const started = monotonicClock.now();
    const cleared = clearLeftovers();
    if (cleared.length > 0) progress(`cleared leftovers of crashed runs: ${cleared.join(', ')}`);
    const lab = new NamespaceLab(initialState(resolved, id));
    if (!createState(lab.state)) {
      throw new Error(`lab ${resolved.name} is already up: run 'quorate lab down${resolved.name === defaultLabName ? '' : ` --name ${resolved.name}`}' first`);
    }
    guardLab(resolved.name, () => teardownSync(lab.state));
    try {
      await lab.bringUp(progress);
      lab.state.upDurationMs = monotonicClock.now() - started;
      writeState(lab.state);
      return lab;
    } catch (err) {
      unguardLab(resolved.name);
      teardownSync(lab.state);
      throw err;
    }
  }

  /** The lab a CLI `up` (or another process) brought up under `name`. */
  static attach(name: string = defaultLabName): NamespaceLab {
    const state = readState(name);
    if (state === undefined || !labIsLive(name)) {
      throw new LabNotUpError(`lab ${name} is not up${state === undefined ? '' : ' (only leftovers of a crashed run remain)'}: run 'quorate lab up${name === defaultLabName ? '' : ` --name ${name}`}'`);
    }
    return new NamespaceLab(state);
  }

  get name(): string { return this.state.name; }
  get id(): string { return this.state.names.id; }
  get options(): ResolvedLabOptions { return this.state.options; }
  get dir(): string { return this.state.dir; }
  /** corosync's cluster_name (TLS certificates are issued for it). */
  get clusterName(): string { return `ql-${this.id}`; }
  /** Monotonic milliseconds from the start of `up` until every node was quorate. */
  get upDurationMs(): number | undefined { return this.state.upDurationMs; }

  get hosts(): Record<'node1' | 'node2' | 'arbiter', LabHost> & Record<string, LabHost> {
    const entries = this.state.names.hosts.map((h) => [h.name, this.host(h.name)] as const);
    return Object.fromEntries(entries) as Record<'node1' | 'node2' | 'arbiter', LabHost> & Record<string, LabHost>;
  }

  /**
   * A client on the lab's switch, outside every host: the bridge namespace with an address of
   * the lab's subnet (added on first use), for probes of a floating service address.
   */
  async client(): Promise<{ netns: string; address: string }> {
    const { bridgeNetns, bridge, prefixLength } = this.state.names;
    const address = clientAddress;
    const shown = await run(['ip', '-n', bridgeNetns, '-4', 'addr', 'show', 'dev', bridge]);
    if (!shown.stdout.includes(`${address}/`)) await runChecked(['ip', '-n', bridgeNetns, 'addr', 'add', `${address}/${prefixLength}`, 'dev', bridge]);
    return { netns: bridgeNetns, address };
  }

  /**
   * The hypervisor side of a lab brought up with `hypervisor`: virsh against a node's libvirtd,
   * the shared directory, the guest image, domain XML for a guest (src/lab/hypervisor.ts).
   */
  get hypervisor(): LabHypervisor {
    const state = this.state.hypervisor;
    if (state === undefined) throw new Error(`lab ${this.name} runs no hypervisor: bring it up with the hypervisor option (quorate lab up --hypervisor)`);
    return new LabHypervisor(state, (node, argv, options) => this.exec(node, argv, options), (node) => this.addressing(node).address);
  }

  get nodes(): LabHost[] {
    return this.state.names.hosts.filter((h) => h.nodeId !== undefined).map((h) => this.host(h.name));
  }

  host(name: HostName): LabHost {
    const addressing = this.addressing(name);
    const dirs = this.hostState(name);
    return {
      name,
      netns: addressing.netns,
      address: addressing.address,
      ...(addressing.nodeId === undefined ? {} : { nodeId: addressing.nodeId }),
      dir: dirs.dir,
      runDir: dirs.runDir,
      etcDir: dirs.etcDir,
      logDir: dirs.logDir,
    };
  }

  /**
   * Every power cut of a host, whoever made it (a test, a bench, a BMC's power control), as
   * `host-down` lines of the lab service journal format: a service's instances end there.
   */
  get powerJournalPath(): string {
    return join(this.state.workDir, 'power-journal.jsonl');
  }

  /** False from `powerOff` until `powerOn` (and for the arbiter host of a lab without one). */
  isPoweredOn(host: HostName): boolean {
    return this.hostState(host).poweredOn;
  }

  /** Runs a command to completion inside the host (its netns and its private /run). */
  exec(host: HostName, argv: string[], options: RunOptions = {}): Promise<RunResult> {
    return run(this.inHost(host, argv), { timeoutMs: 30_000, ...options });
  }

  /** Starts a long-running helper inside the host; `down` and `powerOff` kill it too. */
  spawn(host: HostName, argv: string[], options: SpawnOptions = {}): ChildProcess {
    const child = spawnInHost(this.inHost(host, argv), options);
    if (child.pid !== undefined) {
      this.state.pidsEverStarted.push(child.pid);
      writeState(this.state);
    }
    return child;
  }

  /** `corosync-quorumtool -s` on a node, parsed. */
  async quorumStatus(host: NodeHost): Promise<QuorumStatus> {
    const result = await this.exec(host, ['corosync-quorumtool', '-s'], { timeoutMs: 3000 });
    if (!result.stdout.includes('Quorum information')) {
      throw new Error(`${host}: corosync-quorumtool -s failed (exit ${result.code}): ${result.stderr.trim() || result.stdout.trim()}`);
    }
    return parseQuorumStatus(result.stdout);
  }

  /** The arbiter's view of its clients (`corosync-qnetd-tool -l`), as text. */
  async arbiterClients(): Promise<string> {
    const result = await this.exec('arbiter', ['corosync-qnetd-tool', '-l'], { timeoutMs: 10_000 });
    if (result.code !== 0) throw new Error(`corosync-qnetd-tool -l failed (exit ${result.code}): ${result.stderr.trim()}`);
    return result.stdout;
  }

  /** Every host with its daemons, and each powered-on node's quorum as it reports it. */
  async status(): Promise<LabStatus> {
    const hosts = await Promise.all(this.state.names.hosts.map(async (h): Promise<HostStatus> => {
      const state = this.hostState(h.name);
      const quorum = h.nodeId === undefined || !state.poweredOn ? undefined
        : await this.quorumStatus(h.name as NodeHost).catch((err: Error) => err.message);
      return {
        ...this.host(h.name),
        poweredOn: state.poweredOn,
        daemons: Object.entries(state.daemons).map(([program, pid]) => ({ program, pid, alive: isAlive(pid) })),
        ...(quorum === undefined ? {} : { quorum }),
      };
    }));
    return { name: this.name, id: this.id, options: this.options, upDurationMs: this.upDurationMs, hosts };
  }

  /**
   * Waits until the given nodes (default: every powered-on node) all see each other, are
   * quorate and, with a quorum device, count its vote. A node first forms a one-node membership
   * for a second or two, so the member count matters, not only the `Quorate:` line.
   */
  async waitQuorate(options: WaitQuorateOptions = {}): Promise<Record<string, QuorumStatus>> {
    const nodes = options.nodes ?? this.nodes.map((n) => n.name as NodeHost).filter((n) => this.hostState(n).poweredOn);
    const deadline = monotonicClock.now() + (options.timeoutMs ?? 60_000);
    const withDevice = options.deviceVote ?? this.state.options.qdevice !== 'none';
    let last: Record<string, QuorumStatus | string> = {};
    while (true) {
      const statuses = await Promise.all(nodes.map((n) => this.quorumStatus(n).catch((err: Error) => err.message)));
      last = Object.fromEntries(nodes.map((n, i) => [n, statuses[i] as QuorumStatus | string]));
      const ready = statuses.every((s) => typeof s !== 'string' && s.quorate && s.nodes === nodes.length
        && (!withDevice || (s.qdeviceVotes > 0 && s.expectedVotes === this.nodes.length + s.qdeviceVotes)));
      if (ready) return last as Record<string, QuorumStatus>;
      if (monotonicClock.now() > deadline) {
        const summary = Object.entries(last).map(([n, s]) => typeof s === 'string' ? `${n}: ${s}`
          : `${n}: ${s.nodes} nodes, quorate ${s.quorate}, votes ${String(s.totalVotes)}/${String(s.expectedVotes)}, device ${s.qdeviceVotes}`);
        throw new Error(`lab ${this.name}: nodes not quorate after ${options.timeoutMs ?? 60_000} ms (${summary.join('; ')})`);
      }
      await sleep(100);
    }
  }

  /**
   * Polls a node's quorum status until `predicate` holds; a node whose corosync does not
   * answer (powered off, paused) simply does not match yet.
   */
  async waitForQuorum(host: NodeHost, predicate: (status: QuorumStatus) => boolean, timeoutMs = 30_000): Promise<QuorumStatus> {
    const deadline = monotonicClock.now() + timeoutMs;
    let last: QuorumStatus | string = 'no answer yet';
    while (true) {
      last = await this.quorumStatus(host).catch((err: Error) => err.message);
      if (typeof last !== 'string' && predicate(last)) return last;
      if (monotonicClock.now() > deadline) {
        throw new Error(`${host}: quorum condition not met within ${timeoutMs} ms; last status: ${JSON.stringify(last)}`);
      }
      await sleep(100);
    }
  }

  /** Pulls a host's cable: its switch port goes down; its processes keep running. */
  async cutLink(host: HostName): Promise<void> {
    await setPort(this.state.names, this.addressing(host), false);
    await this.setGuestLink(host, false);
  }

  async restoreLink(host: HostName): Promise<void> {
    await setPort(this.state.names, this.addressing(host), true);
    await this.setGuestLink(host, true);
  }

  /** Nodes can no longer reach each other; every node still reaches the arbiter. */
  async isolateNodes(): Promise<void> {
    for (const node of this.nodeAddressing()) await setPortIsolated(this.state.names, node, true);
  }

  async healIsolation(): Promise<void> {
    for (const node of this.nodeAddressing()) await setPortIsolated(this.state.names, node, false);
  }

  /**
   * Power cut: SIGKILL every process in the host at once, remove their /dev/shm files and drop
   * the host's address and link. A BMC that dies with its node goes too, unless it is the BMC
   * itself that switches the power off (`byBmc`).
   */
  async powerOff(host: HostName, options: { byBmc?: boolean } = {}): Promise<void> {
    const state = this.hostState(host);
    const killed = killNamespacesSync([this.addressing(host).netns], Object.values(state.daemons));
    appendJournal(this.powerJournalPath, { at: monotonicNowMs(), event: 'host-down', node: host });
    const bmc = this.state.bmcs?.[host as NodeHost];
    if (bmc?.fault === 'dies-with-node' && options.byBmc !== true) killed.push(...stopBmc(bmc));
    this.recordPids(killed);
    state.daemons = {};
    state.poweredOn = false;
    writeState(this.state);
    await hostLinkDown(this.addressing(host));
  }

  /** Boot: link up, then the host's daemons (corosync and qdevice, or the arbiter); nothing else. */
  async powerOn(host: HostName): Promise<void> {
    const state = this.hostState(host);
    if (state.poweredOn) throw new Error(`${host} is already powered on`);
    await hostLinkUp(this.state.names, this.addressing(host));
    state.poweredOn = true;
    writeState(this.state);
    const bmc = this.state.bmcs?.[host as NodeHost];
    if (bmc !== undefined && bmc.pid === undefined) await this.startBmcOf(bmc);
    if (host === 'arbiter') {
      await this.startArbiter();
    } else {
      await this.startNode(host);
    }
  }

  /** powerOff, then powerOn after `bootDelayMs` (what a watchdog reset does to a machine). */
  async reset(host: HostName, options: { bootDelayMs?: number } = {}): Promise<void> {
    await this.powerOff(host);
    await sleep(options.bootDelayMs ?? 0);
    await this.powerOn(host);
  }

  /** SIGSTOPs the host's processes (or only those of one program); returns the pids stopped. */
  pause(host: HostName, program?: string): number[] {
    return this.signalHost(host, 'SIGSTOP', program);
  }

  resume(host: HostName, program?: string): number[] {
    return this.signalHost(host, 'SIGCONT', program);
  }

  /** A node's BMC: where it listens and its credentials (labs brought up with `bmc`). */
  bmc(node: NodeHost): Readonly<BmcState> {
    const bmc = this.state.bmcs?.[node];
    if (bmc === undefined) throw new Error(`lab ${this.name} has no BMC for ${node}: bring it up with the bmc option (quorate lab up --bmc)`);
    return bmc;
  }

  /** Sets how a node's BMC fails (see BmcFault); `alive` restores it. */
  async setBmcFault(node: NodeHost, fault: BmcFault): Promise<void> {
    const bmc = this.bmc(node) as BmcState;
    this.recordPids(await applyBmcFault(this.state.names, bmc, fault, this.isPoweredOn(node)));
    if (bmc.pid !== undefined) this.recordPids([bmc.pid]);
  }

  /**
   * Re-reads the lab's state from its file: a BMC's power hook runs in a process of its own and
   * powers nodes off and on there.
   */
  reloadState(): void {
    const state = readState(this.name);
    if (state === undefined) throw new LabNotUpError(`lab ${this.name} is not up`);
    Object.assign(this.state, state);
  }

  /** Stops whatever runs on the arbiter host (SIGTERM, then SIGKILL after 2 s). */
  async stopArbiter(): Promise<void> {
    const netns = this.addressing('arbiter').netns;
    signalPids(namespacePidsSync(netns), 'SIGTERM');
    const deadline = monotonicClock.now() + 2000;
    while (namespacePidsSync(netns).length > 0 && monotonicClock.now() < deadline) await sleep(20);
    this.recordPids(killNamespacesSync([netns], Object.values(this.hostState('arbiter').daemons)));
    this.hostState('arbiter').daemons = {};
    writeState(this.state);
  }

  /** Starts the arbiter (corosync-qnetd or the configured command) on the arbiter host. */
  async startArbiter(): Promise<void> {
    const arbiter = this.state.options.arbiter;
    if (arbiter === 'none') throw new Error(`lab ${this.name} runs without an arbiter`);
    const argv = arbiter === 'corosync-qnetd'
      ? ['corosync-qnetd', '-f', '-s', qnetdTlsFlag[this.state.options.tls], '-l', this.host('arbiter').address]
      : this.expand('arbiter', arbiter.command);
    this.startDaemonIn('arbiter', argv);
    if (arbiter === 'corosync-qnetd') {
      await this.waitFor('arbiter', 'corosync-qnetd', ['corosync-qnetd-tool', '-s']);
    }
  }

  /** Stops every process and removes every namespace, link, directory and /dev/shm file. */
  async down(): Promise<void> {
    teardownSync(this.state);
    unguardLab(this.name);
  }

  /**
   * Hands the lab over to later CLI invocations: this process may exit and the lab stays up
   * until `quorate lab down`.
   */
  detach(): void {
    this.state.owner.detached = true;
    writeState(this.state);
    unguardLab(this.name);
  }

  private async bringUp(progress: ProgressReporter): Promise<void> {
    const t0 = monotonicClock.now();
    if (this.state.options.hypervisor) {
      await this.prepareHypervisor(progress);
      progress(`guest image ready (${monotonicClock.now() - t0} ms)`);
    }
    for (const host of this.state.names.hosts) this.prepareHost(host);
    await createTopology(this.state.names);
    if (this.state.options.hypervisor) {
      await Promise.all(this.nodeAddressing().map((n) => createGuestNetwork(this.state.names, n, guestNetworkNames(this.id, n.nodeId as number))));
    }
    progress(`namespaces and links up (${monotonicClock.now() - t0} ms)`);
    if (this.state.options.bmc) {
      await this.bringUpBmcs();
      progress(`BMCs up (${monotonicClock.now() - t0} ms)`);
    }
    if (this.state.options.tls !== 'off' && this.state.options.qdevice !== 'none') {
      await provisionTls((host, argv) => this.exec(host, argv), this.state.options.certificates, this.clusterName, this.host('arbiter'), this.nodes);
      progress(`TLS certificates made (${monotonicClock.now() - t0} ms)`);
    }
    if (this.state.options.arbiter !== 'none') await this.startArbiter();
    await Promise.all(this.nodeAddressing().map((n) => this.startNode(n.name as NodeHost)));
    progress(`daemons started (${monotonicClock.now() - t0} ms)`);
    // An integrated device votes only once the node daemons run; until then quorum comes from the nodes.
    await this.waitQuorate({ timeoutMs: this.state.options.upTimeoutMs, deviceVote: this.runsDeviceProcess() });
    progress(`all nodes quorate (${monotonicClock.now() - t0} ms)`);
  }

  /** The libvirt-qemu user, the guest image (built once, cached) and the shared directory with the image on it. */
  private async prepareHypervisor(progress: ProgressReporter): Promise<void> {
    const unavailable = hypervisorUnavailableReason();
    if (unavailable !== undefined) throw new Error(unavailable);
    ensureLibvirtQemuUser();
    const cached = await ensureGuestImage(progress);
    const sharedDir = join(this.state.workDir, 'shared');
    mkdirSync(lockspaceDir(sharedDir), { recursive: true });
    this.state.hypervisor = {
      sharedDir, image: placeGuestImage(cached, sharedDir), bridge: guestNetworkNames(this.id, 1).bridge, libvirtdStartMs: {},
    };
    writeState(this.state);
  }

  /** A hypervisor node's boot: virtlogd, virtlockd, then libvirtd, which answers once it probed qemu. */
  private async startHypervisor(host: NodeHost): Promise<void> {
    const state = this.hostState(host);
    clearHypervisorRunState(state.runDir);
    const started = monotonicClock.now();
    for (const daemon of Object.keys(hypervisorHelperSockets)) this.startDaemonIn(host, [daemon]);
    for (const [daemon, socket] of Object.entries(hypervisorHelperSockets)) await this.waitFor(host, daemon, ['test', '-S', socket], 60_000);
    this.startDaemonIn(host, ['libvirtd', '--listen', '-f', '/etc/libvirt/libvirtd.conf']);
    await this.waitFor(host, 'libvirtd', ['virsh', '-c', nodeLibvirtUri, 'version'], 180_000);
    const hypervisor = this.state.hypervisor;
    if (hypervisor !== undefined) hypervisor.libvirtdStartMs[host] = monotonicClock.now() - started;
    writeState(this.state);
    saveCapabilities(state.extraBinds ?? []);
  }

  private async setGuestLink(host: HostName, up: boolean): Promise<void> {
    const nodeId = this.addressing(host).nodeId;
    if (this.state.options.hypervisor && nodeId !== undefined) await setGuestPort(this.state.names, guestNetworkNames(this.id, nodeId), up);
  }

  private async bringUpBmcs(): Promise<void> {
    const bmcs: Partial<Record<NodeHost, BmcState>> = {};
    for (const node of this.nodeAddressing()) bmcs[node.name as NodeHost] = newBmcState(this.id, this.state.workDir, node.name as NodeHost, node.nodeId as number);
    // In the state before anything exists, so a crash at any point leaves enough to clean up.
    this.state.bmcs = bmcs;
    writeState(this.state);
    await Promise.all(this.nodeAddressing().map(async (node) => {
      const bmc = bmcs[node.name as NodeHost] as BmcState;
      await createBmc(this.state.names, bmc, this.name, node.nodeId as number);
      await this.startBmcOf(bmc);
    }));
  }

  private async startBmcOf(bmc: BmcState): Promise<void> {
    bmc.pid = await startBmc(bmc);
    this.recordPids([bmc.pid]);
  }

  private prepareHost(host: HostAddressing): void {
    const state = this.hostState(host.name);
    const dirs = [
      state.logDir, join(state.dir, 'state'),
      join(state.runDir, 'corosync-qdevice'), join(state.runDir, 'corosync-qnetd'),
      join(state.etcDir, 'uidgid.d'), join(state.etcDir, 'qnetd'), join(state.etcDir, 'qdevice', 'net'),
    ];
    for (const dir of dirs) {
      mkdirSync(dir, { recursive: true });
    }
    if (host.nodeId === undefined) return;
    const options = this.state.options;
    if (this.state.hypervisor !== undefined) {
      prepareHypervisorNode(state.extraBinds ?? [], {
        address: host.address, hostUuid: hypervisorHostUuid(this.id, host.nodeId), lockspaceDir: lockspaceDir(this.state.hypervisor.sharedDir),
      });
    }
    writeFileSync(join(state.dir, 'corosync.conf'), renderCorosyncConf({
      clusterName: this.clusterName,
      nodes: this.nodeAddressing(),
      profile: options.profile,
      ...(options.qdevice === 'none' ? {} : { arbiterAddress: this.addressing('arbiter').address }),
      algorithm: options.algorithm,
      tieBreaker: options.tieBreaker,
      tls: options.tls,
      totem: options.totem,
      device: options.device,
      ...(options.heuristics === undefined ? {} : { heuristics: options.heuristics }),
      logFile: join(state.logDir, 'corosync.log'),
      stateDir: join(state.dir, 'state'),
    }));
  }

  /** corosync, then (once its IPC answers) the quorum device, which reads its settings via cmap. */
  private async startNode(host: NodeHost): Promise<void> {
    this.startDaemonIn(host, ['corosync', '-f', '-c', join(this.hostState(host).dir, 'corosync.conf')]);
    await this.waitFor(host, 'corosync', ['corosync-cmapctl', '-g', 'totem.cluster_name']);
    const qdevice = this.state.options.qdevice;
    if (qdevice === 'corosync-qdevice') this.startDaemonIn(host, ['corosync-qdevice', '-f']);
    else if (typeof qdevice === 'object') this.startDaemonIn(host, this.expand(host, qdevice.command));
    if (this.state.options.hypervisor) await this.startHypervisor(host);
  }

  /** corosync-qdevice or our own device command runs next to corosync (not for 'none' or 'integrated'). */
  private runsDeviceProcess(): boolean {
    const qdevice = this.state.options.qdevice;
    return qdevice === 'corosync-qdevice' || typeof qdevice === 'object';
  }

  /** A configured command for a host: `{address}` and `{dir}` become the host's. */
  private expand(host: HostName, command: string[]): string[] {
    const { address, dir } = this.host(host);
    return command.map((a) => a.replaceAll('{address}', address).replaceAll('{dir}', dir));
  }

  private startDaemonIn(host: HostName, argv: string[]): void {
    const program = argv[0] ?? '';
    const pid = startDaemon(this.inHost(host, argv), join(this.hostState(host).logDir, `${program.split('/').pop() ?? 'daemon'}.out`));
    this.hostState(host).daemons[program] = pid;
    this.recordPids([pid]);
  }

  /** Polls `probe` inside the host until it succeeds; fails early if the daemon died. */
  private async waitFor(host: HostName, program: string, probe: string[], timeoutMs = 15_000): Promise<void> {
    const deadline = monotonicClock.now() + timeoutMs;
    while (true) {
      const result = await this.exec(host, probe, { timeoutMs: 5000 });
      if (result.code === 0) return;
      const pid = this.hostState(host).daemons[program];
      if (pid === undefined || !isAlive(pid)) {
        throw new Error(`${host}: ${program} exited during start: ${this.logTail(host, program)}`);
      }
      if (monotonicClock.now() > deadline) throw new Error(`${host}: ${program} did not answer within ${timeoutMs} ms: ${result.stderr.trim()}`);
      await sleep(50);
    }
  }

  /** The last lines a daemon wrote, for error messages (the lab's files go at teardown). */
  private logTail(host: HostName, program: string): string {
    const files = [join(this.hostState(host).logDir, `${program}.out`)];
    if (program === 'libvirtd') files.push(libvirtdLogFile(this.hostState(host).extraBinds ?? []));
    const tails = files.flatMap((file) => {
      try {
        const lines = readFileSync(file, 'utf8').trim();
        return lines === '' ? [] : [`${file}: ${lines.split('\n').slice(-5).join(' | ')}`];
      } catch {
        return [];
      }
    });
    return tails.length > 0 ? tails.join('; ') : '(no output)';
  }

  private signalHost(host: HostName, signal: NodeJS.Signals, program?: string): number[] {
    const pids = namespacePidsSync(this.addressing(host).netns).filter((pid) => program === undefined || programName(pid) === program);
    signalPids(pids, signal);
    return pids;
  }

  private recordPids(pids: number[]): void {
    const known = new Set(this.state.pidsEverStarted);
    for (const pid of pids) if (!known.has(pid)) this.state.pidsEverStarted.push(pid);
    writeState(this.state);
  }

  private inHost(host: HostName, argv: string[]): string[] {
    return inHost(this.addressing(host).netns, this.hostState(host), argv);
  }

  private addressing(name: HostName): HostAddressing {
    const host = this.state.names.hosts.find((h) => h.name === name);
    if (host === undefined) throw new Error(`lab ${this.name} has no host ${name}: hosts are ${this.state.names.hosts.map((h) => h.name).join(', ')}`);
    return host;
  }

  private nodeAddressing(): HostAddressing[] {
    return this.state.names.hosts.filter((h) => h.nodeId !== undefined);
  }

  private hostState(name: HostName): HostState {
    const state = this.state.hosts[name];
    if (state === undefined) throw new Error(`lab ${this.name} has no host ${name}`);
    return state;
  }
}

function initialState(options: ResolvedLabOptions, id: string): LabState {
  const dir = labDir(options.name);
  const names = labNames(id, options.nodes);
  const workDir = join(tmpdir(), `quorate-lab-${id}`);
  const hosts: LabState['hosts'] = {};
  for (const host of names.hosts) {
    const hostDir = join(workDir, host.name);
    hosts[host.name] = {
      dir: hostDir, runDir: join(hostDir, 'run'), etcDir: join(hostDir, 'etc'), logDir: join(hostDir, 'log'), daemons: {}, poweredOn: true,
      ...(options.hypervisor && host.nodeId !== undefined ? { extraBinds: hypervisorBinds(hostDir) } : {}),
    };
  }
  if (options.arbiter === 'none') hosts.arbiter = { ...(hosts.arbiter as HostState), poweredOn: false };
  return {
    version: 1,
    name: options.name,
    dir,
    workDir,
    options,
    names,
    owner: { pid: process.pid, startTime: processStartTime(process.pid), detached: false },
    hosts,
    pidsEverStarted: [],
  };
}
