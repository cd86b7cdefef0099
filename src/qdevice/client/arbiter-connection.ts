import { EventEmitter } from 'node:events';
import net from 'node:net';
import tls from 'node:tls';
import * as b from '../protocol/builders';
import {
  ALL_MESSAGE_TYPES, ALL_OPTIONS, CLIENT_MAX_SERVER_REPLY_SIZE, CLIENT_MIN_SERVER_REQUEST_SIZE, DecisionAlgorithm,
  DEFAULT_MAX_MESSAGE_SIZE, ErrorCode, Heuristics, MsgType, NodeListType, Opt, TlsSupported, Vote,
} from '../protocol/constants';
import { Framer } from '../protocol/framing';
import { DecodedMessage, decodeMessage } from '../protocol/message';
import { NodeInfo, RingId, ringIdEqual, TieBreaker } from '../protocol/tlv';
import { SERVER_CN } from '../certs/arbiter-certs';
import { monotonicClock } from '../../util/clock';

/** quorum.device.net.tls: off never starts TLS, on starts it when the arbiter offers it, required insists. */
export type ClientTlsMode = 'off' | 'on' | 'required';

/** What TLS needs on the node: the arbiter's CA and the cluster certificate with its key (PKCS#12, empty password). */
export interface ClientTlsMaterial {
  ca: Buffer;
  pfx: Buffer;
}

const clientTlsValue: Record<ClientTlsMode, TlsSupported> = { off: TlsSupported.Unsupported, on: TlsSupported.Supported, required: TlsSupported.Required };

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
  /** Default off; on without `tlsMaterial` acts as off, required without it cannot connect. */
  tls?: ClientTlsMode;
  tlsMaterial?: ClientTlsMaterial;
  /**
   * Runs the "connect" heuristics after INIT_REPLY; the lists go out once it answers. Absent means
   * heuristics are off (nothing is sent and the arbiter's option 22 is not needed).
   */
  connectHeuristics?: () => Promise<Heuristics>;
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

type State = 'idle' | 'waiting-preinit-reply' | 'waiting-tls' | 'waiting-init-reply' | 'waiting-heuristics' | 'connected' | 'stopped';

/** corosync-qdevice's decision (reference §1.11): TLS when both sides allow it; off against required is incompatible. */
export function negotiateTls(server: TlsSupported, client: TlsSupported): 'plain' | 'tls' | 'incompatible' {
  if (server === TlsSupported.Unsupported) return client === TlsSupported.Required ? 'incompatible' : 'plain';
  if (client === TlsSupported.Unsupported) return server === TlsSupported.Required ? 'incompatible' : 'plain';
  return 'tls';
}

/**
 * The protocol side of a quorum device: one TCP connection to the arbiter, the handshake, the
 * node lists, VOTE_INFO replies, the echo heartbeat, heuristics results, STARTTLS when both sides
 * allow it, and reconnects with a random delay.
 */
export class ArbiterConnection extends EventEmitter<ArbiterConnectionEvents> {
  private socket: net.Socket | tls.TLSSocket | null = null;
  private framer = new Framer(DEFAULT_MAX_MESSAGE_SIZE);
  private state: State = 'idle';
  /** Request seq: starts at 1, not reset on reconnect (as corosync-qdevice). */
  private seq = 1;
  private echoSeq = 0;
  private echoAnswered = true;
  private timers: NodeJS.Timeout[] = [];
  private echoTimer: NodeJS.Timeout | null = null;
  private initSentAt = 0;
  private echoSentAt = 0;
  private answeredSentAt: number | null = null;
  private lastSentRing: RingId;
  /** The arbiter advertised option 22 in INIT_REPLY: it takes HEURISTICS_CHANGE. */
  private heuristicsChangeSupported = false;

  constructor(private readonly config: ArbiterConnectionConfig, private view: NodeView) {
    super();
    this.lastSentRing = view.ringId;
  }

  get isConnected(): boolean {
    return this.state === 'connected';
  }

