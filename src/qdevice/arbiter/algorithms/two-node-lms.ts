import { compareHeuristics, ErrorCode, Heuristics, TieBreakerMode, Vote } from '../../protocol/constants';
import { ringIdEqual } from '../../protocol/tlv';
import { DecisionAlgorithmImpl, failure, vote } from './types';

/**
 * 2nodelms (id 2): last man standing for exactly two nodes. A node that sees both members gets
 * ACK; after a split the better heuristics win, then the tie-breaker. Nothing is pushed: the
 * survivor of a disconnect gets its ACK with its next membership list.
 */
export const twoNodeLms: DecisionAlgorithmImpl = {
  init(client) {
    client.algoLastResult = Vote.Undefined;
  },

  configNodeListReceived: (_client, nodes) => (nodes.length !== 2 ? failure(ErrorCode.UnsupportedDecisionAlgorithm) : vote(Vote.NoChange)),

  membershipNodeListReceived(client, ringId, nodes, heuristics) {
    const clients = client.cluster!.clients;
    if (client.algoLastResult === Vote.Undefined
      && clients.some((o) => o !== client && !ringIdEqual(o.lastRingId, ringId) && o.algoLastResult === Vote.Ack)) {
      return vote(Vote.Nack);
    }
    const decided = (v: Vote) => {
      client.algoLastResult = v;
      return vote(v);
    };
    if (nodes.length === 2 || clients.length === 1) return decided(Vote.Ack);
    const other = clients.find((c) => c !== client);
    const cmp = compareHeuristics(heuristics, other ? other.lastHeuristics : Heuristics.Undefined);
    if (cmp > 0) return decided(Vote.Ack);
    if (cmp < 0) return decided(Vote.Nack);
    const ids = clients.map((c) => c.nodeId);
    switch (client.tieBreaker.mode) {
      case TieBreakerMode.Lowest: return decided(client.nodeId === Math.min(...ids) ? Vote.Ack : Vote.Nack);
      case TieBreakerMode.Highest: return decided(client.nodeId === Math.max(...ids) ? Vote.Ack : Vote.Nack);
      default: return decided(client.nodeId === client.tieBreaker.nodeId ? Vote.Ack : Vote.Nack);
    }
  },

  quorumNodeListReceived: () => vote(Vote.NoChange),
  askForVoteReceived: (client) => vote(client.algoLastResult === Vote.Undefined ? Vote.AskLater : client.algoLastResult),
  voteInfoReplyReceived: () => undefined,
  heuristicsChangeReceived: () => vote(Vote.NoChange),
  timerFired: () => ({ reschedule: false }),
  clientDisconnected: () => undefined,
};
