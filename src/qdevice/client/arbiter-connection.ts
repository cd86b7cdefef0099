import { EventEmitter } from 'node:events';
import net from 'node:net';
import * as b from '../protocol/builders';
import {
  ALL_MESSAGE_TYPES, ALL_OPTIONS, CLIENT_MAX_SERVER_REPLY_SIZE, CLIENT_MIN_SERVER_REQUEST_SIZE, DecisionAlgorithm,
  DEFAULT_MAX_MESSAGE_SIZE, ErrorCode, Heuristics, MsgType, NodeListType, Opt, TlsSupported, Vote,
} from '../protocol/constants';
import { Framer } from '../protocol/framing';
import { DecodedMessage, decodeMessage } from '../protocol/message';
import { NodeInfo, RingId, TieBreaker } from '../protocol/tlv';
import { ringIdEqual } from '../arbiter/client';

/** How this node talks to an arbiter (ours or corosync-qnetd); mirrors quorum.device.net.*. */
export interface ArbiterConnectionConfig {
  host: string;
  port: number;
  clusterName: string;
  nodeId: number;
  algorithm: DecisionAlgorithm;
  tieBreaker: TieBreaker;
  /** Echo period and the arbiter's dead-peer base (quorum.device.timeout × 0.8). */
  heartbeatInterval: number;
  keepActivePartition: boolean;
  /** Connect + PREINIT..INIT_REPLY must finish within this (defaults to the heartbeat). */
  connectTimeout?: number;
}

/** The node state the arbiter decides on; sent again after every reconnect. */
export interface NodeView {
  configNodes: NodeInfo[];
  configVersion?: bigint;
  ringId: RingId;
  members: number[];
  quorate: boolean;
  quorumNodes: NodeInfo[];
  heuristics: Heuristics;
}

export interface ArbiterConnectionEvents {
  connected: [];
  /** A decided vote (ACK/NACK/ASK_LATER/WAIT_FOR_REPLY) for the ring it names; NO_CHANGE is not reported. */
  vote: [{ vote: Vote; ringId: RingId }];
  disconnected: [{ reason: string; willReconnect: boolean }];
}

/** Server errors after which corosync-qdevice reconnects; any other error makes it give up. */
const RECONNECT_ERRORS = new Set<number>([
  ErrorCode.TieBreakerDiffersFromOtherNodes, ErrorCode.AlgorithmDiffersFromOtherNodes, ErrorCode.DuplicateNodeId,
]);

type State = 'idle' | 'waiting-preinit-reply' | 'waiting-init-reply' | 'connected' | 'stopped';

/**
 * The protocol side of a quorum device: one TCP connection to the arbiter, the handshake, the
 * node lists, VOTE_INFO replies, the echo heartbeat, and reconnects with a random delay. Plaintext
 * only: an arbiter that requires TLS is reported as a permanent failure.
 */
export class ArbiterConnection extends EventEmitter<ArbiterConnectionEvents> {
  private socket: net.Socket | null = null;
  private framer = new Framer(DEFAULT_MAX_MESSAGE_SIZE);
  private state: State = 'idle';
  /** Request seq: starts at 1, not reset on reconnect (as corosync-qdevice). */
  private seq = 1;
  private echoSeq = 0;
  private echoAnswered = true;
  private timers: NodeJS.Timeout[] = [];
  private echoTimer: NodeJS.Timeout | null = null;
  private lastSentRing: RingId;

  constructor(private readonly config: ArbiterConnectionConfig, private view: NodeView) {
    super();
    this.lastSentRing = view.ringId;
  }

  get isConnected(): boolean {
    return this.state === 'connected';
  }

  start(): void {
    if (this.state !== 'idle') return;
    this.connect();
  }

  stop(): void {
    this.state = 'stopped';
    this.clearTimers();
    this.socket?.destroy();
    this.socket = null;
  }

  /** New membership (after a corosync view change): sent at once, the vote follows. */
  updateMembership(ringId: RingId, members: number[], heuristics: Heuristics): void {
    this.view = { ...this.view, ringId, members, heuristics };
    if (this.state === 'connected') this.sendMembership();
  }

  updateQuorum(quorate: boolean, nodes: NodeInfo[]): void {
    this.view = { ...this.view, quorate, quorumNodes: nodes };
    if (this.state === 'connected') this.sendQuorum();
  }

  private connect(): void {
    const { host, port } = this.config;
    this.framer = new Framer(DEFAULT_MAX_MESSAGE_SIZE);
    const socket = net.connect({ host, port });
    socket.setNoDelay(true);
    this.socket = socket;
    this.timers.push(setTimeout(() => this.fail('connect timeout', true), this.config.connectTimeout ?? this.config.heartbeatInterval));
    socket.on('connect', () => {
      this.state = 'waiting-preinit-reply';
      socket.write(b.preinit(this.seq, this.config.clusterName));
    });
    socket.on('data', (d: Buffer) => {
      this.framer.push(d);
      for (let ev = this.framer.next(); ev && this.socket === socket; ev = this.framer.next()) {
        if (ev.kind === 'skipped') return this.fail('arbiter sent an unsupported or oversized message', true);
        const decoded = decodeMessage(ev.body);
        if (!decoded.ok) return this.fail(`cannot decode the arbiter's message: ${decoded.reason}`, true);
        this.onMessage(ev.type, decoded.message);
      }
    });
    socket.on('error', (e) => this.fail(`cannot talk to the arbiter: ${e.message}`, true));
    socket.on('close', () => this.fail('the arbiter closed the connection', true));
  }

