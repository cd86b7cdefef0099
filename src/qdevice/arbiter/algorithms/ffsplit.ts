import { ErrorCode, Heuristics, TieBreakerMode, Vote } from '../../protocol/constants';
import { NodeInfo, RingId, ringIdEqual } from '../../protocol/tlv';
import { ArbiterClient, nodeListHas } from '../client';
import type { Cluster } from '../cluster';
import { AlgoContext, AlgoResult, DecisionAlgorithmImpl, failure, vote } from './types';

/**
 * ffsplit (id 1): for even clusters split 50:50, at most one partition gets the vote. Decisions
 * are pushed to every client of the cluster as VOTE_INFO in two phases: first all NACKs, and only
 * after every NACK was acknowledged (VOTE_INFO_REPLY with the current seq) the ACKs, so two
 * partitions never hold the vote at the same time. The triggering message is answered NO_CHANGE.
 */

/** The view of one client during a decision: the triggering client contributes its new values. */
interface Candidate {
  client: ArbiterClient;
  config: NodeInfo[];
  membership: NodeInfo[];
  heuristics: Heuristics;
}

interface Trigger {
  client: ArbiterClient;
  leaving: boolean;
  ringId: RingId;
  config: NodeInfo[];
  membership: NodeInfo[];
  heuristics: Heuristics;
}

function isTrigger(t: Trigger, c: ArbiterClient): boolean {
  return c.nodeId === t.client.nodeId;
}

/** The clients that take part, each with the lists the decision uses; the leaving one is left out. */
function candidates(cluster: Cluster, t: Trigger): Candidate[] {
  const out: Candidate[] = [];
  for (const c of cluster.clients) {
    if (isTrigger(t, c)) {
      if (!t.leaving) out.push({ client: c, config: t.config, membership: t.membership, heuristics: t.heuristics });
    } else {
      out.push({ client: c, config: c.configNodeList, membership: c.membershipNodeList, heuristics: c.lastHeuristics });
    }
  }
  return out;
}

/** All config lists equal as sets, and clients in one partition agree on ring id and members. */
function isMembershipStable(cluster: Cluster, t: Trigger, parts: Candidate[]): boolean {
  for (const a of parts) {
    for (const b of parts) {
      if (a === b) continue;
      if (a.config.some((n) => !nodeListHas(b.config, n.nodeId))) return false;
    }
  }
  for (const a of parts) {
    const ringA = isTrigger(t, a.client) ? t.ringId : a.client.lastRingId;
    // Each other client once: a list naming one node 2,700 times must not cost 2,700 comparisons of the lists.
    const compared = new Set<ArbiterClient>();
    for (const node of a.membership) {
      const other = cluster.findByNodeId(node.nodeId);
      if (!other || compared.has(other) || (t.leaving && isTrigger(t, other))) continue;
      compared.add(other);
      const b = parts.find((p) => p.client === other);
      if (!b) continue;
      const ringB = isTrigger(t, other) ? t.ringId : other.lastRingId;
      if (!ringIdEqual(ringA, ringB)) return false;
      if (a.membership.some((n) => !nodeListHas(b.membership, n.nodeId))) return false;
    }
  }
  return true;
}

interface PartitionStats {
  active: number;
  pass: number;
  fail: number;
}

/** Connected clients in a membership, and their heuristics; the candidate itself uses its own value. */
function partitionStats(cluster: Cluster, p: Candidate | null): PartitionStats {
  const stats = { active: 0, pass: 0, fail: 0 };
  if (!p) return stats;
  for (const node of p.membership) {
    const c = cluster.findByNodeId(node.nodeId);
    if (!c) continue;
    stats.active++;
    const h = c === p.client ? p.heuristics : c.lastHeuristics;
    if (h === Heuristics.Pass) stats.pass++;
    else if (h === Heuristics.Fail) stats.fail++;
  }
  return stats;
}

function preferredNodeId(p: Candidate): number {
  const ids = p.config.map((n) => n.nodeId);
  switch (p.client.tieBreaker.mode) {
    case TieBreakerMode.Lowest: return Math.min(...ids);
    case TieBreakerMode.Highest: return Math.max(...ids);
    default: return p.client.tieBreaker.nodeId;
  }
}

/** True when partition `a` beats the best so far (`b`, null before the first). */
function isBetter(cluster: Cluster, a: Candidate, b: Candidate | null): boolean {
  const half = Math.floor(a.config.length / 2);
  // Odd clusters never split 50:50: a strict majority wins, without looking at `b`.
  if (a.config.length % 2 !== 0) return a.membership.length > half;
  if (a.membership.length > half) return true;
  if (a.membership.length < half) return false;
  const sa = partitionStats(cluster, a);
  const sb = partitionStats(cluster, b);
  const scoreA = sa.active + sa.pass - sa.fail;
  const scoreB = sb.active + sb.pass - sb.fail;
  if (scoreA !== scoreB) return scoreA > scoreB;
  if (sa.active !== sb.active) return sa.active > sb.active;
  if (b && a.client.keepActivePartition && b.client.keepActivePartition) {
    const inA = nodeListHas(cluster.quoratePartition, a.client.nodeId);
    const inB = nodeListHas(cluster.quoratePartition, b.client.nodeId);
    if (inA !== inB) return inA;
  }
  return nodeListHas(a.membership, preferredNodeId(a));
}

