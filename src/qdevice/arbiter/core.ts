import type winston from 'winston';
import { monotonicClock } from '../../util/clock';
import { createAlgorithms } from './algorithms';
import { AlgoContext, DecisionAlgorithmImpl } from './algorithms/types';
import { voteInfo, serverError } from '../protocol/builders';
import { DecisionAlgorithm, ErrorCode, Vote } from '../protocol/constants';
import type { FrameEvent } from '../protocol/framing';
import { RingId } from '../protocol/tlv';
import { ArbiterClient, ClientTransport } from './client';
import { ClusterRegistry } from './cluster';
import { DeadPeerSweep } from './dead-peer';
import { dispatchMessage } from './handlers/dispatch';
import { HandlerEnv } from './handlers/env';
import { silentObserver, type ArbiterObserver } from './observer';
import { ArbiterSettings } from './settings';

/** A caught error for the log: the stack says where the defect is. */
function errorDetail(err: unknown): string {
  return err instanceof Error ? err.stack ?? err.message : String(err);
}

/** TLS operations the socket layer provides; absent when no server certificate is loaded. */
export interface TlsHooks {
  startTls(client: ArbiterClient): boolean;
  /** Verifies the client certificate against the cluster name; closes the connection if not. */
  verifyPeerCertificate(client: ArbiterClient): boolean;
}

/**
 * The arbiter without sockets: client registry, message dispatch, dead-peer detection, the
 * algorithms' timers and the disconnect path. The server feeds it frames per connection.
 */
export class ArbiterCore implements HandlerEnv, AlgoContext {
  readonly registry = new ClusterRegistry();
  readonly clients = new Set<ArbiterClient>();
  private readonly algorithms: Map<DecisionAlgorithm, DecisionAlgorithmImpl>;
  tlsHooks: TlsHooks | null = null;
  observer: ArbiterObserver = silentObserver;
  /** winston pushes every call through its stream even below the level: skip debug lines cheaply. */
  private readonly debugOn: boolean;
  private readonly deadPeers: DeadPeerSweep;

  constructor(readonly settings: ArbiterSettings, readonly log: winston.Logger) {
    this.algorithms = createAlgorithms(this);
    this.debugOn = log.isDebugEnabled();
    this.deadPeers = new DeadPeerSweep(this.clients, (client, reason) => {
      this.log.warn(reason, { client: client.address, cluster: client.clusterName });
      client.transport.close();
    }, monotonicClock, settings.initTimeoutMs);
  }

  connect(address: string, transport: ClientTransport): ArbiterClient {
    const client = new ArbiterClient(address, transport);
    this.clients.add(client);
    client.deadPeerLimitMs = this.dpdLimit(client);
    this.deadPeers.connected(client);
    if (this.debugOn) this.log.debug('client connected', { client: address });
    return client;
  }

  /** One event from the client's framer. Any complete message re-arms dead-peer detection. */
  receive(client: ArbiterClient, event: FrameEvent): void {
    if (client.disconnected) return;
    this.deadPeers.stamp(client);
    if (event.kind === 'skipped') {
      this.log.warn('message skipped', { client: client.address, error: ErrorCode[event.error] });
      this.sendError(client, undefined, event.error);
      return;
    }
    this.observer.messageReceived(event.type);
    this.guarded(client, 'message', () => dispatchMessage(this, client, event));
  }

  /**
   * Runs one client's event. A defect in a handler or an algorithm must cost that client its
   * connection, never the arbiter and every other cluster's vote: the error is logged with the
   * client's address and cluster, and the client is disconnected.
   */
  private guarded(client: ArbiterClient, what: string, run: () => void): void {
    try {
      run();
    } catch (err) {
      this.log.error(`${what} handling failed, disconnecting the client`, {
        client: client.address, cluster: client.clusterName, error: errorDetail(err) });
      client.transport.close();
    }
  }

  /** Removes a client once: its algorithm re-decides for the rest of the cluster (ffsplit). */
  disconnect(client: ArbiterClient, serverGoingDown = false): void {
    if (client.disconnected) return;
    client.disconnected = true;
    this.abortAlgoTimer(client);
    try {
      if (client.initReceived && client.cluster) this.algorithmOf(client).clientDisconnected(client, serverGoingDown);
    } catch (err) {
      // The client leaves anyway: a failed re-decision must not keep it in its cluster.
      this.log.error('disconnect handling failed', { client: client.address, cluster: client.clusterName, error: errorDetail(err) });
    }
    this.registry.leave(client);
    this.clients.delete(client);
    if (this.debugOn) this.log.debug('client disconnected', { client: client.address });
  }

  algorithmOf(client: ArbiterClient): DecisionAlgorithmImpl {
    return this.algorithms.get(client.algorithm)!;
  }

  send(client: ArbiterClient, message: Buffer, vote?: Vote): void {
    if (client.disconnected) return;
    if (vote !== undefined) {
      client.noteVoteSent(vote);
      this.observer.voteSent(client.algorithm, vote);
    }
    client.transport.send(message);
  }

  sendError(client: ArbiterClient, seq: number | undefined, code: ErrorCode): void {
    this.observer.errorSent(code);
    this.send(client, serverError(seq, code));
  }

  sendVoteInfo(client: ArbiterClient, seq: number, vote: Vote, ringId: RingId): void {
    this.send(client, voteInfo(seq, vote, ringId), vote);
  }

  retimeDpd(client: ArbiterClient): void {
    client.deadPeerLimitMs = this.dpdLimit(client);
    this.deadPeers.stamp(client);
  }

  private dpdLimit(client: ArbiterClient): number {
    return this.settings.dpdEnabled ? Math.round(client.heartbeatInterval * this.settings.dpdCoefficient) : 0;
  }

  scheduleAlgoTimer(client: ArbiterClient): void {
    this.abortAlgoTimer(client);
    client.algoTimer = setTimeout(() => this.algoTimerFired(client), Math.floor(client.heartbeatInterval / 4));
    client.algoTimer.unref();
  }

  abortAlgoTimer(client: ArbiterClient): void {
    if (client.algoTimer) clearTimeout(client.algoTimer);
    client.algoTimer = null;
  }

  debug(message: string): void {
    if (this.debugOn) this.log.debug(message);
  }

  startTls(client: ArbiterClient): boolean {
    return this.tlsHooks ? this.tlsHooks.startTls(client) : false;
  }

  verifyPeerCertificate(client: ArbiterClient): boolean {
    if (!this.tlsHooks) return false;
    return this.tlsHooks.verifyPeerCertificate(client);
  }

  /** Drops every client without re-deciding (qnetd's server_going_down). */
  shutdown(): void {
    for (const client of [...this.clients]) {
      this.disconnect(client, true);
      client.transport.close();
    }
    this.deadPeers.stop();
  }

  private algoTimerFired(client: ArbiterClient): void {
    client.algoTimer = null;
    if (client.disconnected) return;
    this.guarded(client, 'algorithm timer', () => this.runAlgoTimer(client));
  }

  private runAlgoTimer(client: ArbiterClient): void {
    const result = this.algorithmOf(client).timerFired(client);
    if (result.send !== undefined) {
      client.voteInfoSeq++;
      this.sendVoteInfo(client, client.voteInfoSeq, result.send, client.lastRingId);
    }
    if (result.reschedule && !client.algoTimer) this.scheduleAlgoTimer(client);
  }
}
