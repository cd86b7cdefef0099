import { Opt } from './constants';
import { forEachTlv, NodeInfo, RingId, TieBreaker, TlvFramingError } from './tlv';

/** Every option a message may carry, decoded; absent options stay undefined. */
export interface DecodedMessage {
  seq?: number;
  clusterName?: Buffer;
  tlsSupported?: number;
  tlsClientCertRequired?: number;
  supportedMessages?: number[];
  supportedOptions?: number[];
  replyErrorCode?: number;
  serverMaxRequestSize?: number;
  serverMaxReplySize?: number;
  nodeId?: number;
  supportedAlgorithms?: number[];
  algorithm?: number;
  heartbeatInterval?: number;
  ringId?: RingId;
  configVersion?: bigint;
  dataCenterId?: number;
  nodeState?: number;
  nodes: NodeInfo[];
  nodeListType?: number;
  vote?: number;
  quorate?: number;
  tieBreaker?: TieBreaker;
  heuristics?: number;
  keepActivePartition?: number;
}

export type DecodeResult =
  | { ok: true; message: DecodedMessage }
  /** `partial` holds what was decoded before the failure (its seq goes into the error reply). */
  | { ok: false; partial: DecodedMessage; reason: string };

class OptionError extends Error {}

/** Where an option's value lies in the message body. */
interface Value {
  body: Buffer;
  at: number;
  length: number;
}

function fixed(v: Value, size: number, name: string): number {
  if (v.length !== size) throw new OptionError(`${name} must be ${size} bytes, got ${v.length}`);
  return v.at;
}
const u8 = (v: Value, name: string): number => v.body.readUInt8(fixed(v, 1, name));
const u16 = (v: Value, name: string): number => v.body.readUInt16BE(fixed(v, 2, name));
const u32 = (v: Value, name: string): number => v.body.readUInt32BE(fixed(v, 4, name));

function ranged(value: number, min: number, max: number, name: string): number {
  if (value < min || value > max) throw new OptionError(`${name} value ${value} outside ${min}..${max}`);
  return value;
}

function u16Array(v: Value, name: string): number[] {
  if (v.length % 2 !== 0) throw new OptionError(`${name} has an odd length ${v.length}`);
  const out = new Array<number>(v.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = v.body.readUInt16BE(v.at + 2 * i);
  return out;
}

function decodeNodeInfo(value: Value): NodeInfo {
  const node: NodeInfo = { nodeId: 0, dataCenterId: 0, nodeState: 0 };
  forEachTlv(value.body, (type, at, length) => {
    const v = { body: value.body, at, length };
    if (type === Opt.NodeId) node.nodeId = u32(v, 'node_info.node_id');
    else if (type === Opt.DataCenterId) node.dataCenterId = u32(v, 'node_info.data_center_id');
    else if (type === Opt.NodeState) node.nodeState = ranged(u8(v, 'node_info.node_state'), 1, 3, 'node_info.node_state');
  }, value.at, value.at + value.length);
  if (node.nodeId === 0) throw new OptionError('node_info without a node id');
  return node;
}

/** Applies one option to the message; throws OptionError on a bad length or value. */
function applyOption(msg: DecodedMessage, type: number, v: Value): void {
  switch (type) {
    case Opt.MsgSeqNumber: msg.seq = u32(v, 'seq'); break;
    case Opt.ClusterName: msg.clusterName = Buffer.from(v.body.subarray(v.at, v.at + v.length)); break;
    case Opt.TlsSupported: msg.tlsSupported = ranged(u8(v, 'tls_supported'), 0, 2, 'tls_supported'); break;
    case Opt.TlsClientCertRequired: msg.tlsClientCertRequired = u8(v, 'tls_client_cert_required'); break;
    case Opt.SupportedMessages: msg.supportedMessages = u16Array(v, 'supported_messages'); break;
    case Opt.SupportedOptions: msg.supportedOptions = u16Array(v, 'supported_options'); break;
    case Opt.ReplyErrorCode: msg.replyErrorCode = u16(v, 'reply_error_code'); break;
    case Opt.ServerMaximumRequestSize: msg.serverMaxRequestSize = u32(v, 'server_max_request'); break;
    case Opt.ServerMaximumReplySize: msg.serverMaxReplySize = u32(v, 'server_max_reply'); break;
    case Opt.NodeId: msg.nodeId = u32(v, 'node_id'); break;
    case Opt.SupportedDecisionAlgorithms: msg.supportedAlgorithms = u16Array(v, 'supported_decision_algorithms'); break;
    case Opt.DecisionAlgorithm: msg.algorithm = u16(v, 'decision_algorithm'); break;
    case Opt.HeartbeatInterval: msg.heartbeatInterval = u32(v, 'heartbeat_interval'); break;
    case Opt.RingId:
      fixed(v, 12, 'ring_id');
      msg.ringId = { nodeId: v.body.readUInt32BE(v.at), seq: v.body.readBigUInt64BE(v.at + 4) };
      break;
    case Opt.ConfigVersion: msg.configVersion = v.body.readBigUInt64BE(fixed(v, 8, 'config_version')); break;
    case Opt.DataCenterId: msg.dataCenterId = u32(v, 'data_center_id'); break;
    case Opt.NodeState: msg.nodeState = ranged(u8(v, 'node_state'), 1, 3, 'node_state'); break;
    case Opt.NodeInfo: msg.nodes.push(decodeNodeInfo(v)); break;
    case Opt.NodeListType: msg.nodeListType = ranged(u8(v, 'node_list_type'), 0, 3, 'node_list_type'); break;
    case Opt.Vote: msg.vote = ranged(u8(v, 'vote'), 1, 5, 'vote'); break;
    case Opt.Quorate: msg.quorate = ranged(u8(v, 'quorate'), 0, 1, 'quorate'); break;
    case Opt.TieBreaker: {
      const at = fixed(v, 5, 'tie_breaker');
      const mode = ranged(v.body.readUInt8(at), 1, 3, 'tie_breaker.mode');
      msg.tieBreaker = { mode, nodeId: mode === 3 ? v.body.readUInt32BE(at + 1) : 0 };
      break;
    }
    case Opt.Heuristics: msg.heuristics = ranged(u8(v, 'heuristics'), 1, 2, 'heuristics'); break;
    case Opt.KeepActivePartitionTieBreaker:
      msg.keepActivePartition = ranged(u8(v, 'keep_active_partition_tie_breaker'), 0, 1, 'keep_active_partition_tie_breaker');
      break;
    default:
      // Unknown options are ignored (msg_decode has no default case): newer peers may add some.
      break;
  }
}

/**
 * Decodes a message body option by option, as msg_decode does: the first bad option stops
 * decoding, and what was decoded before it (notably seq) is kept for the error reply.
 */
export function decodeMessage(body: Buffer): DecodeResult {
  const msg: DecodedMessage = { nodes: [] };
  try {
    forEachTlv(body, (type, at, length) => applyOption(msg, type, { body, at, length }));
  } catch (err) {
    if (err instanceof OptionError || err instanceof TlvFramingError) return { ok: false, partial: msg, reason: err.message };
    throw err;
  }
  // Exact-size copy: an array grown by push keeps 17 slots, and the arbiter keeps up to three
  // node lists per client for the client's lifetime.
  if (msg.nodes.length > 0) msg.nodes = msg.nodes.slice();
  return { ok: true, message: msg };
}
