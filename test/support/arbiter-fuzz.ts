import { isDeepStrictEqual } from 'node:util';
import type winston from 'winston';
import type { ArbiterClient } from '../../src/qdevice/arbiter/client';
import { SeededRandom } from '../../src/util/seeded-random';
import type { ArbiterSettings } from '../../src/qdevice/arbiter/settings';
import * as b from '../../src/qdevice/protocol/builders';
import { ALL_MESSAGE_TYPES, ErrorCode, MsgType, NodeListType, Opt, TlsSupported } from '../../src/qdevice/protocol/constants';
import { frame } from '../../src/qdevice/protocol/framing';
import { decodeMessage } from '../../src/qdevice/protocol/message';
import { TlvWriter } from '../../src/qdevice/protocol/tlv';
import { clientState, CoreHarness, FakeTls, initMessage, memoryLogger, MemoryTransport } from './arbiter-harness';

/*
 * A state-machine fuzz of the arbiter's core (no sockets; the framer included): sequences of
 * valid and refused messages of every type, in every order, on several connections of a few
 * clusters, with TLS modes and certificates that match or not, plus mutated bytes. After every
 * input it checks what must always hold:
 * - no handler failed (the core logs "handling failed" and drops the client: a defect here);
 * - a refused message (SERVER_ERROR, INIT_REPLY with an error) left the client exactly as it was;
 * - the registry is consistent: every connected client that passed INIT is in its own cluster,
 *   once, sorted by a node id of its own, and no closed connection is anywhere;
 * - every reply decodes and is a server-to-client type.
 * The unit suite runs a bounded, seeded amount; `bench arbiter-fuzz` a million inputs and more.
 */

const CLUSTERS = ['a', 'b'];
const node = (nodeId: number, nodeState = 0) => ({ nodeId, dataCenterId: 0, nodeState });
const nodes = (r: SeededRandom, state = false) => [1, 2, 3, 4].filter(() => r.int(3) > 0).map((n) => node(n, state ? 1 + r.int(3) : 0));
const ring = (r: SeededRandom) => ({ nodeId: 1 + r.int(2), seq: BigInt(1 + r.int(3)) });
const seqW = (seq: number) => new TlvWriter().u32(Opt.MsgSeqNumber, seq);

/** One kind of input: a message built for the connection's client (its seq of VOTE_INFO, say). */
export type MessageKind = (r: SeededRandom, c: ArbiterClient) => Buffer;

/** Well-formed messages of every client type, valid or refused by the state machine. */
export const VALID_KINDS: Record<string, MessageKind> = {
  preinit: (r) => b.preinit(r.int(9), r.pick(CLUSTERS)),
  starttls: (r) => b.startTls(r.int(9)),
  init: (r) => initMessage(r.int(9), {
    nodeId: 1 + r.int(4), algorithm: r.pick([0, 1, 1, 2, 3]), heartbeatInterval: r.pick([1000, 8000]),
    tieBreaker: r.pick([{ mode: 1, nodeId: 0 }, { mode: 1, nodeId: 0 }, { mode: 2, nodeId: 0 }, { mode: 3, nodeId: 2 }]), ringId: ring(r),
  }),
  setOption: (r) => b.setOption(r.int(9), { heartbeatInterval: r.pick([undefined, 3000, 10]), keepActivePartition: r.pick([undefined, 0, 1]) }),
  echo: (r) => b.echoRequest(r.int(9)),
  configList: (r) => b.nodeList({ seq: r.int(9), listType: r.pick([NodeListType.InitialConfig, NodeListType.ChangedConfig]),
    configVersion: r.pick([undefined, 3n]), nodes: nodes(r) }),
  membershipList: (r) => b.nodeList({ seq: r.int(9), listType: NodeListType.Membership, ringId: ring(r), nodes: nodes(r), heuristics: r.pick([0, 1, 2]) }),
  quorumList: (r) => b.nodeList({ seq: r.int(9), listType: NodeListType.Quorum, quorate: r.int(2), nodes: nodes(r, true) }),
  askForVote: (r) => b.askForVote(r.int(9)),
  voteInfoReply: (r, c) => b.voteInfoReply(r.int(3) > 0 ? c.voteInfoSeq : r.int(9)),
  heuristicsChange: (r) => b.heuristicsChange(r.int(9), 1 + r.int(2)),
};

