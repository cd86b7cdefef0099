import { ErrorCode } from '../../protocol/constants';
import { preinitReply } from '../../protocol/builders';
import type { DecodedMessage } from '../../protocol/message';
import { clusterNameKey, type ArbiterClient } from '../client';
import type { HandlerEnv } from './env';

/** PREINIT: remembers the cluster name and announces the TLS mode. May be repeated. */
export function handlePreinit(env: HandlerEnv, client: ArbiterClient, msg: DecodedMessage): void {
  if (!msg.clusterName) {
    env.sendError(client, msg.seq, ErrorCode.DoesntContainRequiredOption);
    return;
  }
  client.clusterName = clusterNameKey(msg.clusterName);
  client.preinitReceived = true;
  env.send(client, preinitReply(msg.seq, env.settings.tls, env.settings.clientCertRequired));
}

/** STARTTLS: no reply; the TLS handshake follows on the same socket. */
export function handleStartTls(env: HandlerEnv, client: ArbiterClient, msg: DecodedMessage): void {
  if (!client.preinitReceived) {
    env.sendError(client, msg.seq, ErrorCode.PreinitRequired);
    return;
  }
  if (!env.startTls(client)) {
    env.log.warn('STARTTLS without a server certificate: disconnecting', { client: client.address });
    client.transport.close();
  }
}
