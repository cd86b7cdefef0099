import { ALL_ALGORITHMS, ALL_MESSAGE_TYPES, ALL_OPTIONS, ErrorCode } from '../../protocol/constants';
import { initReply } from '../../protocol/builders';
import type { DecodedMessage } from '../../protocol/message';
import type { ArbiterClient } from '../client';
import type { HandlerEnv } from './env';
import { passesTlsCheck } from './tls-check';

/**
 * INIT: validates the client's parameters and joins it to its cluster. Errors go inside
 * INIT_REPLY, never as SERVER_ERROR. The checks run in qnetd's order, including its quirk that a
 * later check (heartbeat range, algorithm) may replace an earlier error code.
 */
export function handleInit(env: HandlerEnv, client: ArbiterClient, msg: DecodedMessage): void {
  if (!passesTlsCheck(env, client, msg.seq)) return;
  const s = env.settings;
  let code = client.preinitReceived ? ErrorCode.NoError : ErrorCode.PreinitRequired;
  const ok = (): boolean => code === ErrorCode.NoError;

  if (ok() && msg.nodeId === undefined) code = ErrorCode.DoesntContainRequiredOption;
  else client.nodeId = msg.nodeId ?? 0;
  if (ok() && msg.ringId === undefined) code = ErrorCode.DoesntContainRequiredOption;
  else client.lastRingId = msg.ringId ?? { nodeId: 0, seq: 0n };
  if (ok() && msg.heartbeatInterval === undefined) {
    code = ErrorCode.DoesntContainRequiredOption;
  } else {
    const hb = msg.heartbeatInterval ?? 0;
    if (hb < s.heartbeatMin || hb > s.heartbeatMax) code = ErrorCode.InvalidHeartbeatInterval;
    else client.heartbeatInterval = hb;
  }
  if (ok() && msg.tieBreaker === undefined) code = ErrorCode.DoesntContainRequiredOption;
  else client.tieBreaker = msg.tieBreaker ?? { mode: 0, nodeId: 0 };
  if (ok() && msg.algorithm === undefined) {
    code = ErrorCode.DoesntContainRequiredOption;
  } else {
    const algorithm = msg.algorithm ?? 0;
    if (!ALL_ALGORITHMS.includes(algorithm)) code = ErrorCode.UnsupportedDecisionAlgorithm;
    client.algorithm = algorithm;
  }
  if (ok()) code = checkAgainstCluster(env, client);
  if (ok()) {
    env.registry.join(client, client.clusterName!);
    client.keepActivePartition = s.keepActivePartitionDefault;
    env.algorithmOf(client).init(client);
    client.initReceived = true;
    env.retimeDpd(client);
  }
  env.send(client, initReply({
    errorCode: code,
    supportedMessages: msg.supportedMessages ? ALL_MESSAGE_TYPES : undefined,
    supportedOptions: msg.supportedOptions ? ALL_OPTIONS : undefined,
    seq: msg.seq,
    maxRequestSize: s.maxReceiveSize,
    maxReplySize: s.maxSendSize,
    algorithms: ALL_ALGORITHMS,
  }));
}

/** Same tie-breaker and algorithm as the cluster's clients, and a node id of its own. */
function checkAgainstCluster(env: HandlerEnv, client: ArbiterClient): ErrorCode {
  const cluster = env.registry.get(client.clusterName!);
  if (!cluster) return ErrorCode.NoError;
  for (const other of cluster.clients) {
    const tb = client.tieBreaker;
    const otb = other.tieBreaker;
    if (tb.mode !== otb.mode || (tb.mode === 3 && tb.nodeId !== otb.nodeId)) return ErrorCode.TieBreakerDiffersFromOtherNodes;
    if (client.algorithm !== other.algorithm) return ErrorCode.AlgorithmDiffersFromOtherNodes;
    if (client.nodeId === other.nodeId) return ErrorCode.DuplicateNodeId;
  }
  return ErrorCode.NoError;
}