/** Messages every state refuses, each a different refusal path. */
export const REFUSED_KINDS: Record<string, MessageKind> = {
  preinitWithoutName: (r) => frame(MsgType.Preinit, seqW(r.int(9)).toBuffer()),
  initAlgorithm9: (r) => initMessage(r.int(9), { algorithm: 9, nodeId: 1 + r.int(4), heartbeatInterval: 2000 }),
  initHeartbeat10: (r) => initMessage(r.int(9), { heartbeatInterval: 10 }),
  initWithoutRing: (r) => frame(MsgType.Init, seqW(r.int(9)).u32(Opt.NodeId, 3).u16(Opt.DecisionAlgorithm, 3).toBuffer()),
  setOptionHeartbeat10: (r) => b.setOption(r.int(9), { heartbeatInterval: 10 }),
  nodeListWithoutType: (r) => frame(MsgType.NodeList, seqW(r.int(9)).nodeInfo(node(1)).toBuffer()),
  membershipWithoutRing: (r) => b.nodeList({ seq: r.int(9), listType: NodeListType.Membership, nodes: [node(1)] }),
  quorumWithoutQuorate: (r) => b.nodeList({ seq: r.int(9), listType: NodeListType.Quorum, nodes: [node(1)] }),
  duplicateMembers: (r) => b.nodeList({ seq: r.int(9), listType: NodeListType.Membership, ringId: ring(r), nodes: [node(1), node(2), node(1)] }),
  emptyConfigList: (r) => b.nodeList({ seq: r.int(9), listType: NodeListType.InitialConfig, nodes: [] }),
  heuristicsWithoutValue: (r) => frame(MsgType.HeuristicsChange, seqW(r.int(9)).toBuffer()),
  askWithoutSeq: () => frame(MsgType.AskForVote, new TlvWriter().u8(Opt.Quorate, 1).toBuffer()),
  serverType: (r) => frame(r.pick([1, 4, 5, 7, 9, 11, 13, 14, 17]), seqW(r.int(9)).toBuffer()),
  unknownType: (r) => frame(18 + r.int(1000), seqW(1).toBuffer()),
  headerOnly: (r) => frame(r.int(18), Buffer.alloc(0)),
  badValue: (r) => frame(MsgType.Preinit, seqW(r.int(9)).u8(Opt.Vote, 0).toBuffer()),
  badNodeInfo: (r) => frame(MsgType.NodeList, seqW(r.int(9)).u8(Opt.NodeListType, 0).raw(Opt.NodeInfo, Buffer.from('0009000200', 'hex')).toBuffer()),
  unknownOption: (r) => frame(MsgType.EchoRequest, seqW(r.int(9)).raw(200, Buffer.from('zzzz')).toBuffer()),
};

/** Byte-level damage to a valid message: flips, cuts, growth, another length. */
function mutate(r: SeededRandom, msg: Buffer): Buffer {
  const out = Buffer.from(msg);
  switch (r.int(5)) {
    case 0: for (let i = 1 + r.int(3); i > 0; i--) out[r.int(out.length)] = r.int(256); return out;
    case 1: return out.subarray(0, r.int(out.length));
    case 2: return Buffer.concat([out, Buffer.from(Array.from({ length: 1 + r.int(12) }, () => r.int(256)))]);
    case 3: out.writeUInt32BE(r.pick([0, 1, 3, out.length, 40000, 0xffffffff]), 2); return out;
    default: out.writeUInt16BE(r.int(40), 0); return out;
  }
}

