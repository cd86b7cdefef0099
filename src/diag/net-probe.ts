import { createSocket, type Socket } from 'node:dgram';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { monotonicClock } from '../util/clock';
import { decodeProbe, encodeProbe, type ProbeKind, type ProbeMessage } from './net-messages';
import { probeStats } from './net-stats';
import { pairVerdict, type PairResult } from './net-verdict';

export interface NetHost {
  name: string;
  address: string;
}

export interface NetProbeOptions {
  self: NetHost;
  peers: NetHost[];
  port: number;
  /** IPv4 multicast group for the multicast probes. */
  group: string;
  count: number;
  intervalMs: number;
  /** Size of the MTU probes as IP packets (payload + 28 bytes of IPv4 and UDP headers). */
  mtuBytes: number;
  /** How long to wait for every peer to start answering before measuring anyway. */
  waitMs: number;
}

export interface NetReport {
  self: NetHost;
  port: number;
  group: string;
  multicast: { available: boolean; error?: string };
  pairs: PairResult[];
  durationMs: number;
  ok: boolean;
}

/** The probe cannot run on this host (its port is taken, …). */
export class NetProbeError extends Error {
  override readonly name = 'NetProbeError';
}

/** Explicit limits: a diagnosis must end soon and stay small on the wire. */
export const netLimits = { maxCount: 1000, minIntervalMs: 10, maxWaitMs: 60_000, minMtu: 576, maxMtu: 9000 } as const;
const ipUdpHeaderBytes = 28;
const helloEveryMs = 200;
const lateAnswerMs = 1000;

/**
 * One omping-like instance: answers every peer's probes and probes every peer (unicast, an MTU
 * sized unicast, and one multicast per round that every peer answers by unicast). Run it on all
 * hosts at once: each reports the paths from itself to the others, so together they cover every
 * pair in both directions. A start-up handshake waits for the peers, and each instance keeps
 * answering until every peer said it is done (or the time bound passes).
 */
export class NetProbe {
  /** Send times on performance.now(): round trips are well below the millisecond steps of monotonicClock. */
  private readonly sentAt = new Map<string, number>();
  private readonly rtts = new Map<string, number[]>();
  private readonly answered = new Set<string>();
  private readonly greeted = new Set<string>();
  private readonly finished = new Set<string>();
  private multicastError: string | undefined;

  private constructor(private readonly options: NetProbeOptions, private readonly socket: Socket) {
    socket.on('message', (data, from) => this.receive(data, from.address, from.port));
  }

  static async run(options: NetProbeOptions): Promise<NetReport> {
    const started = monotonicClock.now();
    // No SO_REUSEADDR: a second instance on the same host would silently take half of the answers.
    const socket = createSocket({ type: 'udp4' });
    try {
      await new Promise<void>((resolve, reject) => {
        socket.once('error', (err) => reject(new NetProbeError(`cannot bind UDP port ${options.port}: ${err.message}`)));
        // The wildcard address, so that multicast to the group arrives too; answers leave from the host's address.
        socket.bind(options.port, () => { socket.off('error', reject); resolve(); });
      });
      socket.on('error', () => undefined); // ICMP errors of single sends show up as loss.
      const probe = new NetProbe(options, socket);
      probe.joinGroup();
      await probe.handshake();
      await probe.measure();
      await probe.linger();
      const pairs = options.peers.map((peer) => probe.pair(peer));
      return {
        self: options.self,
        port: options.port,
        group: options.group,
        multicast: probe.multicastError === undefined ? { available: true } : { available: false, error: probe.multicastError },
        pairs,
        durationMs: Math.round(monotonicClock.now() - started),
        ok: pairs.every((p) => p.ok),
      };
    } finally {
      socket.close();
    }
  }

  private joinGroup(): void {
    try {
      this.socket.setMulticastInterface(this.options.self.address);
      this.socket.addMembership(this.options.group, this.options.self.address);
      this.socket.setMulticastTTL(1);
      this.socket.setMulticastLoopback(false);
    } catch (err) {
      this.multicastError = `cannot join ${this.options.group} on ${this.options.self.address}: ${(err as Error).message}`;
    }
  }

