import { EventEmitter } from 'node:events';
import { DecisionAlgorithm, Heuristics, Vote } from '../protocol/constants';
import { NodeInfo, RingId } from '../protocol/tlv';
import { monotonicClock, Clock } from '../../util/clock';
import { ArbiterConnection, ArbiterConnectionConfig } from './arbiter-connection';
import { HeuristicsConfig, runHeuristics } from './heuristics';

/**
 * The part of libvotequorum a quorum device uses; the addon's Votequorum (src/native/votequorum)
 * fits it, tests may put a fake here.
 */
export interface VotequorumPort {
  qdeviceRegister(name: string): void;
  qdeviceUnregister(name: string): void;
  qdevicePoll(name: string, castVote: boolean, ringId: RingId): void;
  qdeviceMasterWins(name: string, allow: boolean): void;
  trackStart(): void;
  on(event: 'nodelist', listener: (e: { ringId: RingId; members: number[] }) => void): unknown;
  on(event: 'quorum', listener: (e: { quorate: boolean; nodes: { nodeId: number; state: number }[] }) => void): unknown;
}

export interface QuorumDeviceConfig extends Omit<ArbiterConnectionConfig, 'heartbeatInterval' | 'connectHeuristics'> {
  /** votequorum's device name (corosync-qdevice uses "Qdevice"). */
  deviceName?: string;
  /** quorum.device.timeout (ms): heartbeat = 0.8 ×, poll period = 0.5 ×. */
  deviceTimeout: number;
  /** The cluster's configured nodes (nodelist.node.N.nodeid). */
  configNodes: number[];
  /** quorum.wait_for_all: lms keeps its vote through an arbiter outage while quorate with it. */
  waitForAll?: boolean;
  /** quorum.device.heuristics.*; absent means mode off. */
  heuristics?: HeuristicsConfig;
}

/**
 * What the HA layer watches: does this node's partition hold the arbiter's vote right now? A
 * stable interface: QuorumDevice emits it as 'state' on every change (and at once when the vote
 * is lost) and returns a copy from `state`.
 */
export interface QdeviceVoteState {
  connected: boolean;
  /** 'ack' while the arbiter's vote is cast for this partition. */
  vote: 'ack' | 'nack' | 'waiting' | 'none';
  /** Monotonic ms (util/clock) of the last ACK received from the arbiter, null if none yet. */
  lastAckAt: number | null;
  /** The membership (votequorum's ring) this node reported last. */
  ringId: RingId | null;
  /** The ring the arbiter's last ACK was given for (the vote counts there only while `vote` is 'ack'); null after a NACK. */
  ackedRingId: RingId | null;
}

export interface QuorumDeviceEvents {
  /** Emitted on every change of the state, and at once when the vote is lost. */
  state: [QdeviceVoteState];
  /** Problems worth a log line (a failed poll, a disconnect reason, a failed heuristic). */
  warning: [string];
}

/** The arbiter's dead-peer limit in heartbeats (corosync-qnetd's dpd_interval_coefficient default; ours too). */
const assumedDeadPeerCoefficient = 1.5;
/** An ACK stops counting this long before the arbiter may drop this node: the last feed comes before the vote can move. */
const ackExpiryMarginMs = 100;

/**
 * A quorum device on this node, like corosync-qdevice model net: registers with votequorum, gets
 * the arbiter's vote over an ArbiterConnection and casts it with qdevice_poll every timeout/2.
 */
export class QuorumDevice extends EventEmitter<QuorumDeviceEvents> {
  private connection: ArbiterConnection | null = null;
  private readonly name: string;
  private pollTimer: NodeJS.Timeout | null = null;
  private regularTimer: NodeJS.Timeout | null = null;
  private castVote = false;
  private current: QdeviceVoteState = { connected: false, vote: 'none', lastAckAt: null, ringId: null, ackedRingId: null };
  private members: number[] = [];
  private quorate = false;
  private quorumNodes: NodeInfo[] = [];
  /** The last heuristics result sent to the arbiter (regular runs report only changes). */
  private lastHeuristics = Heuristics.Undefined;
  /** Counts membership changes, so that a slow membership heuristic for an old ring is dropped. */
  private membershipGeneration = 0;