const SERVER_TYPES = new Set(ALL_MESSAGE_TYPES.filter((t) => ![0, 2, 3, 6, 8, 10, 12, 15, 16].includes(t)));

/** An input that takes longer than this counts as a hang (the event loop would stall every client). */
export const HANG_MS = 1000;

export interface FuzzFindings {
  /** One logger for the whole run (a winston logger per session costs 10 KB that stays): errors only. */
  readonly logger: { log: winston.Logger; lines: string[] };
  inputs: number;
  /** Inputs that took HANG_MS or longer, and the slowest input's time. */
  hangs: string[];
  slowestMs: number;
  /** Handler failures the core caught (each would have been a crash before) and exceptions that escaped. */
  crashes: string[];
  violations: string[];
}

export function newFindings(): FuzzFindings {
  return { logger: memoryLogger('error'), inputs: 0, hangs: [], slowestMs: 0, crashes: [], violations: [] };
}

/** Whether any reply to one input refuses it: SERVER_ERROR, or INIT_REPLY with an error code. */
function refusedBy(replies: Buffer[]): boolean {
  return replies.some((m) => {
    const type = m.readUInt16BE(0);
    if (type === MsgType.ServerError) return true;
    if (type !== MsgType.InitReply) return false;
    const d = decodeMessage(m.subarray(6));
    return d.ok && d.message.replyErrorCode !== ErrorCode.NoError;
  });
}

/**
 * One arbiter with a few connections. Feed it inputs with `step`; it records what went wrong.
 * `settings` picks the TLS mode; cluster "a" has a matching certificate, "b" a wrong one.
 */
export class FuzzSession {
  readonly harness: CoreHarness;
  readonly conns: MemoryTransport[] = [];
  private readonly logged: string[];

  constructor(settings: Partial<ArbiterSettings>, readonly findings: FuzzFindings, private readonly label: string) {
    this.logged = findings.logger.lines;
    this.harness = new CoreHarness(settings, findings.logger.log);
    // Without TLS the arbiter has no certificate (the CLI loads none), so STARTTLS ends the connection.
    if (settings.tls !== undefined && settings.tls !== TlsSupported.Unsupported) this.harness.core.tlsHooks = new FakeTls(() => 'a');
  }

  connect(): MemoryTransport {
    const t = this.harness.connect();
    this.conns.push(t);
    return t;
  }

  /**
   * Feeds `bytes` on `t` and checks the invariants; `what` names the input in findings. `oneMessage`:
   * the bytes are one whole message, so a refusal must have changed nothing (with several, a later
   * one may rightly change the client).
   */
  step(t: MemoryTransport, bytes: Buffer, what: string, oneMessage = true): void {
    this.findings.inputs++;
    const before = t.closed ? null : clientState(t.client);
    const sentBefore = t.sent.length;
    const t0 = performance.now();
    try {
      this.harness.feed(t, bytes);
    } catch (err) {
      this.findings.crashes.push(`${this.label} ${what}: escaped ${err instanceof Error ? err.stack : String(err)}`);
    }
    const ms = performance.now() - t0;
    if (ms > this.findings.slowestMs) this.findings.slowestMs = ms;
    if (ms >= HANG_MS) this.findings.hangs.push(`${this.label} ${what}: ${ms.toFixed(0)} ms`);
    for (const line of this.logged.splice(0)) this.findings.crashes.push(`${this.label} ${what}: ${line}`);
    const replies = t.sent.slice(sentBefore);
    for (const m of replies) {
      const type = m.readUInt16BE(0);
      if (!SERVER_TYPES.has(type) || !decodeMessage(m.subarray(6)).ok) this.violate(what, `sent an undecodable or client-type message ${m.toString('hex')}`);
    }
    if (oneMessage && before && !t.closed && refusedBy(replies)) {
      const after = clientState(t.client);
      // Any message after the handshake checks the certificate first, refused or not (as qnetd).
      if (after.tlsPeerCertificateVerified) before.tlsPeerCertificateVerified = true;
      if (!isDeepStrictEqual(after, before)) this.violate(what, `refused, but the client changed: ${JSON.stringify(diff(before, after))}`);
    }
    this.checkRegistry(what);
  }

