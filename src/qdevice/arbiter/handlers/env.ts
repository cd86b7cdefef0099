import type winston from 'winston';
import { ErrorCode, Vote } from '../../protocol/constants';
import type { DecisionAlgorithmImpl } from '../algorithms/types';
import type { ArbiterClient } from '../client';
import type { ClusterRegistry } from '../cluster';
import type { ArbiterSettings } from '../settings';

/** What the per-message handlers may use; implemented by the arbiter core. */
export interface HandlerEnv {
  readonly settings: ArbiterSettings;
  readonly registry: ClusterRegistry;
  readonly log: winston.Logger;
  algorithmOf(client: ArbiterClient): DecisionAlgorithmImpl;
  /** Sends a message; `vote` records the vote it carries for the status listing. */
  send(client: ArbiterClient, message: Buffer, vote?: Vote): void;
  sendError(client: ArbiterClient, seq: number | undefined, code: ErrorCode): void;
  /** Re-times dead-peer detection after the heartbeat interval changed. */
  retimeDpd(client: ArbiterClient): void;
  /** Switches the connection to TLS (STARTTLS); false when TLS is not available. */
  startTls(client: ArbiterClient): boolean;
  /** Checks the client certificate once TLS is up; false means the connection was closed. */
  verifyPeerCertificate(client: ArbiterClient): boolean;
}
