import { Vote } from '../../protocol/constants';
import { DecisionAlgorithmImpl, vote } from './types';

/**
 * The `test` algorithm (id 0): ACK for every membership, nothing else decides anything. Meant
 * for protocol testing only; corosync-qdevice refuses it unless explicitly enabled.
 */
export const testAlgorithm: DecisionAlgorithmImpl = {
  init: () => undefined,
  configNodeListReceived: () => vote(Vote.NoChange),
  membershipNodeListReceived: () => vote(Vote.Ack),
  quorumNodeListReceived: () => vote(Vote.NoChange),
  askForVoteReceived: () => vote(Vote.Ack),
  voteInfoReplyReceived: () => undefined,
  heuristicsChangeReceived: () => vote(Vote.NoChange),
  timerFired: () => ({ reschedule: false }),
  clientDisconnected: () => undefined,
};
