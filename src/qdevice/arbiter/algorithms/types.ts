import { ErrorCode, Heuristics, Vote } from '../../protocol/constants';
import { NodeInfo, RingId } from '../../protocol/tlv';
import type { ArbiterClient } from '../client';

/** A callback's answer: the vote for the reply, or an error code sent as SERVER_ERROR. */
export type AlgoResult = { vote: Vote } | { error: ErrorCode };

export const vote = (v: Vote): AlgoResult => ({ vote: v });
export const failure = (code: ErrorCode): AlgoResult => ({ error: code });

/** What an algorithm may do besides answering: push votes and drive its per-client timer. */
export interface AlgoContext {
  /** Sends VOTE_INFO with the given seq (the caller owns the counter). */
  sendVoteInfo(client: ArbiterClient, seq: number, vote: Vote, ringId: RingId): void;
  /** (Re)starts the client's algorithm timer at heartbeat/4. */
  scheduleAlgoTimer(client: ArbiterClient): void;
  abortAlgoTimer(client: ArbiterClient): void;
  debug(message: string): void;
}

export interface TimerResult {
  reschedule: boolean;
  /** A vote to push as VOTE_INFO, if any. */
  send?: Vote;
}

/**
 * The decision-algorithm contract (qnetd-algorithm.h). New lists arrive as arguments; the
 * client still holds the previous ones while a callback runs and stores the new ones only when
 * the callback succeeded.
 */
export interface DecisionAlgorithmImpl {
  init(client: ArbiterClient): void;
  configNodeListReceived(client: ArbiterClient, nodes: NodeInfo[], initial: boolean): AlgoResult;
  membershipNodeListReceived(client: ArbiterClient, ringId: RingId, nodes: NodeInfo[], heuristics: Heuristics): AlgoResult;
  quorumNodeListReceived(client: ArbiterClient, quorate: boolean, nodes: NodeInfo[]): AlgoResult;
  askForVoteReceived(client: ArbiterClient): AlgoResult;
  voteInfoReplyReceived(client: ArbiterClient, seq: number): void;
  heuristicsChangeReceived(client: ArbiterClient, heuristics: Heuristics): AlgoResult;
  timerFired(client: ArbiterClient): TimerResult;
  clientDisconnected(client: ArbiterClient, serverGoingDown: boolean): void;
}
