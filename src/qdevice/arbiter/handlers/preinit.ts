import { ErrorCode } from '../../protocol/constants';
import { preinitReply } from '../../protocol/builders';
import type { DecodedMessage } from '../../protocol/message';
import { clusterNameKey, type ArbiterClient } from '../client';
import type { HandlerEnv } from './env';

/**
 * PREINIT: remembers the cluster name and announces the TLS mode. May be repeated; a new name
 * makes the client certificate be checked again (it was checked against the old one). Once the
 * client is in a cluster it cannot rename itself: qnetd would let its cluster_name and its
 * cluster part ways.
 */
export function handlePreinit(env: HandlerEnv, client: ArbiterClient, msg: DecodedMessage): void {
  if (!msg.clusterName) {
    env.sendError(client, msg.seq, ErrorCode.DoesntContainRequiredOption);
    return;
  }
  const name = clusterNameKey(msg.clusterName);
  if (name !== client.clusterName) {
    if (client.initReceived) {
      env.log.warn('PREINIT naming another cluster after INIT refused', { client: client.address, cluster: client.clusterName });
      env.sendError(client, msg.seq, ErrorCode.UnexpectedMessage);
      return;
    }
    client.clusterName = name;
    client.tlsPeerCertificateVerified = false;
  }
  client.preinitReceived = true;
  env.send(client, preinitReply(msg.seq, env.settings.tls, env.settings.clientCertRequired));
}

/** STARTTLS: no reply; the TLS handshake follows on the same socket. */
export function handleStartTls(env: HandlerEnv, client: ArbiterClient, msg: DecodedMessage): void {
  if (!client.preinitReceived) {
    env.sendError(client, msg.seq, ErrorCode.PreinitRequired);
    return;
  }
  if (client.tlsStarted) {
    // A second handshake inside the first would leave two TLS layers reading one socket.
    env.log.warn('STARTTLS on a connection that runs TLS already: disconnecting', { client: client.address });
    client.transport.close();
    return;
  }
  if (!env.startTls(client)) {
    env.log.warn('STARTTLS without a server certificate: disconnecting', { client: client.address });
    client.transport.close();
  }
}
