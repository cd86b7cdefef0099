import { ErrorCode, Heuristics } from '../../protocol/constants';
import { askForVoteReply, heuristicsChangeReply } from '../../protocol/builders';
import type { DecodedMessage } from '../../protocol/message';
import type { ArbiterClient } from '../client';
import type { HandlerEnv } from './env';
import { passesInitCheck, passesTlsCheck } from './tls-check';

/** ASK_FOR_VOTE: real clients never send it; ffsplit refuses it (error 14). */
export function handleAskForVote(env: HandlerEnv, client: ArbiterClient, msg: DecodedMessage): void {
  if (!passesTlsCheck(env, client, msg.seq) || !passesInitCheck(env, client, msg.seq)) return;
  if (msg.seq === undefined) {
    env.sendError(client, msg.seq, ErrorCode.DoesntContainRequiredOption);
    return;
  }
  const result = env.algorithmOf(client).askForVoteReceived(client);
  if ('error' in result) {
    env.sendError(client, msg.seq, result.error);
    return;
  }
  env.send(client, askForVoteReply(msg.seq, result.vote, client.lastRingId), result.vote);
}

/** VOTE_INFO_REPLY: the client applied a pushed vote; ffsplit's two-phase push advances. No reply. */
export function handleVoteInfoReply(env: HandlerEnv, client: ArbiterClient, msg: DecodedMessage): void {
  if (!passesTlsCheck(env, client, msg.seq) || !passesInitCheck(env, client, msg.seq)) return;
  if (msg.seq === undefined) {
    env.sendError(client, msg.seq, ErrorCode.DoesntContainRequiredOption);
    return;
  }
  env.algorithmOf(client).voteInfoReplyReceived(client, msg.seq);
}

/** HEURISTICS_CHANGE: a regular heuristics result changed on the node. */
export function handleHeuristicsChange(env: HandlerEnv, client: ArbiterClient, msg: DecodedMessage): void {
  if (!passesTlsCheck(env, client, msg.seq) || !passesInitCheck(env, client, msg.seq)) return;
  if (msg.seq === undefined || msg.heuristics === undefined) {
    env.sendError(client, msg.seq, ErrorCode.DoesntContainRequiredOption);
    return;
  }
  const heuristics = msg.heuristics as Heuristics;
  const result = env.algorithmOf(client).heuristicsChangeReceived(client, heuristics);
  if ('error' in result) {
    env.sendError(client, msg.seq, result.error);
    return;
  }
  client.lastRegularHeuristics = heuristics;
  client.lastHeuristics = heuristics;
  env.send(client, heuristicsChangeReply(msg.seq, result.vote, client.lastRingId, heuristics), result.vote);
}
