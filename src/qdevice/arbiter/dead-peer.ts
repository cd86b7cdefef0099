import { monotonicClock, type Clock } from '../../util/clock';
import type { ArbiterClient } from './client';

/** How often the sweep looks: detection comes at most this late after dpdCoefficient × heartbeat. */
export const DEAD_PEER_SWEEP_MS = 100;

/**
 * Dead-peer detection for every client with one timer instead of one per client (10,000 clients
 * would otherwise mean 10,000 timers re-armed on every message): each message stamps the client,
 * and a sweep every DEAD_PEER_SWEEP_MS drops the clients silent for longer than their limit. It
 * runs only while clients are connected. The same sweep drops a client that has not completed
 * INIT within `initLimitMs` of connecting (0: never): one that never finishes TLS or INIT would
 * otherwise hold its slot (maxClients) as long as it sends anything every 180 s.
 */
export class DeadPeerSweep {
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly clients: ReadonlySet<ArbiterClient>,
    private readonly onDead: (client: ArbiterClient, reason: string) => void,
    private readonly clock: Clock = monotonicClock,
    private readonly initLimitMs = 0,
  ) {}

  /** A new connection: its time to complete INIT starts now. */
  connected(client: ArbiterClient): void {
    client.connectedAt = this.clock.now();
    this.stamp(client);
  }

  /** A message from the client (or a new limit): the silence starts now. */
  stamp(client: ArbiterClient): void {
    client.lastMessageAt = this.clock.now();
    if (this.timer === null && (client.deadPeerLimitMs > 0 || (this.initLimitMs > 0 && !client.initReceived))) {
      this.timer = setInterval(() => this.sweep(), DEAD_PEER_SWEEP_MS);
      this.timer.unref();
    }
  }

  /** Drops every client silent past its limit; stops when no client is left to watch. */
  sweep(): void {
    if (this.clients.size === 0) return this.stop();
    const now = this.clock.now();
    for (const client of this.clients) {
      if (client.disconnected) continue;
      if (client.deadPeerLimitMs > 0 && now - client.lastMessageAt > client.deadPeerLimitMs) {
        this.onDead(client, `client didn't send any message during ${client.deadPeerLimitMs}ms, disconnecting`);
      } else if (this.initLimitMs > 0 && !client.initReceived && now - client.connectedAt > this.initLimitMs) {
        this.onDead(client, `client did not complete INIT within ${this.initLimitMs}ms of connecting, disconnecting`);
      }
    }
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }
}