function selectPartition(cluster: Cluster, parts: Candidate[]): NodeInfo[] | null {
  let best: Candidate | null = null;
  for (const p of parts) if (isBetter(cluster, p, best)) best = p;
  return best ? best.membership : null;
}

function sendVotes(ctx: AlgoContext, cluster: Cluster, t: Trigger | null, ack: boolean): number {
  let sent = 0;
  const wanted = ack ? 'sending-ack' : 'sending-nack';
  for (const c of cluster.clients) {
    if (t && t.leaving && isTrigger(t, c)) continue;
    if (c.ffsplitState !== wanted) continue;
    const ring = t && isTrigger(t, c) ? t.ringId : c.lastRingId;
    c.voteInfoSeq++;
    sent++;
    ctx.sendVoteInfo(c, c.voteInfoSeq, ack ? Vote.Ack : Vote.Nack, ring);
  }
  return sent;
}

function decide(ctx: AlgoContext, t: Trigger): AlgoResult {
  const cluster = t.client.cluster!;
  cluster.ffsplitState = 'waiting-for-stable-membership';
  const parts = candidates(cluster, t);
  if (!isMembershipStable(cluster, t, parts)) {
    ctx.debug('ffsplit: membership is not yet stable');
    return vote(Vote.WaitForReply);
  }
  const quorate = selectPartition(cluster, parts);
  cluster.quoratePartition = quorate ? quorate.map((n) => ({ ...n })) : [];
  for (const c of cluster.clients) {
    if (t.leaving && isTrigger(t, c)) c.ffsplitState = 'waiting-for-change';
    else c.ffsplitState = quorate && nodeListHas(quorate, c.nodeId) ? 'sending-ack' : 'sending-nack';
  }
  cluster.ffsplitState = 'sending-nacks';
  if (sendVotes(ctx, cluster, t, false) === 0) {
    cluster.ffsplitState = 'sending-acks';
    if (sendVotes(ctx, cluster, t, true) === 0) cluster.ffsplitState = 'waiting-for-change';
  }
  return vote(Vote.NoChange);
}

const inList = (nodes: readonly NodeInfo[], c: ArbiterClient): boolean => nodeListHas(nodes, c.nodeId);

export function createFfsplit(ctx: AlgoContext): DecisionAlgorithmImpl {
  return {
    init(client) {
      client.ffsplitState = 'waiting-for-change';
    },

    configNodeListReceived(client, nodes, initial) {
      if (nodes.length === 0 || !inList(nodes, client)) return failure(ErrorCode.InvalidConfigNodeList);
      if (initial || client.membershipNodeList.length === 0) return vote(Vote.AskLater);
      return decide(ctx, {
        client, leaving: false, ringId: client.lastRingId, config: nodes,
        membership: client.membershipNodeList, heuristics: client.lastHeuristics,
      });
    },

    membershipNodeListReceived(client, ringId, nodes, heuristics) {
      if (nodes.length === 0 || !inList(nodes, client)) return failure(ErrorCode.InvalidMembershipNodeList);
      if (client.configNodeList.length === 0) return vote(Vote.AskLater);
      return decide(ctx, { client, leaving: false, ringId, config: client.configNodeList, membership: nodes, heuristics });
    },

    quorumNodeListReceived: () => vote(Vote.NoChange),

    askForVoteReceived: () => failure(ErrorCode.UnsupportedDecisionAlgorithmMessage),

    voteInfoReplyReceived(client, seq) {
      const cluster = client.cluster!;
      if (seq !== client.voteInfoSeq) {
        ctx.debug('ffsplit: old vote info reply ignored');
        return;
      }
      client.ffsplitState = 'waiting-for-change';
      if (cluster.ffsplitState === 'sending-nacks') {
        if (cluster.clients.some((c) => c.ffsplitState === 'sending-nack')) return;
        cluster.ffsplitState = 'sending-acks';
        if (sendVotes(ctx, cluster, null, true) === 0) cluster.ffsplitState = 'waiting-for-change';
      } else if (cluster.ffsplitState === 'sending-acks') {
        if (!cluster.clients.some((c) => c.ffsplitState === 'sending-ack')) cluster.ffsplitState = 'waiting-for-change';
      }
    },

    heuristicsChangeReceived(client, heuristics) {
      if (client.configNodeList.length === 0 || client.membershipNodeList.length === 0) return vote(Vote.AskLater);
      return decide(ctx, {
        client, leaving: false, ringId: client.lastRingId, config: client.configNodeList,
        membership: client.membershipNodeList, heuristics,
      });
    },

    timerFired: () => ({ reschedule: false }),

    clientDisconnected(client, serverGoingDown) {
      if (serverGoingDown) return;
      decide(ctx, {
        client, leaving: true, ringId: client.lastRingId, config: client.configNodeList,
        membership: client.membershipNodeList, heuristics: client.lastHeuristics,
      });
    },
  };
}
