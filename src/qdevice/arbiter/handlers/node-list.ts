import { ErrorCode, Heuristics, NodeListType } from '../../protocol/constants';
import { nodeListReply } from '../../protocol/builders';
import type { DecodedMessage } from '../../protocol/message';
import type { AlgoResult } from '../algorithms/types';
import type { ArbiterClient } from '../client';
import type { HandlerEnv } from './env';
import { passesInitCheck, passesTlsCheck } from './tls-check';

/**
 * NODE_LIST: config, membership or quorum list. The algorithm sees the new list as an argument;
 * the list is stored only when the algorithm accepted it, and the reply carries the client's
 * ring id after that update.
 */
export function handleNodeList(env: HandlerEnv, client: ArbiterClient, msg: DecodedMessage): void {
  if (!passesTlsCheck(env, client, msg.seq) || !passesInitCheck(env, client, msg.seq)) return;
  if (msg.nodeListType === undefined || msg.seq === undefined) {
    env.sendError(client, msg.seq, ErrorCode.DoesntContainRequiredOption);
    return;
  }
  const algo = env.algorithmOf(client);
  const type = msg.nodeListType as NodeListType;
  const heuristics = (msg.heuristics ?? Heuristics.Undefined) as Heuristics;
  let result: AlgoResult;
  if (type === NodeListType.Membership) {
    if (!msg.ringId) {
      env.sendError(client, msg.seq, ErrorCode.DoesntContainRequiredOption);
      return;
    }
    if (refusedForDuplicates(env, client, msg, ErrorCode.InvalidMembershipNodeList)) return;
    result = algo.membershipNodeListReceived(client, msg.ringId, msg.nodes, heuristics);
  } else if (type === NodeListType.Quorum) {
    if (msg.quorate === undefined) {
      env.sendError(client, msg.seq, ErrorCode.DoesntContainRequiredOption);
      return;
    }
    result = algo.quorumNodeListReceived(client, msg.quorate === 1, msg.nodes);
  } else {
    if (refusedForDuplicates(env, client, msg, ErrorCode.InvalidConfigNodeList)) return;
    result = algo.configNodeListReceived(client, msg.nodes, type === NodeListType.InitialConfig);
  }
  if ('error' in result) {
    env.sendError(client, msg.seq, result.error);
    return;
  }
  if (type === NodeListType.Membership) {
    client.membershipNodeList = msg.nodes;
    client.lastRingId = msg.ringId!;
    client.lastMembershipHeuristics = heuristics;
    client.lastHeuristics = heuristics;
  } else if (type === NodeListType.Quorum) {
    client.quorumNodeList = msg.nodes;
  } else {
    client.configNodeList = msg.nodes;
    client.configVersion = msg.configVersion;
  }
  env.send(client, nodeListReply(msg.seq, type, client.lastRingId, result.vote), result.vote);
}

/**
 * A node listed twice is refused (qnetd takes it): ffsplit counts list entries, so a membership
 * naming its node three times would outnumber the other half of a split. Real clients never send one.
 */
function refusedForDuplicates(env: HandlerEnv, client: ArbiterClient, msg: DecodedMessage, code: ErrorCode): boolean {
  const ids = new Set<number>();
  const duplicate = msg.nodes.find((n) => ids.size === ids.add(n.nodeId).size);
  if (duplicate === undefined) return false;
  env.log.warn('node list names a node twice, refused', { client: client.address, cluster: client.clusterName, nodeId: duplicate.nodeId });
  env.sendError(client, msg.seq, code);
  return true;
}
