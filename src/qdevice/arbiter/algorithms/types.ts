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
  /**
   * After an INIT passed every check (handlers/init.ts): the client has its node id, ring id,
   * heartbeat, tie-breaker and algorithm and has joined its cluster; no node list has arrived yet.
   * Sets up the client's per-algorithm state; the INIT_REPLY follows.
   */
  init(client: ArbiterClient): void;
  /**
   * A NODE_LIST of the configured nodes: `initial` for the list sent right after INIT, otherwise a
   * changed corosync.conf. The list has no node twice. An error is sent as SERVER_ERROR and the
   * client keeps its previous config list; on success the list is stored and the vote is the reply's.
   */
  configNodeListReceived(client: ArbiterClient, nodes: NodeInfo[], initial: boolean): AlgoResult;
  /**
   * A NODE_LIST of the ring the client is in now (`ringId`), with its heuristics result. The list has
   * no node twice; the other clients of the cluster still hold their previous lists, so this is
   * where a split is decided (ffsplit) and other clients may be sent votes through the env. The
   * client's lists and ring id are updated only after a success.
   */
  membershipNodeListReceived(client: ArbiterClient, ringId: RingId, nodes: NodeInfo[], heuristics: Heuristics): AlgoResult;
  /** A NODE_LIST of votequorum's quorum view (`quorate` and the voting nodes); informational for most algorithms. */
  quorumNodeListReceived(client: ArbiterClient, quorate: boolean, nodes: NodeInfo[]): AlgoResult;
  /** ASK_FOR_VOTE: the client wants its current vote again (after a lost reply or a timeout on its side). */
  askForVoteReceived(client: ArbiterClient): AlgoResult;
  /** The client acknowledged the VOTE_INFO with `seq`; an algorithm waiting for the ACKs of a change continues here. */
  voteInfoReplyReceived(client: ArbiterClient, seq: number): void;
  /** HEURISTICS_CHANGE outside a membership change: the client's heuristics result changed. */
  heuristicsChangeReceived(client: ArbiterClient, heuristics: Heuristics): AlgoResult;
  /**
   * The client's algorithm timer (started with env.scheduleAlgoTimer) ran out; never called for a
   * disconnected client. `send` is pushed as VOTE_INFO, `reschedule` starts the timer again.
   */
  timerFired(client: ArbiterClient): TimerResult;
  /**
   * The client left (closed, dead-peer timeout, refused, or the arbiter stopping: `serverGoingDown`);
   * called once, only for a client that completed INIT, while it is still in its cluster, with its
   * timer already stopped. The rest of the cluster may get new votes through the env.
   */
  clientDisconnected(client: ArbiterClient, serverGoingDown: boolean): void;
}
