import { Cpg, CorosyncError } from '../native';
import type { CpgRing, CpgTransport, CpgTransportHandlers } from './transport';

/**
 * The CpgTransport on real corosync through the addon's Cpg wrapper. CS_ERR_TRY_AGAIN (flow
 * control) keeps the message queued in order and retries shortly, so mcast never drops one.
 *
 * It also tracks the totem ring CPG delivers in. corosync announces a new ring to CPG clients
 * when its membership sync completes and accepts their messages only after that, so every
 * message delivered after a ring's announcement belongs to that ring (the integrated vote
 * condition relies on this; see vote-condition.ts).
 */
export class NativeCpgTransport implements CpgTransport {
  private readonly cpg: Cpg;
  private readonly queue: Buffer[] = [];
  private retry: NodeJS.Timeout | null = null;
  private ring: CpgRing | null = null;
  private readonly ringListeners = new Set<() => void>();
  readonly localNodeId: number;

  constructor(private readonly group: string, private readonly onError: (err: Error) => void = () => undefined) {
    this.cpg = Cpg.open();
    this.localNodeId = this.cpg.localNodeId();
    // Subscribed before any event can arrive (they come from the event loop): no ring is missed.
    this.cpg.on('totemConfchg', (c) => {
      this.ring = { ringId: c.ringId, members: [...c.members].sort((a, b) => a - b) };
      for (const listener of this.ringListeners) listener();
    });
  }

  /** The ring of the messages delivered from now on; null until corosync announced one. */
  currentRing(): CpgRing | null {
    return this.ring;
  }

  /** Calls `listener` at each new ring, before any message of that ring is delivered. */
  onRingChange(listener: () => void): () => void {
    this.ringListeners.add(listener);
    return () => this.ringListeners.delete(listener);
  }

  join(handlers: CpgTransportHandlers): void {
    this.cpg.on('deliver', (m) => handlers.deliver(m.nodeId, m.data));
    this.cpg.on('confchg', (c) => handlers.confchg({
      members: c.members.map((a) => a.nodeId).sort((a, b) => a - b),
      left: c.left.map((a) => a.nodeId),
      joined: c.joined.map((a) => a.nodeId),
    }));
    this.cpg.on('error', (err) => this.onError(err));
    this.tryJoin();
  }

  /** corosync answers TRY_AGAIN while it synchronises a membership change: join once it is done. */
  private tryJoin(): void {
    if (this.cpg.closed) return;
    try {
      this.cpg.join(this.group);
      this.drain();
    } catch (err) {
      if (!(err instanceof CorosyncError) || err.code !== 'CS_ERR_TRY_AGAIN') throw err;
      // Sends wait too (drain checks `retry`): a message before the join would be refused.
      this.retry = setTimeout(() => {
        this.retry = null;
        this.tryJoin();
      }, 100);
    }
  }

  mcast(data: Buffer): void {
    this.queue.push(data);
    this.drain();
  }

  leave(): void {
    if (this.retry !== null) clearTimeout(this.retry);
    this.queue.length = 0;
    if (!this.cpg.closed) this.cpg.close();
  }

  private drain(): void {
    while (this.queue.length > 0 && this.retry === null && !this.cpg.closed) {
      try {
        this.cpg.send(this.queue[0] as Buffer);
        this.queue.shift();
      } catch (err) {
        if (!(err instanceof CorosyncError) || err.code !== 'CS_ERR_TRY_AGAIN') {
          // The connection is broken: the store hears of it through the error and the confchg that follows.
          this.queue.length = 0;
          this.onError(err instanceof Error ? err : new Error(String(err)));
          return;
        }
        this.retry = setTimeout(() => {
          this.retry = null;
          this.drain();
        }, 1);
      }
    }
  }
}