  constructor(private config: QuorumDeviceConfig, private readonly votequorum: VotequorumPort, private readonly clock: Clock = monotonicClock) {
    super();
    this.name = config.deviceName ?? 'Qdevice';
  }

  /** The settings in force (after the last `reconfigure`). */
  get settings(): QuorumDeviceConfig {
    return this.config;
  }

  get state(): QdeviceVoteState {
    return { ...this.current };
  }

  /**
   * Until when (monotonic, util/clock) the arbiter's ACK may count: once it has not heard from
   * this node for its dead-peer limit it may drop the node and give the vote to another
   * partition, while this node would learn of it only at its next echo. The limit assumed is
   * corosync-qnetd's and our arbiter's default, 1.5 heartbeats; a margin keeps the last feed before it.
   */
  ackCountsUntil(): number {
    const heard = this.connection?.lastAnsweredRequestAt ?? null;
    return heard === null ? -Infinity : heard + Math.round(this.heartbeatMs() * assumedDeadPeerCoefficient) - ackExpiryMarginMs;
  }

  private heartbeatMs(): number {
    return Math.round(this.config.deviceTimeout * 0.8);
  }

  /** True while the arbiter's vote counts for this node's partition. */
  hasVote(): boolean {
    return this.current.vote === 'ack';
  }

  /** Registers the device; the arbiter connection starts with the first membership notification. */
  start(): void {
    this.votequorum.qdeviceRegister(this.name);
    this.votequorum.qdeviceMasterWins(this.name, false);
    this.votequorum.on('nodelist', (e) => this.onMembership(e.ringId, e.members));
    this.votequorum.on('quorum', (e) => this.onQuorum(e.quorate, e.nodes));
    this.votequorum.trackStart();
  }

  stop(): void {
    this.stopPolling();
    this.stopRegularHeuristics();
    this.connection?.stop();
    this.connection = null;
    try {
      this.votequorum.qdeviceUnregister(this.name);
    } catch (err) {
      this.emit('warning', `qdevice unregister failed: ${String(err)}`);
    }
  }

  /**
   * New settings (corosync.conf reloaded): drops the arbiter connection, as if the arbiter went
   * away, and connects again with them. The votequorum registration stays.
   */
  reconfigure(config: QuorumDeviceConfig): void {
    this.config = config;
    this.stopRegularHeuristics();
    if (!this.connection) return;
    this.connection.removeAllListeners();
    this.connection.stop();
    this.connection = null;
    this.onDisconnected('settings changed: reconnecting with the new ones');
    this.openConnection();
  }

  private onMembership(ringId: RingId, members: number[]): void {
    this.update({ ringId });
    this.members = members;
    if (!this.connection) return this.openConnection();
    // Until the arbiter answers for the new membership, the old vote is not cast (as corosync-qdevice).
    this.stopPolling();
    this.update({ vote: 'waiting' });
    const heuristics = this.config.heuristics;
    if (heuristics === undefined || heuristics.mode === 'off') {
      this.connection.updateMembership(ringId, members, Heuristics.Undefined);
      return;
    }
    const generation = ++this.membershipGeneration;
    const connection = this.connection;
    void this.heuristics(heuristics.syncTimeout).then((result) => {
      if (generation === this.membershipGeneration && connection === this.connection) connection.updateMembership(ringId, members, result);
    });
  }

  private openConnection(): void {
    const ringId = this.current.ringId;
    if (ringId === null) return;
    const heuristics = this.config.heuristics;
    const enabled = heuristics !== undefined && heuristics.mode !== 'off';
    const connection = new ArbiterConnection({
      ...this.config,
      heartbeatInterval: this.heartbeatMs(),
      ...(enabled ? { connectHeuristics: () => this.heuristics(heuristics.timeout) } : {}),
    }, {
      configNodes: this.config.configNodes.map((nodeId) => ({ nodeId, dataCenterId: 0, nodeState: 0 })),
      ringId, members: this.members, quorate: this.quorate, quorumNodes: this.quorumNodes, heuristics: Heuristics.Undefined,
    });
    connection.on('connected', () => this.update({ connected: true }));
    connection.on('vote', (v) => this.onVote(v.vote, v.ringId));
    connection.on('disconnected', (d) => this.onDisconnected(d.reason));
    this.connection = connection;
    connection.start();
    if (heuristics?.mode === 'on') this.regularTimer = setInterval(() => this.regularHeuristics(heuristics.timeout), heuristics.interval);
  }

