import { DecisionAlgorithm, Heuristics, Vote } from '../protocol/constants';
import { NodeInfo, RingId, TieBreaker } from '../protocol/tlv';
import type { Cluster } from './cluster';

/** Heartbeat assumed before INIT: dead-peer detection then fires after 1.5 × 120 s. */
export const PRE_INIT_HEARTBEAT_MS = 120000;

/** The I/O side of a connection, kept behind an interface so the logic runs without sockets. */
export interface ClientTransport {
  send(message: Buffer): void;
  /** Closes the connection; the server then runs the disconnect path once. */
  close(): void;
}

/** ffsplit's per-client progress through the two-phase vote push. */
export type FfsplitClientState = 'waiting-for-change' | 'sending-nack' | 'sending-ack';

/** What the arbiter knows about one connected quorum device (qnetd-client.h's fields). */
export class ArbiterClient {
  preinitReceived = false;
  initReceived = false;
  /** The cluster name's bytes, one latin1 character per byte (see clusterNameKey). */
  clusterName: string | null = null;
  nodeId = 0;
  algorithm: DecisionAlgorithm = DecisionAlgorithm.Test;
  tieBreaker: TieBreaker = { mode: 1, nodeId: 0 };
  heartbeatInterval = PRE_INIT_HEARTBEAT_MS;
  keepActivePartition = false;
  /** Lists stay empty until received; the algorithms treat "empty" as "not received yet". */
  configNodeList: NodeInfo[] = [];
  configVersion: bigint | undefined;
  membershipNodeList: NodeInfo[] = [];
  quorumNodeList: NodeInfo[] = [];
  lastRingId: RingId = { nodeId: 0, seq: 0n };
  lastMembershipHeuristics = Heuristics.Undefined;
  lastRegularHeuristics = Heuristics.Undefined;
  lastHeuristics = Heuristics.Undefined;
  lastSentVote = Vote.Undefined;
  lastSentAckNackVote = Vote.Undefined;
  tlsStarted = false;
  tlsPeerCertificateVerified = false;
  cluster: Cluster | null = null;
  /** Seq of the last VOTE_INFO pushed to this client (pre-incremented, first is 1). */
  voteInfoSeq = 0;
  /** lms / 2nodelms: the last decided vote (Undefined = never voted). */
  algoLastResult = Vote.Undefined;
  ffsplitState: FfsplitClientState = 'waiting-for-change';
  /** Set once the disconnect path ran; later events for this client are ignored. */
  disconnected = false;
  /** Dead-peer detection (DeadPeerSweep): monotonic ms of the connect and the last message, and the silence allowed (0: off). */
  connectedAt = 0;
  lastMessageAt = 0;
  deadPeerLimitMs = 0;
  algoTimer: NodeJS.Timeout | null = null;

  constructor(readonly address: string, readonly transport: ClientTransport) {}

  /** Records a vote going out, for the status listing ("Vote: ACK (ACK)"). */
  noteVoteSent(vote: Vote): void {
    this.lastSentVote = vote;
    if (vote === Vote.Ack || vote === Vote.Nack) this.lastSentAckNackVote = vote;
  }
}

/**
 * A cluster name as the arbiter keeps it: a latin1 string holds the exact bytes (names compare
 * byte for byte, as qnetd's do) in a few dozen bytes of its own. A Buffer copy would come from
 * Node's 8 KB allocation pool and pin a whole slab per long-lived name: 5 MB at 10,000 clients.
 */
export function clusterNameKey(name: Buffer): string {
  return name.toString('latin1');
}

/** Node ids of the lists looked up often, built once per list (lists are never changed once received). */
const idSets = new WeakMap<readonly NodeInfo[], Set<number>>();
/** Shorter lists are searched: a Set costs more than it saves there (two- and three-node clusters). */
const SET_FROM = 16;

/**
 * Whether the list holds the node. ffsplit asks this for every node of one list against another:
 * with a linear search one 32 KB list of 2,700 nodes took 130 ms, time a client could make the
 * arbiter spend on every message while every other cluster's votes wait.
 */
export function nodeListHas(list: readonly NodeInfo[], nodeId: number): boolean {
  if (list.length < SET_FROM) return list.some((n) => n.nodeId === nodeId);
  let ids = idSets.get(list);
  if (!ids) {
    ids = new Set(list.map((n) => n.nodeId));
    idSets.set(list, ids);
  }
  return ids.has(nodeId);
}
