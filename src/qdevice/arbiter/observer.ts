/**
 * What the arbiter tells whoever counts (the metrics): every message received, every error
 * sent, every vote decided and every TLS handshake. The default hears nothing.
 */
import type { DecisionAlgorithm, ErrorCode, Vote } from '../protocol/constants';

export interface ArbiterObserver {
  messageReceived(type: number): void;
  errorSent(code: ErrorCode): void;
  voteSent(algorithm: DecisionAlgorithm, vote: Vote): void;
  tlsHandshake(ok: boolean): void;
}

export const silentObserver: ArbiterObserver = {
  messageReceived: () => undefined,
  errorSent: () => undefined,
  voteSent: () => undefined,
  tlsHandshake: () => undefined,
};
