import { MsgType, Opt } from './constants';
import { NodeInfo, RingId, TieBreaker, TlvWriter } from './tlv';

/*
 * One builder per message type, writing options in the order upstream's msg_create_* does, so
 * our bytes equal corosync's for the same content (Appendix A of the protocol reference).
 */

const seqOpt = (w: TlvWriter, seq: number | undefined): TlvWriter => (seq === undefined ? w : w.u32(Opt.MsgSeqNumber, seq));

// ---- server → client ----

export function preinitReply(seq: number | undefined, tlsSupported: number, clientCertRequired: boolean): Buffer {
  const w = seqOpt(new TlvWriter(), seq).u8(Opt.TlsSupported, tlsSupported).u8(Opt.TlsClientCertRequired, clientCertRequired ? 1 : 0);
  return w.toMessage(MsgType.PreinitReply);
}

export interface InitReplyFields {
  errorCode: number;
  supportedMessages?: readonly number[];
  supportedOptions?: readonly number[];
  seq?: number;
  maxRequestSize: number;
  maxReplySize: number;
  algorithms: readonly number[];
}

export function initReply(f: InitReplyFields): Buffer {
  const w = new TlvWriter().u16(Opt.ReplyErrorCode, f.errorCode);
  if (f.supportedMessages) w.u16Array(Opt.SupportedMessages, f.supportedMessages);
  if (f.supportedOptions) w.u16Array(Opt.SupportedOptions, f.supportedOptions);
  seqOpt(w, f.seq)
    .u32(Opt.ServerMaximumRequestSize, f.maxRequestSize)
    .u32(Opt.ServerMaximumReplySize, f.maxReplySize)
    .u16Array(Opt.SupportedDecisionAlgorithms, f.algorithms);
  return w.toMessage(MsgType.InitReply);
}

export function serverError(seq: number | undefined, code: number): Buffer {
  return seqOpt(new TlvWriter(), seq).u16(Opt.ReplyErrorCode, code).toMessage(MsgType.ServerError);
}

export function setOptionReply(seq: number | undefined, heartbeatInterval?: number, keepActivePartition?: number): Buffer {
  const w = seqOpt(new TlvWriter(), seq);
  if (heartbeatInterval !== undefined) w.u32(Opt.HeartbeatInterval, heartbeatInterval);
  if (keepActivePartition !== undefined) w.u8(Opt.KeepActivePartitionTieBreaker, keepActivePartition);
  return w.toMessage(MsgType.SetOptionReply);
}

/** ECHO_REPLY is the request's bytes with the type changed. */
export function echoReply(request: Buffer): Buffer {
  const out = Buffer.from(request);
  out.writeUInt16BE(MsgType.EchoReply, 0);
  return out;
}

export function nodeListReply(seq: number, listType: number, ringId: RingId, vote: number): Buffer {
  const w = new TlvWriter().u32(Opt.MsgSeqNumber, seq).u8(Opt.NodeListType, listType).ringId(ringId).u8(Opt.Vote, vote);
  return w.toMessage(MsgType.NodeListReply);
}

export function askForVoteReply(seq: number, vote: number, ringId: RingId): Buffer {
  return new TlvWriter().u32(Opt.MsgSeqNumber, seq).u8(Opt.Vote, vote).ringId(ringId).toMessage(MsgType.AskForVoteReply);
}

export function voteInfo(seq: number, vote: number, ringId: RingId): Buffer {
  return new TlvWriter().u32(Opt.MsgSeqNumber, seq).u8(Opt.Vote, vote).ringId(ringId).toMessage(MsgType.VoteInfo);
}

export function heuristicsChangeReply(seq: number, vote: number, ringId: RingId, heuristics: number): Buffer {
  const w = new TlvWriter().u32(Opt.MsgSeqNumber, seq).u8(Opt.Vote, vote).ringId(ringId).u8(Opt.Heuristics, heuristics);
  return w.toMessage(MsgType.HeuristicsChangeReply);
}

// ---- client → server ----

export function preinit(seq: number, clusterName: string | Buffer): Buffer {
  return new TlvWriter().u32(Opt.MsgSeqNumber, seq).raw(Opt.ClusterName, Buffer.from(clusterName)).toMessage(MsgType.Preinit);
}

export function startTls(seq: number): Buffer {
  return new TlvWriter().u32(Opt.MsgSeqNumber, seq).toMessage(MsgType.StartTls);
}

export interface InitFields {
  seq: number;
  supportedMessages: readonly number[];
  supportedOptions: readonly number[];
  nodeId: number;
  algorithm: number;
  heartbeatInterval: number;
  tieBreaker: TieBreaker;
  ringId: RingId;
}

export function init(f: InitFields): Buffer {
  const w = new TlvWriter()
    .u32(Opt.MsgSeqNumber, f.seq)
    .u16Array(Opt.SupportedMessages, f.supportedMessages)
    .u16Array(Opt.SupportedOptions, f.supportedOptions)
    .u32(Opt.NodeId, f.nodeId)
    .u16(Opt.DecisionAlgorithm, f.algorithm)
    .u32(Opt.HeartbeatInterval, f.heartbeatInterval)
    .tieBreaker(f.tieBreaker)
    .ringId(f.ringId);
  return w.toMessage(MsgType.Init);
}

export function setOption(seq: number, opts: { heartbeatInterval?: number; keepActivePartition?: number }): Buffer {
  const w = new TlvWriter().u32(Opt.MsgSeqNumber, seq);
  if (opts.heartbeatInterval !== undefined) w.u32(Opt.HeartbeatInterval, opts.heartbeatInterval);
  if (opts.keepActivePartition !== undefined) w.u8(Opt.KeepActivePartitionTieBreaker, opts.keepActivePartition);
  return w.toMessage(MsgType.SetOption);
}

export function echoRequest(seq: number): Buffer {
  return new TlvWriter().u32(Opt.MsgSeqNumber, seq).toMessage(MsgType.EchoRequest);
}

export interface NodeListFields {
  seq: number;
  listType: number;
  ringId?: RingId;
  configVersion?: bigint;
  quorate?: number;
  nodes: readonly NodeInfo[];
  /** Omitted when undefined or UNDEFINED (0): real qnetd rejects 0. */
  heuristics?: number;
}

export function nodeList(f: NodeListFields): Buffer {
  const w = new TlvWriter().u32(Opt.MsgSeqNumber, f.seq).u8(Opt.NodeListType, f.listType);
  if (f.ringId) w.ringId(f.ringId);
  if (f.configVersion !== undefined) w.u64(Opt.ConfigVersion, f.configVersion);
  if (f.quorate !== undefined) w.u8(Opt.Quorate, f.quorate);
  for (const node of f.nodes) w.nodeInfo(node);
  if (f.heuristics) w.u8(Opt.Heuristics, f.heuristics);
  return w.toMessage(MsgType.NodeList);
}

export function askForVote(seq: number): Buffer {
  return new TlvWriter().u32(Opt.MsgSeqNumber, seq).toMessage(MsgType.AskForVote);
}

export function voteInfoReply(seq: number): Buffer {
  return new TlvWriter().u32(Opt.MsgSeqNumber, seq).toMessage(MsgType.VoteInfoReply);
}

export function heuristicsChange(seq: number, heuristics: number): Buffer {
  return new TlvWriter().u32(Opt.MsgSeqNumber, seq).u8(Opt.Heuristics, heuristics).toMessage(MsgType.HeuristicsChange);
}
