/**
 * Numeric values of the corosync-qdevice ⇄ corosync-qnetd protocol (msg.h / tlv.h). They are
 * wire values: never renumber.
 */
export enum MsgType {
  Preinit = 0,
  PreinitReply = 1,
  StartTls = 2,
  Init = 3,
  InitReply = 4,
  ServerError = 5,
  SetOption = 6,
  SetOptionReply = 7,
  EchoRequest = 8,
  EchoReply = 9,
  NodeList = 10,
  NodeListReply = 11,
  AskForVote = 12,
  AskForVoteReply = 13,
  VoteInfo = 14,
  VoteInfoReply = 15,
  HeuristicsChange = 16,
  HeuristicsChangeReply = 17,
}
export const MAX_MSG_TYPE = MsgType.HeuristicsChangeReply;

export enum Opt {
  MsgSeqNumber = 0,
  ClusterName = 1,
  TlsSupported = 2,
  TlsClientCertRequired = 3,
  SupportedMessages = 4,
  SupportedOptions = 5,
  ReplyErrorCode = 6,
  ServerMaximumRequestSize = 7,
  ServerMaximumReplySize = 8,
  NodeId = 9,
  SupportedDecisionAlgorithms = 10,
  DecisionAlgorithm = 11,
  HeartbeatInterval = 12,
  RingId = 13,
  ConfigVersion = 14,
  DataCenterId = 15,
  NodeState = 16,
  NodeInfo = 17,
  NodeListType = 18,
  Vote = 19,
  Quorate = 20,
  TieBreaker = 21,
  Heuristics = 22,
  KeepActivePartitionTieBreaker = 23,
}
export const MAX_OPT = Opt.KeepActivePartitionTieBreaker;

export enum ErrorCode {
  NoError = 0,
  UnsupportedNeededMessage = 1,
  UnsupportedNeededOption = 2,
  TlsRequired = 3,
  UnsupportedMessage = 4,
  MessageTooLong = 5,
  PreinitRequired = 6,
  DoesntContainRequiredOption = 7,
  UnexpectedMessage = 8,
  ErrorDecodingMsg = 9,
  InternalError = 10,
  InitRequired = 11,
  UnsupportedDecisionAlgorithm = 12,
  InvalidHeartbeatInterval = 13,
  UnsupportedDecisionAlgorithmMessage = 14,
  TieBreakerDiffersFromOtherNodes = 15,
  AlgorithmDiffersFromOtherNodes = 16,
  DuplicateNodeId = 17,
  InvalidConfigNodeList = 18,
  InvalidMembershipNodeList = 19,
}

export enum TlsSupported {
  Unsupported = 0,
  Supported = 1,
  Required = 2,
}

export enum DecisionAlgorithm {
  Test = 0,
  Ffsplit = 1,
  TwoNodeLms = 2,
  Lms = 3,
}

export enum NodeState {
  NotSet = 0,
  Member = 1,
  Dead = 2,
  Leaving = 3,
}

export enum NodeListType {
  InitialConfig = 0,
  ChangedConfig = 1,
  Membership = 2,
  Quorum = 3,
}

export enum Vote {
  Undefined = 0,
  Ack = 1,
  Nack = 2,
  AskLater = 3,
  WaitForReply = 4,
  NoChange = 5,
}

export enum TieBreakerMode {
  Lowest = 1,
  Highest = 2,
  NodeId = 3,
}

/** Ordering used by the algorithms: FAIL < UNDEFINED < PASS (tlv_heuristics_cmp). */
export enum Heuristics {
  Undefined = 0,
  Pass = 1,
  Fail = 2,
}

/** Default size limit of one message, header included, in both directions (qnet-config.h). */
export const DEFAULT_MAX_MESSAGE_SIZE = 32768;
/** What a real client demands: it refuses a server that accepts less than this per request. */
export const CLIENT_MIN_SERVER_REQUEST_SIZE = 32768;
export const CLIENT_MAX_SERVER_REPLY_SIZE = 16 * 1024 * 1024;
export const HEADER_SIZE = 6;
export const DEFAULT_PORT = 5403;

export const ALL_MESSAGE_TYPES: readonly number[] = Array.from({ length: MAX_MSG_TYPE + 1 }, (_, i) => i);
export const ALL_OPTIONS: readonly number[] = Array.from({ length: MAX_OPT + 1 }, (_, i) => i);
export const ALL_ALGORITHMS: readonly number[] = [0, 1, 2, 3];

export function voteName(vote: Vote): string {
  switch (vote) {
    case Vote.Ack: return 'ACK';
    case Vote.Nack: return 'NACK';
    case Vote.AskLater: return 'Ask later';
    case Vote.WaitForReply: return 'Wait for reply';
    case Vote.NoChange: return 'No change';
    default: return 'Undefined';
  }
}

export function algorithmName(algorithm: DecisionAlgorithm): string {
  switch (algorithm) {
    case DecisionAlgorithm.Test: return 'Test';
    case DecisionAlgorithm.Ffsplit: return 'Fifty-Fifty split';
    case DecisionAlgorithm.TwoNodeLms: return '2 Node LMS';
    case DecisionAlgorithm.Lms: return 'LMS';
    default: return 'Unknown';
  }
}

export function heuristicsName(heuristics: Heuristics): string {
  switch (heuristics) {
    case Heuristics.Pass: return 'Pass';
    case Heuristics.Fail: return 'Fail';
    default: return 'Undefined';
  }
}

/** FAIL < UNDEFINED < PASS; returns <0, 0 or >0. */
export function compareHeuristics(a: Heuristics, b: Heuristics): number {
  const rank = (h: Heuristics): number => (h === Heuristics.Fail ? 0 : h === Heuristics.Undefined ? 1 : 2);
  return rank(a) - rank(b);
}
