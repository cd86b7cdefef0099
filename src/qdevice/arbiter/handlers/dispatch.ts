import { ErrorCode, MsgType } from '../../protocol/constants';
import { decodeMessage } from '../../protocol/message';
import type { Frame } from '../../protocol/framing';
import type { ArbiterClient } from '../client';
import type { HandlerEnv } from './env';
import { handleEchoRequest } from './echo';
import { handleInit } from './init';
import { handleNodeList } from './node-list';
import { handlePreinit, handleStartTls } from './preinit';
import { handleSetOption } from './set-option';
import { handleAskForVote, handleHeuristicsChange, handleVoteInfoReply } from './vote-messages';

/** Decodes one message and runs its handler; a client sending a server→client type gets error 8. */
export function dispatchMessage(env: HandlerEnv, client: ArbiterClient, frame: Frame): void {
  const decoded = decodeMessage(frame.body);
  if (!decoded.ok) {
    env.log.debug('cannot decode message', { client: client.address, reason: decoded.reason });
    env.sendError(client, decoded.partial.seq, ErrorCode.ErrorDecodingMsg);
    return;
  }
  const msg = decoded.message;
  switch (frame.type as MsgType) {
    case MsgType.Preinit: return handlePreinit(env, client, msg);
    case MsgType.StartTls: return handleStartTls(env, client, msg);
    case MsgType.Init: return handleInit(env, client, msg);
    case MsgType.SetOption: return handleSetOption(env, client, msg);
    case MsgType.EchoRequest: return handleEchoRequest(env, client, msg, frame.raw);
    case MsgType.NodeList: return handleNodeList(env, client, msg);
    case MsgType.AskForVote: return handleAskForVote(env, client, msg);
    case MsgType.VoteInfoReply: return handleVoteInfoReply(env, client, msg);
    case MsgType.HeuristicsChange: return handleHeuristicsChange(env, client, msg);
    default:
      env.log.warn('client sent a server message type', { client: client.address, type: frame.type });
      env.sendError(client, msg.seq, ErrorCode.UnexpectedMessage);
  }
}