  private async handshake(): Promise<void> {
    const deadline = monotonicClock.now() + this.options.waitMs;
    for (let seq = 0; this.greeted.size < this.options.peers.length && monotonicClock.now() < deadline; seq++) {
      for (const peer of this.options.peers) if (!this.greeted.has(peer.name)) this.ping(peer.address, 'hello', seq);
      await sleep(helloEveryMs);
    }
  }

  private async measure(): Promise<void> {
    const mtuTotal = this.options.mtuBytes - ipUdpHeaderBytes;
    for (let seq = 0; seq < this.options.count; seq++) {
      for (const peer of this.options.peers) {
        this.ping(peer.address, 'unicast', seq, peer.name);
        this.ping(peer.address, 'mtu', seq, peer.name, mtuTotal);
      }
      if (this.multicastError === undefined) this.ping(this.options.group, 'multicast', seq, '*');
      await sleep(this.options.intervalMs);
    }
    await sleep(lateAnswerMs);
  }

  /** Keeps answering until every peer that answered the handshake is done too. */
  private async linger(): Promise<void> {
    const deadline = monotonicClock.now() + this.options.count * this.options.intervalMs + this.options.waitMs;
    let seq = 0;
    while (monotonicClock.now() < deadline && [...this.greeted].some((name) => !this.finished.has(name))) {
      for (const peer of this.options.peers) this.ping(peer.address, 'done', seq);
      seq++;
      await sleep(helloEveryMs);
    }
    // The peers still waiting must hear it before the socket closes; a send is only queued until its callback.
    const message = encodeProbe({ type: 'ping', kind: 'done', from: this.options.self.name, seq });
    await Promise.all(this.options.peers.map((peer) => new Promise<void>((resolve) => {
      this.socket.send(message, this.options.port, peer.address, () => resolve());
    })));
  }

  private ping(address: string, kind: ProbeKind, seq: number, peerKey?: string, totalBytes?: number): void {
    const message: ProbeMessage = { type: 'ping', kind, from: this.options.self.name, seq };
    if (peerKey !== undefined) this.sentAt.set(`${kind}:${peerKey}:${seq}`, performance.now());
    this.socket.send(encodeProbe(message, totalBytes), this.options.port, address);
  }

  private receive(data: Buffer, address: string, port: number): void {
    const message = decodeProbe(data);
    if (message === undefined || message.from === this.options.self.name) return;
    if (message.type === 'ping') {
      if (message.kind === 'done') this.finished.add(message.from);
      if (message.kind === 'hello') this.greeted.add(message.from);
      const pong: ProbeMessage = { type: 'pong', kind: message.kind, from: this.options.self.name, seq: message.seq };
      // The answer to an MTU probe is as large as the probe, so the path is checked both ways.
      this.socket.send(encodeProbe(pong, message.kind === 'mtu' ? data.length : 0), port, address);
      return;
    }
    if (message.kind === 'hello') this.greeted.add(message.from);
    if (message.kind === 'done' || message.kind === 'hello') return;
    const sentKey = `${message.kind}:${message.kind === 'multicast' ? '*' : message.from}:${message.seq}`;
    const answerKey = `${message.kind}:${message.from}:${message.seq}`;
    const sent = this.sentAt.get(sentKey);
    if (sent === undefined || this.answered.has(answerKey)) return;
    this.answered.add(answerKey);
    const listKey = `${message.kind}:${message.from}`;
    this.rtts.set(listKey, [...(this.rtts.get(listKey) ?? []), performance.now() - sent]);
  }

  private pair(peer: NetHost): PairResult {
    const stats = (kind: ProbeKind) => probeStats(this.options.count, this.rtts.get(`${kind}:${peer.name}`) ?? []);
    const measured = {
      from: this.options.self.name,
      to: peer.name,
      address: peer.address,
      reachable: this.greeted.has(peer.name),
      unicast: stats('unicast'),
      multicast: this.multicastError === undefined ? stats('multicast') : null,
      mtu: stats('mtu'),
      mtuBytes: this.options.mtuBytes,
    };
    return { ...measured, ...pairVerdict(measured) };
  }
}