  /** Mode on: a regular run whose result differs from the last one sent goes out as HEURISTICS_CHANGE. */
  private regularHeuristics(timeoutMs: number): void {
    const connection = this.connection;
    const before = this.lastHeuristics;
    void this.heuristics(timeoutMs).then((result) => {
      if (result !== before && connection === this.connection && connection?.isConnected) connection.sendHeuristicsChange(result);
    });
  }

  private async heuristics(timeoutMs: number): Promise<Heuristics> {
    const outcome = await runHeuristics(this.config.heuristics?.commands ?? [], timeoutMs);
    for (const failure of outcome.failures) this.emit('warning', `heuristics: ${failure}`);
    this.lastHeuristics = outcome.result;
    return outcome.result;
  }

  private stopRegularHeuristics(): void {
    if (this.regularTimer) clearInterval(this.regularTimer);
    this.regularTimer = null;
  }

  private onQuorum(quorate: boolean, nodes: { nodeId: number; state: number }[]): void {
    this.quorate = quorate;
    this.quorumNodes = nodes.filter((n) => n.nodeId !== 0).map((n) => ({ nodeId: n.nodeId, dataCenterId: 0, nodeState: n.state }));
    this.connection?.updateQuorum(quorate, this.quorumNodes);
  }

  private onVote(vote: Vote, ringId: RingId): void {
    if (vote === Vote.Ack || vote === Vote.Nack) {
      this.castVote = vote === Vote.Ack;
      this.update(vote === Vote.Ack ? { vote: 'ack', lastAckAt: this.clock.now(), ackedRingId: ringId } : { vote: 'nack', ackedRingId: null });
      this.startPolling();
    } else {
      this.stopPolling();
      this.update({ vote: 'waiting' });
    }
  }

  /**
   * ffsplit withdraws the vote while the arbiter is unreachable; lms too unless quorate with
   * wait_for_all; 2nodelms and test keep it (corosync-qdevice's client algorithms).
   */
  private onDisconnected(reason: string): void {
    this.emit('warning', `arbiter connection lost: ${reason}`);
    const a = this.config.algorithm;
    const keeps = a === DecisionAlgorithm.TwoNodeLms || a === DecisionAlgorithm.Test
      || (a === DecisionAlgorithm.Lms && this.quorate && this.config.waitForAll === true);
    if (!keeps && this.current.vote !== 'none') {
      this.castVote = false;
      this.update({ connected: false, vote: 'nack', ackedRingId: null });
      this.startPolling();
    } else {
      this.update({ connected: false });
    }
  }

  private startPolling(): void {
    this.stopPolling();
    this.poll();
    this.pollTimer = setInterval(() => this.poll(), Math.round(this.config.deviceTimeout / 2));
  }

  private stopPolling(): void {
    if (this.pollTimer) clearInterval(this.pollTimer);
    this.pollTimer = null;
  }

  private poll(): void {
    if (!this.current.ringId) return;
    try {
      this.votequorum.qdevicePoll(this.name, this.castVote, this.current.ringId);
    } catch (err) {
      // An old ring id (CS_ERR_MESSAGE_ERROR) is expected around membership changes.
      this.emit('warning', `qdevice poll failed: ${err instanceof Error ? err.message : String(err)}`);
    }
  }

  private update(change: Partial<QdeviceVoteState>): void {
    const next = { ...this.current, ...change };
    const changed = (Object.keys(change) as (keyof QdeviceVoteState)[]).some((k) => next[k] !== this.current[k]);
    this.current = next;
    if (changed) this.emit('state', this.state);
  }
}