  /**
   * Monotonic time (util/clock) this node sent the latest request the arbiter answered (INIT or
   * an echo), on this connection: the arbiter heard from this node at or after then, so its
   * dead-peer detection cannot drop the node before then + its limit. Null while not connected.
   */
  get lastAnsweredRequestAt(): number | null {
    return this.answeredSentAt;
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
    this.answeredSentAt = null;
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

  /** A changed "regular" heuristics result (mode on): the arbiter may move the vote. */
  sendHeuristicsChange(heuristics: Heuristics): void {
    this.view = { ...this.view, heuristics };
    if (this.state === 'connected' && this.heuristicsChangeSupported) this.socket!.write(b.heuristicsChange(++this.seq, heuristics));
  }

  private connect(): void {
    const { host, port } = this.config;
    const socket = net.connect({ host, port });
    socket.setNoDelay(true);
    this.timers.push(setTimeout(() => this.fail('connect timeout', true), this.config.connectTimeout ?? this.config.heartbeatInterval));
    socket.on('connect', () => {
      this.state = 'waiting-preinit-reply';
      socket.write(b.preinit(this.seq, this.config.clusterName));
    });
    socket.on('error', (e) => this.fail(`cannot talk to the arbiter: ${e.message}`, true));
    socket.on('close', () => this.fail('the arbiter closed the connection', true));
    this.readFrom(socket);
  }

  /** Feeds the framer from `socket` (the TCP socket, then the TLS socket after STARTTLS). */
  private readFrom(socket: net.Socket | tls.TLSSocket): void {
    this.socket = socket;
    this.framer = new Framer(DEFAULT_MAX_MESSAGE_SIZE);
    socket.on('data', (d: Buffer) => {
      this.framer.push(d);
      for (let ev = this.framer.next(); ev && this.socket === socket; ev = this.framer.next()) {
        if (ev.kind === 'skipped') return this.fail('arbiter sent an unsupported or oversized message', true);
        const decoded = decodeMessage(ev.body);
        if (!decoded.ok) return this.fail(`cannot decode the arbiter's message: ${decoded.reason}`, true);
        this.onMessage(ev.type, decoded.message);
      }
    });
  }

  /**
   * STARTTLS: from here on every byte is TLS. The arbiter must present CN "Qnetd Server" signed by
   * the CA; the cluster certificate goes out when it asks for one.
   */
  private startTls(): void {
    const raw = this.socket as net.Socket;
    const material = this.config.tlsMaterial;
    if (!material) return this.fail('TLS was negotiated but no certificates are loaded', false);
    this.state = 'waiting-tls';
    raw.write(b.startTls(++this.seq));
    raw.removeAllListeners('data');
    const secure = tls.connect({
      socket: raw, ca: material.ca, pfx: material.pfx, passphrase: '',
      checkServerIdentity: (_host, cert) => (cert.subject.CN === SERVER_CN ? undefined : new Error(`the arbiter's certificate is for "${cert.subject.CN}", not "${SERVER_CN}"`)),
    });
    secure.on('error', (e) => this.fail(`TLS with the arbiter failed: ${e.message}`, true));
    secure.on('secureConnect', () => {
      if (this.state === 'waiting-tls') this.sendInit();
    });
    this.readFrom(secure);
  }

  private sendInit(): void {
    this.state = 'waiting-init-reply';
    this.initSentAt = monotonicClock.now();
    this.socket!.write(b.init({
      seq: ++this.seq, supportedMessages: ALL_MESSAGE_TYPES, supportedOptions: ALL_OPTIONS, nodeId: this.config.nodeId,
      algorithm: this.config.algorithm, heartbeatInterval: this.config.heartbeatInterval, tieBreaker: this.config.tieBreaker,
      ringId: this.view.ringId,
    }));
  }

  private onMessage(type: number, m: DecodedMessage): void {
    switch (type) {
      case MsgType.PreinitReply: return this.onPreinitReply(m);
      case MsgType.InitReply: return this.onInitReply(m);
      case MsgType.ServerError:
        return this.fail(`arbiter error ${m.replyErrorCode ?? '?'} (${ErrorCode[m.replyErrorCode ?? 0] ?? 'unknown'})`, RECONNECT_ERRORS.has(m.replyErrorCode ?? -1));
      case MsgType.EchoReply:
        if (m.seq === this.echoSeq && !this.echoAnswered) {
          this.echoAnswered = true;
          this.answeredSentAt = this.echoSentAt;
        }
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
    // tls on without certificates loaded stays in plaintext (readQuorumDeviceConfig alone loads none).
    const mode = this.config.tls === 'on' && !this.config.tlsMaterial ? 'off' : this.config.tls ?? 'off';
    const decision = negotiateTls(m.tlsSupported, clientTlsValue[mode]);
    if (decision === 'incompatible') return this.fail(`incompatible TLS settings: the arbiter's is ${TlsSupported[m.tlsSupported] ?? m.tlsSupported}, ours is ${mode}`, false);
    if (decision === 'tls') return this.startTls();
    this.sendInit();
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
    this.heuristicsChangeSupported = m.supportedOptions.includes(Opt.Heuristics);
    const heuristics = this.config.connectHeuristics;
    if (heuristics && !this.heuristicsChangeSupported) return this.fail('heuristics are on but the arbiter does not support them (option 22)', false);
    this.clearTimers();
    this.state = 'waiting-heuristics';
    this.answeredSentAt = this.initSentAt;
    this.echoSeq = 0;
    this.echoAnswered = true;
    this.echoTimer = setInterval(() => this.echo(), this.config.heartbeatInterval);
    const kap = m.supportedOptions.includes(Opt.KeepActivePartitionTieBreaker);
    const socket = this.socket;
    const sendLists = (result: Heuristics) => {
      if (this.socket !== socket || this.state !== 'waiting-heuristics') return;
      this.view = { ...this.view, heuristics: result };
      this.state = 'connected';
      this.emit('connected');
      if (kap) this.socket!.write(b.setOption(++this.seq, { keepActivePartition: this.config.keepActivePartition ? 1 : 0 }));
      this.socket!.write(b.nodeList({ seq: ++this.seq, listType: NodeListType.InitialConfig, configVersion: this.view.configVersion, nodes: this.view.configNodes }));
      this.sendMembership();
      this.sendQuorum();
    };
    if (heuristics) void heuristics().then(sendLists);
    else sendLists(Heuristics.Undefined);
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
    this.echoSentAt = monotonicClock.now();
    this.socket?.write(b.echoRequest(++this.echoSeq));
  }

  private fail(reason: string, willReconnect: boolean): void {
    if (this.state === 'stopped' || this.socket === null) return;
    this.clearTimers();
    this.socket.destroy();
    this.socket = null;
    this.answeredSentAt = null;
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
