import { ALL_ALGORITHMS, ALL_MESSAGE_TYPES, ALL_OPTIONS, DecisionAlgorithm, ErrorCode } from '../../protocol/constants';
import { initReply } from '../../protocol/builders';
import type { DecodedMessage } from '../../protocol/message';
import type { RingId, TieBreaker } from '../../protocol/tlv';
import type { ArbiterClient } from '../client';
import type { HandlerEnv } from './env';
import { passesTlsCheck } from './tls-check';

/** What an INIT asks for; applied to the client only once every check passed. */
interface InitRequest {
  nodeId: number;
  ringId: RingId;
  heartbeatInterval: number;
  tieBreaker: TieBreaker;
  algorithm: DecisionAlgorithm;
}

/**
 * INIT: validates the client's parameters and joins it to its cluster. Errors go inside
 * INIT_REPLY, never as SERVER_ERROR. The checks run in qnetd's order, including its quirk that a
 * later check (heartbeat range, algorithm) may replace an earlier error code. Unlike qnetd, a
 * refused INIT changes nothing on the client: qnetd stores each field as it goes, so a refused
 * INIT could leave an unknown algorithm on a client already in a cluster.
 */
export function handleInit(env: HandlerEnv, client: ArbiterClient, msg: DecodedMessage): void {
  if (!passesTlsCheck(env, client, msg.seq)) return;
  const checked = checkInit(env, client, msg);
  if (checked.code === ErrorCode.NoError) {
    const req = checked.request!;
    client.nodeId = req.nodeId;
    client.lastRingId = req.ringId;
    client.heartbeatInterval = req.heartbeatInterval;
    client.tieBreaker = req.tieBreaker;
    client.algorithm = req.algorithm;
    env.registry.join(client, client.clusterName!);
    client.keepActivePartition = env.settings.keepActivePartitionDefault;
    env.algorithmOf(client).init(client);
    client.initReceived = true;
    env.retimeDpd(client);
  }
  env.send(client, initReply({
    errorCode: checked.code,
    supportedMessages: msg.supportedMessages ? ALL_MESSAGE_TYPES : undefined,
    supportedOptions: msg.supportedOptions ? ALL_OPTIONS : undefined,
    seq: msg.seq,
    maxRequestSize: env.settings.maxReceiveSize,
    maxReplySize: env.settings.maxSendSize,
    algorithms: ALL_ALGORITHMS,
  }));
}

/** The INIT's error code in qnetd's precedence, and the request when there is none. */
function checkInit(env: HandlerEnv, client: ArbiterClient, msg: DecodedMessage): { code: ErrorCode; request?: InitRequest } {
  const s = env.settings;
  let code = client.preinitReceived ? ErrorCode.NoError : ErrorCode.PreinitRequired;
  const ok = (): boolean => code === ErrorCode.NoError;
  if (ok() && (msg.nodeId === undefined || msg.ringId === undefined)) code = ErrorCode.DoesntContainRequiredOption;
  if (ok() && msg.heartbeatInterval === undefined) {
    code = ErrorCode.DoesntContainRequiredOption;
  } else {
    const hb = msg.heartbeatInterval ?? 0;
    if (hb < s.heartbeatMin || hb > s.heartbeatMax) code = ErrorCode.InvalidHeartbeatInterval;
  }
  if (ok() && msg.tieBreaker === undefined) code = ErrorCode.DoesntContainRequiredOption;
  if (ok() && msg.algorithm === undefined) code = ErrorCode.DoesntContainRequiredOption;
  else if (!ALL_ALGORITHMS.includes(msg.algorithm ?? 0)) code = ErrorCode.UnsupportedDecisionAlgorithm;
  if (!ok()) return { code };
  const request: InitRequest = {
    nodeId: msg.nodeId!, ringId: msg.ringId!, heartbeatInterval: msg.heartbeatInterval!, tieBreaker: msg.tieBreaker!, algorithm: msg.algorithm!,
  };
  // A connection holds one node of one cluster: qnetd answers a repeated INIT with its own node
  // id as the duplicate (it compares the client with itself), and so do we.
  if (client.initReceived) return { code: ErrorCode.DuplicateNodeId };
  return { code: checkAgainstCluster(env, client.clusterName!, request), request };
}

/** Same tie-breaker and algorithm as the cluster's clients, and a node id of its own. */
function checkAgainstCluster(env: HandlerEnv, clusterName: string, req: InitRequest): ErrorCode {
  const cluster = env.registry.get(clusterName);
  if (!cluster) return ErrorCode.NoError;
  for (const other of cluster.clients) {
    const tb = req.tieBreaker;
    const otb = other.tieBreaker;
    if (tb.mode !== otb.mode || (tb.mode === 3 && tb.nodeId !== otb.nodeId)) return ErrorCode.TieBreakerDiffersFromOtherNodes;
    if (req.algorithm !== other.algorithm) return ErrorCode.AlgorithmDiffersFromOtherNodes;
    if (req.nodeId === other.nodeId) return ErrorCode.DuplicateNodeId;
  }
  return ErrorCode.NoError;
}