  private checkRegistry(what: string): void {
    const core = this.harness.core;
    for (const cluster of core.registry.all()) {
      const ids = cluster.clients.map((c) => c.nodeId);
      if (ids.length === 0) this.violate(what, `empty cluster ${cluster.name} kept`);
      if (ids.some((id, i) => i > 0 && id <= ids[i - 1]!)) this.violate(what, `cluster ${cluster.name} not sorted by unique node id: ${ids.join(',')}`);
      for (const c of cluster.clients) {
        if (c.disconnected || !core.clients.has(c)) this.violate(what, `closed client ${c.address} still in cluster ${cluster.name}`);
        if (c.cluster !== cluster || c.clusterName !== cluster.name || !c.initReceived) this.violate(what, `client ${c.address} in cluster ${cluster.name} but names ${c.clusterName}`);
      }
    }
    for (const t of this.conns) {
      const c = t.client;
      if (t.closed !== c.disconnected || t.closed === core.clients.has(c)) this.violate(what, `client ${c.address}: closed ${t.closed}, disconnected ${c.disconnected}`);
      if (!t.closed && c.initReceived && !c.cluster?.clients.includes(c)) this.violate(what, `client ${c.address} passed INIT but is not in its cluster`);
    }
  }

  private violate(what: string, problem: string): void {
    this.findings.violations.push(`${this.label} ${what}: ${problem}`);
  }

  close(): void {
    this.harness.close();
  }
}

function diff(a: Record<string, unknown>, b: Record<string, unknown>): Record<string, [unknown, unknown]> {
  const out: Record<string, [unknown, unknown]> = {};
  for (const k of Object.keys(a)) if (!isDeepStrictEqual(a[k], b[k])) out[k] = [a[k], b[k]];
  return JSON.parse(JSON.stringify(out, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v))) as Record<string, [unknown, unknown]>;
}

const TLS_MODES = [TlsSupported.Unsupported, TlsSupported.Supported, TlsSupported.Required];
const ALL_KINDS = { ...VALID_KINDS, ...REFUSED_KINDS };
const ALL_KIND_NAMES = Object.keys(ALL_KINDS);

/** Ways to bring a fresh connection into a state before the refusals: a prefix of a real session. */
export const SETUPS: Record<string, (r: SeededRandom, c: ArbiterClient) => Buffer[]> = {
  fresh: () => [],
  preinit: () => [b.preinit(1, 'a')],
  tls: () => [b.preinit(1, 'a'), b.startTls(2)],
  tlsWrongCert: () => [b.preinit(1, 'b'), b.startTls(2)],
  joined: () => [b.preinit(1, 'a'), initMessage(2, { nodeId: 1 })],
  joinedTls: () => [b.preinit(1, 'a'), b.startTls(2), initMessage(3, { nodeId: 1 })],
  withLists: (r, c) => [b.preinit(1, 'a'), initMessage(2, { nodeId: 1 }), VALID_KINDS.configList!(r, c),
    VALID_KINDS.membershipList!(r, c), VALID_KINDS.quorumList!(r, c)],
};

/**
 * The systematic part: in every setup state and TLS mode, every refused message, then every
 * message kind (valid or refused) on the same connection, with a peer already in the cluster.
 */
