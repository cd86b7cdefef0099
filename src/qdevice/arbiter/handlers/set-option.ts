import { ErrorCode } from '../../protocol/constants';
import { setOptionReply } from '../../protocol/builders';
import type { DecodedMessage } from '../../protocol/message';
import type { ArbiterClient } from '../client';
import type { HandlerEnv } from './env';
import { passesInitCheck, passesTlsCheck } from './tls-check';

/** SET_OPTION: heartbeat interval and keep-active-partition; the reply echoes what was sent. */
export function handleSetOption(env: HandlerEnv, client: ArbiterClient, msg: DecodedMessage): void {
  if (!passesTlsCheck(env, client, msg.seq) || !passesInitCheck(env, client, msg.seq)) return;
  if (msg.heartbeatInterval !== undefined) {
    if (msg.heartbeatInterval < env.settings.heartbeatMin || msg.heartbeatInterval > env.settings.heartbeatMax) {
      env.sendError(client, msg.seq, ErrorCode.InvalidHeartbeatInterval);
      return;
    }
    client.heartbeatInterval = msg.heartbeatInterval;
    env.retimeDpd(client);
  }
  if (msg.keepActivePartition !== undefined) client.keepActivePartition = msg.keepActivePartition === 1;
  env.send(client, setOptionReply(
    msg.seq,
    msg.heartbeatInterval === undefined ? undefined : client.heartbeatInterval,
    msg.keepActivePartition === undefined ? undefined : (client.keepActivePartition ? 1 : 0),
  ));
}
