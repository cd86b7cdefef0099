import { ErrorCode, TlsSupported } from '../../protocol/constants';
import type { ArbiterClient } from '../client';
import type { HandlerEnv } from './env';

/**
 * Runs before every client request except PREINIT and STARTTLS (qnetd_client_msg_received_check_tls):
 * in `required` mode plaintext requests get SERVER_ERROR(TLS_REQUIRED) and the connection stays
 * open; over TLS a required client certificate is checked once. Returns false when the message
 * must not be processed.
 */
export function passesTlsCheck(env: HandlerEnv, client: ArbiterClient, seq: number | undefined): boolean {
  if (env.settings.tls === TlsSupported.Required && !client.tlsStarted) {
    env.sendError(client, seq, ErrorCode.TlsRequired);
    return false;
  }
  if (client.tlsStarted && env.settings.clientCertRequired && !client.tlsPeerCertificateVerified) {
    return env.verifyPeerCertificate(client);
  }
  return true;
}

/** INIT must have succeeded before any request after it; else SERVER_ERROR(INIT_REQUIRED). */
export function passesInitCheck(env: HandlerEnv, client: ArbiterClient, seq: number | undefined): boolean {
  if (client.initReceived) return true;
  env.sendError(client, seq, ErrorCode.InitRequired);
  return false;
}