export function runRefusalMatrix(findings: FuzzFindings, seed = 1): void {
  const r = new SeededRandom(seed);
  for (const tls of TLS_MODES) {
    for (const [setupName, setup] of Object.entries(SETUPS)) {
      for (const [refusedName, refused] of Object.entries(REFUSED_KINDS)) {
        for (const followName of ALL_KIND_NAMES) {
          const s = new FuzzSession({ tls }, findings, `tls=${tls} ${setupName} → ${refusedName} → ${followName}`);
          const peer = s.connect();
          const peerTls = tls === TlsSupported.Unsupported ? [] : [b.startTls(2)];
          s.step(peer, Buffer.concat([b.preinit(1, 'a'), ...peerTls, initMessage(3, { nodeId: 2 })]), 'peer joins', false);
          const t = s.connect();
          for (const m of setup(r, t.client)) s.step(t, m, 'setup');
          if (!t.closed) s.step(t, refused(r, t.client), refusedName);
          if (!t.closed) s.step(t, ALL_KINDS[followName]!(r, t.client), followName);
          s.close();
        }
      }
    }
  }
}

/**
 * The random part: `inputs` inputs over sessions of up to three connections, each input a
 * message of any kind, a mutated one, or two in one read.
 */
export function runRandomSequences(findings: FuzzFindings, inputs: number, seed: number): void {
  const r = new SeededRandom(seed);
  const goal = findings.inputs + inputs;
  let sessionNo = 0;
  while (findings.inputs < goal) {
    const s = new FuzzSession({ tls: r.pick(TLS_MODES), heartbeatMin: 1000 }, findings, `seed=${seed} session=${sessionNo++}`);
    for (let i = 1 + r.int(3); i > 0; i--) s.connect();
    const steps = 5 + r.int(40);
    for (let i = 0; i < steps && findings.inputs < goal; i++) {
      let t = r.pick(s.conns);
      if (t.closed) t = s.connect();
      const kind = r.pick(ALL_KIND_NAMES);
      const roll = r.int(10);
      if (roll < 6) s.step(t, ALL_KINDS[kind]!(r, t.client), `#${i} ${kind}`);
      else if (roll < 9) s.step(t, mutate(r, ALL_KINDS[kind]!(r, t.client)), `#${i} mutated ${kind}`, false);
      else s.step(t, Buffer.concat([ALL_KINDS[kind]!(r, t.client), ALL_KINDS[r.pick(ALL_KIND_NAMES)]!(r, t.client)]), `#${i} ${kind} and another in one read`, false);
    }
    s.close();
  }
}

/** Every sequence of `length` kinds out of `names`, in every order (with repeats). */
function* sequences(names: readonly string[], length: number): Generator<string[]> {
  if (length === 0) {
    yield [];
    return;
  }
  for (const rest of sequences(names, length - 1)) for (const n of names) yield [...rest, n];
}

/**
 * The exhaustive part: from every setup state and TLS mode, every sequence of `length` valid
 * message kinds, in every order, with a peer in the cluster that answers its vote pushes.
 */
export function runValidOrders(findings: FuzzFindings, length: number, seed = 1): void {
  const r = new SeededRandom(seed);
  for (const tls of TLS_MODES) {
    for (const [setupName, setup] of Object.entries(SETUPS)) {
      for (const seq of sequences(Object.keys(VALID_KINDS), length)) {
        const s = new FuzzSession({ tls }, findings, `tls=${tls} ${setupName} → ${seq.join(' → ')}`);
        const peer = s.connect();
        const peerTls = tls === TlsSupported.Unsupported ? [] : [b.startTls(2)];
        s.step(peer, Buffer.concat([b.preinit(1, 'a'), ...peerTls, initMessage(3, { nodeId: 2 })]), 'peer joins', false);
        const t = s.connect();
        for (const m of setup(r, t.client)) s.step(t, m, 'setup');
        for (const kind of seq) {
          if (t.closed) break;
          s.step(t, VALID_KINDS[kind]!(r, t.client), kind);
          if (!peer.closed) s.step(peer, b.voteInfoReply(peer.client.voteInfoSeq), 'peer acknowledges');
        }
        s.close();
      }
    }
  }
}
