import { SeededRandom } from '../../util/seeded-random';
import type { CpgTransport, CpgTransportHandlers } from '../transport';

/**
 * An in-process, deterministic CPG for the simulator and property tests. Messages wait in their
 * sender's outbox until the seeded scheduler sequences one (`step`); a sequenced message is
 * delivered at once to every member of the sender's current view, so order is total within a
 * partition and FIFO per sender. At a membership change (partition, heal, crash, join, leave)
 * the seeded scheduler either flushes the outboxes of live members in the old views first or
 * leaves them to be delivered in the new views (as corosync may deliver a message sent just
 * before a confchg after it); either way every member of a changed view gets its confchg at
 * the same point of its stream: virtual synchrony. A crashed process's outbox is lost.
 */
export class SimCpgNetwork {
  private readonly random: SeededRandom;
  private readonly endpoints = new Map<number, SimCpgEndpoint>();
  /** nodeId → partition group; nodes in the same group reach each other. */
  private readonly groupOf = new Map<number, number>();
  private readonly viewListeners = new Set<() => void>();
  /** Messages sequenced so far (for budgets and figures). */
  delivered = 0;

  constructor(seed: number, readonly totalNodes: number) {
    this.random = new SeededRandom(seed);
  }

  /** A new process on `nodeId` (after a crash, this is its restart). */
  endpoint(nodeId: number): SimCpgEndpoint {
    const old = this.endpoints.get(nodeId);
    if (old !== undefined && old.alive) throw new Error(`node ${nodeId} already has a live CPG process`);
    const ep = new SimCpgEndpoint(this, nodeId);
    this.endpoints.set(nodeId, ep);
    return ep;
  }

  /** Splits the network: each list is one partition; unlisted nodes are alone. */
  partition(groups: number[][]): void {
    this.groupOf.clear();
    groups.forEach((g, i) => g.forEach((n) => this.groupOf.set(n, i)));
    this.changeViews();
  }

  heal(): void {
    this.groupOf.clear();
    this.changeViews();
  }

  /** Kills the process on `nodeId` like kill -9: unsent messages are lost. */
  crash(nodeId: number): void {
    const ep = this.endpoints.get(nodeId);
    if (ep === undefined || !ep.alive) return;
    ep.outbox.length = 0;
    ep.alive = false;
    this.changeViews();
  }

  /** Live joined node ids that `nodeId` can reach (itself included), ascending. */
  reachable(nodeId: number): number[] {
    const g = this.groupOf.get(nodeId) ?? (this.groupOf.size === 0 ? 0 : -nodeId - 1);
    return [...this.endpoints.values()]
      .filter((e) => e.alive && e.joined && (this.groupOf.get(e.localNodeId) ?? (this.groupOf.size === 0 ? 0 : -e.localNodeId - 1)) === g)
      .map((e) => e.localNodeId)
      .sort((a, b) => a - b);
  }

  /** Called after every view change has been delivered. */
  onViewChange(listener: () => void): () => void {
    this.viewListeners.add(listener);
    return () => this.viewListeners.delete(listener);
  }

  /** Sequences and delivers one message from a random sender; false when no message waits. */
  step(): boolean {
    const senders = [...this.endpoints.values()].filter((e) => e.alive && e.outbox.length > 0);
    if (senders.length === 0) return false;
    this.sequence(this.random.pick(senders));
    return true;
  }

  /** Steps until nothing waits or `maxSteps` messages were delivered; returns the count. */
  run(maxSteps = 1_000_000): number {
    let n = 0;
    while (n < maxSteps && this.step()) n++;
    return n;
  }

  /** For schedules: a seeded integer in [0, n). */
  randomInt(n: number): number {
    return this.random.int(n);
  }

  /** @internal */
  changeViews(): void {
    if (this.random.next() < 0.5) while (this.step()) { /* flush: what was sent in the old views is delivered there */ }
    const changes: Array<() => void> = [];
    for (const ep of this.endpoints.values()) {
      if (!ep.alive || !ep.joined) continue;
      const members = this.reachable(ep.localNodeId);
      const old = ep.view;
      if (old.length === members.length && old.every((m, i) => m === members[i])) continue;
      ep.view = members;
      const change = { members, left: old.filter((m) => !members.includes(m)), joined: members.filter((m) => !old.includes(m)) };
      changes.push(() => ep.handlers?.confchg(change));
    }
    for (const deliver of changes) deliver();
    for (const listener of this.viewListeners) listener();
  }

  private sequence(sender: SimCpgEndpoint): void {
    const data = sender.outbox.shift() as Buffer;
    this.delivered++;
    const view = sender.view;
    for (const nodeId of view) {
      const ep = this.endpoints.get(nodeId);
      if (ep !== undefined && ep.alive && ep.joined) ep.handlers?.deliver(sender.localNodeId, data);
    }
  }
}

export class SimCpgEndpoint implements CpgTransport {
  alive = true;
  joined = false;
  view: number[] = [];
  handlers: CpgTransportHandlers | null = null;
  readonly outbox: Buffer[] = [];

  constructor(private readonly network: SimCpgNetwork, readonly localNodeId: number) {}

  join(handlers: CpgTransportHandlers): void {
    if (this.joined) throw new Error(`node ${this.localNodeId} already joined`);
    this.handlers = handlers;
    this.joined = true;
    this.network.changeViews();
  }

  mcast(data: Buffer): void {
    if (!this.alive) return;
    if (!this.joined) throw new Error(`node ${this.localNodeId} has not joined the group`);
    this.outbox.push(Buffer.from(data));
  }

  leave(): void {
    if (!this.joined) return;
    this.joined = false;
    this.alive = false;
    this.outbox.length = 0;
    this.network.changeViews();
  }
}