  private onMessage(type: number, m: DecodedMessage): void {
    switch (type) {
      case MsgType.PreinitReply: return this.onPreinitReply(m);
      case MsgType.InitReply: return this.onInitReply(m);
      case MsgType.ServerError:
        return this.fail(`arbiter error ${m.replyErrorCode ?? '?'} (${ErrorCode[m.replyErrorCode ?? 0] ?? 'unknown'})`, RECONNECT_ERRORS.has(m.replyErrorCode ?? -1));
      case MsgType.EchoReply:
        if (m.seq === this.echoSeq) this.echoAnswered = true;
        return;
      case MsgType.NodeListReply:
      case MsgType.AskForVoteReply:
      case MsgType.HeuristicsChangeReply:
        return this.onVote(m);
      case MsgType.VoteInfo:
        this.socket?.write(b.voteInfoReply(m.seq ?? 0));
        return this.onVote(m);
      case MsgType.SetOptionReply:
        return;
      default:
        return this.fail(`unexpected message type ${type} from the arbiter`, false);
    }
  }

  private onPreinitReply(m: DecodedMessage): void {
    if (this.state !== 'waiting-preinit-reply' || m.seq !== this.seq || m.tlsSupported === undefined || m.tlsClientCertRequired === undefined) {
      return this.fail('bad PREINIT_REPLY', false);
    }
    if (m.tlsSupported === TlsSupported.Required) return this.fail('the arbiter requires TLS, which this client does not speak', false);
    this.seq++;
    this.state = 'waiting-init-reply';
    this.socket!.write(b.init({
      seq: this.seq, supportedMessages: ALL_MESSAGE_TYPES, supportedOptions: ALL_OPTIONS, nodeId: this.config.nodeId,
      algorithm: this.config.algorithm, heartbeatInterval: this.config.heartbeatInterval, tieBreaker: this.config.tieBreaker,
      ringId: this.view.ringId,
    }));
  }

  private onInitReply(m: DecodedMessage): void {
    if (this.state !== 'waiting-init-reply' || m.seq !== this.seq) return this.fail('bad INIT_REPLY', false);
    if (m.replyErrorCode !== ErrorCode.NoError) {
      return this.fail(`arbiter refused INIT: error ${m.replyErrorCode ?? '?'}`, RECONNECT_ERRORS.has(m.replyErrorCode ?? -1));
    }
    if ((m.serverMaxRequestSize ?? 0) < CLIENT_MIN_SERVER_REQUEST_SIZE || (m.serverMaxReplySize ?? Infinity) > CLIENT_MAX_SERVER_REPLY_SIZE
      || !m.supportedMessages || !m.supportedOptions || !m.supportedAlgorithms?.includes(this.config.algorithm)) {
      return this.fail('the arbiter does not support what this client needs', false);
    }
    this.clearTimers();
    this.state = 'connected';
    this.echoSeq = 0;
    this.echoAnswered = true;
    this.echoTimer = setInterval(() => this.echo(), this.config.heartbeatInterval);
    this.emit('connected');
    if (m.supportedOptions.includes(Opt.KeepActivePartitionTieBreaker)) {
      this.socket!.write(b.setOption(++this.seq, { keepActivePartition: this.config.keepActivePartition ? 1 : 0 }));
    }
    this.socket!.write(b.nodeList({ seq: ++this.seq, listType: NodeListType.InitialConfig, configVersion: this.view.configVersion, nodes: this.view.configNodes }));
    this.sendMembership();
    this.sendQuorum();
  }

  private sendMembership(): void {
    this.lastSentRing = this.view.ringId;
    this.socket!.write(b.nodeList({
      seq: ++this.seq, listType: NodeListType.Membership, ringId: this.view.ringId,
      nodes: this.view.members.map((nodeId) => ({ nodeId, dataCenterId: 0, nodeState: 0 })), heuristics: this.view.heuristics,
    }));
  }

  private sendQuorum(): void {
    this.socket!.write(b.nodeList({ seq: ++this.seq, listType: NodeListType.Quorum, quorate: this.view.quorate ? 1 : 0, nodes: this.view.quorumNodes }));
  }

  /** A vote for an older ring than the one last sent counts as NO_CHANGE (every upstream client algorithm). */
  private onVote(m: DecodedMessage): void {
    if (this.state !== 'connected' || m.vote === undefined || !m.ringId) return this.fail('vote message outside the connected state', false);
    if (m.vote === Vote.NoChange || !ringIdEqual(m.ringId, this.lastSentRing)) return;
    this.emit('vote', { vote: m.vote, ringId: m.ringId });
  }

  private echo(): void {
    if (!this.echoAnswered) return this.fail('echo reply not received', true);
    this.echoAnswered = false;
    this.socket?.write(b.echoRequest(++this.echoSeq));
  }

  private fail(reason: string, willReconnect: boolean): void {
    if (this.state === 'stopped' || this.socket === null) return;
    this.clearTimers();
    this.socket.destroy();
    this.socket = null;
    // lms always tries again, whatever the reason (as corosync-qdevice).
    const retry = willReconnect || this.config.algorithm === DecisionAlgorithm.Lms;
    this.state = retry ? 'idle' : 'stopped';
    this.emit('disconnected', { reason, willReconnect: retry });
    if (retry) {
      // corosync-qdevice waits a random 0..0.9 × (timeout/2); our heartbeat is 0.8 × timeout.
      const delay = Math.floor(Math.random() * this.config.heartbeatInterval * 0.5625);
      this.timers.push(setTimeout(() => { if (this.state === 'idle') this.connect(); }, delay));
    }
  }

  private clearTimers(): void {
    for (const t of this.timers) clearTimeout(t);
    this.timers = [];
    if (this.echoTimer) clearInterval(this.echoTimer);
    this.echoTimer = null;
  }
}
