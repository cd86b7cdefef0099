import { echoReply } from '../../protocol/builders';
import type { DecodedMessage } from '../../protocol/message';
import type { ArbiterClient } from '../client';
import type { HandlerEnv } from './env';
import { passesInitCheck, passesTlsCheck } from './tls-check';

/** ECHO_REQUEST: answered with the request's own bytes, type changed to ECHO_REPLY. */
export function handleEchoRequest(env: HandlerEnv, client: ArbiterClient, msg: DecodedMessage, raw: Buffer): void {
  if (!passesTlsCheck(env, client, msg.seq) || !passesInitCheck(env, client, msg.seq)) return;
  env.send(client, echoReply(raw));
}
