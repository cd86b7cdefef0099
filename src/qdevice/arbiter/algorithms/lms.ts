import { Heuristics, TieBreakerMode, Vote } from '../../protocol/constants';
import { RingId, ringIdEqual } from '../../protocol/tlv';
import { ArbiterClient, nodeListHas } from '../client';
import { AlgoContext, AlgoResult, DecisionAlgorithmImpl, vote } from './types';

/**
 * lms, "last man standing" (id 3): the partition with the best score (clients plus heuristics),
 * else the most clients, else the tie-breaker, gets ACK. While the clients of one partition
 * disagree on the ring id the answer is WAIT_FOR_REPLY and the per-client timer (heartbeat/4)
 * retries and pushes the result as VOTE_INFO.
 */

interface Partition {
  ringId: RingId;
  score: number;
  nodes: number;
}

function partitions(clients: readonly ArbiterClient[]): Partition[] {
  const out: Partition[] = [];
  for (const c of clients) {
    if (c.lastRingId.seq === 0n) continue;
    let p = out.find((x) => ringIdEqual(x.ringId, c.lastRingId));
    if (!p) {
      p = { ringId: c.lastRingId, score: 0, nodes: 0 };
      out.push(p);
    }
    p.nodes++;
    p.score += 1 + (c.lastHeuristics === Heuristics.Pass ? 1 : c.lastHeuristics === Heuristics.Fail ? -1 : 0);
  }
  return out;
}

/** The first partition with the maximum of `key`, or null when another one ties with it. */
function uniqueMax(parts: Partition[], key: (p: Partition) => number): Partition | null {
  let best = parts[0]!;
  for (const p of parts) if (key(p) > key(best)) best = p;
  return parts.some((p) => p !== best && key(p) === key(best)) ? null : best;
}

function doLms(ctx: AlgoContext, client: ArbiterClient, ring: RingId): Vote {
  const clients = client.cluster!.clients;
  ctx.abortAlgoTimer(client);
  const waitForReply = (): Vote => {
    ctx.scheduleAlgoTimer(client);
    client.algoLastResult = Vote.WaitForReply;
    return Vote.WaitForReply;
  };
  for (const o of clients) {
    if (o === client) continue;
    const samePartition = nodeListHas(client.membershipNodeList, o.nodeId) || nodeListHas(o.membershipNodeList, client.nodeId);
    if (samePartition && !ringIdEqual(o.lastRingId, ring)) return waitForReply();
  }
  const parts = partitions(clients);
  if (parts.length === 0) return waitForReply();
  const decided = (v: Vote): Vote => {
    client.algoLastResult = v;
    return v;
  };
  if (parts.length === 1) return decided(Vote.Ack);
  // A newcomer must not take the vote away from a partition that already holds it.
  if (client.algoLastResult === Vote.Undefined
    && clients.some((o) => o !== client && !ringIdEqual(o.lastRingId, ring) && o.algoLastResult === Vote.Ack)) {
    return Vote.Nack;
  }
  const best = uniqueMax(parts, (p) => p.score);
  if (best) return decided(ringIdEqual(best.ringId, ring) ? Vote.Ack : Vote.Nack);
  const largest = uniqueMax(parts, (p) => p.nodes);
  if (largest) return decided(ringIdEqual(largest.ringId, ring) ? Vote.Ack : Vote.Nack);
  return decided(tieBreak(client, clients, ring));
}

function tieBreak(client: ArbiterClient, clients: readonly ArbiterClient[], ring: RingId): Vote {
  let tbNodeId: number;
  let tbRing: RingId | null = null;
  if (client.tieBreaker.mode === TieBreakerMode.NodeId) {
    tbNodeId = client.tieBreaker.nodeId;
    // As upstream: the tie-breaker's ring is known only when the client itself is the tie-breaker.
    if (client.nodeId === tbNodeId) tbRing = client.lastRingId;
  } else {
    const lowest = client.tieBreaker.mode === TieBreakerMode.Lowest;
    let chosen: ArbiterClient | null = null;
    for (const c of clients) {
      if (!chosen || (lowest ? c.nodeId < chosen.nodeId : c.nodeId > chosen.nodeId)) chosen = c;
    }
    tbNodeId = chosen ? chosen.nodeId : 0;
    tbRing = chosen ? chosen.lastRingId : null;
  }
  return client.nodeId === tbNodeId || (tbRing !== null && ringIdEqual(tbRing, ring)) ? Vote.Ack : Vote.Nack;
}

export function createLms(ctx: AlgoContext): DecisionAlgorithmImpl {
  const result = (v: Vote): AlgoResult => vote(v);
  return {
    init(client) {
      client.algoLastResult = Vote.Undefined;
    },
    configNodeListReceived: () => vote(Vote.NoChange),
    membershipNodeListReceived: (client, ringId) => result(doLms(ctx, client, ringId)),
    quorumNodeListReceived: (client) => result(doLms(ctx, client, client.lastRingId)),
    askForVoteReceived: (client) => result(doLms(ctx, client, client.lastRingId)),
    voteInfoReplyReceived: () => undefined,
    heuristicsChangeReceived: () => vote(Vote.NoChange),
    timerFired(client) {
      const v = doLms(ctx, client, client.lastRingId);
      if (v === Vote.Ack || v === Vote.Nack) return { reschedule: false, send: v };
      return { reschedule: v === Vote.WaitForReply };
    },
    clientDisconnected: (client) => ctx.abortAlgoTimer(client),
  };
}
