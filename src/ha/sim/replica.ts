/**
 * One partition's copy of the replicated store. Inside a partition every node sees the same
 * agreed order, so the simulator shares one replica per partition; a split clones it, a merge
 * keeps the copy of the most recent quorate partition (highest epoch). Locks expire by this
 * replica's own clock, like a lease judged by the nodes that see it.
 */
import type { LockView, HaConfig, LrmStatus, ManagerStatus, QueuedCommand, CrmCommand } from '../types';
import { managerLockName } from '../types';
import type { HaEffect, StoreView } from '../env';

interface Lock {
  holder: string;
  renewedAt: number;
}

export class Replica {
  epoch = 0;
  /** Writes applied; among replicas of one epoch the one with more writes is newer. */
  version = 0;
  /**
   * Carries the latest primary state. A powered-off node's copy is not current; it becomes so by
   * merging with a current copy, or when all cluster nodes are together again. The store grants
   * quorum to HA only on a current copy, so a node that boots alone with an old copy (and the
   * arbiter's vote) cannot act on state that is out of date.
   */
  current = true;
  config: HaConfig;
  managerStatus: ManagerStatus | null = null;
  lrmStatus: Record<string, LrmStatus> = {};
  commands: QueuedCommand[] = [];
  nextSeq = 1;
  locks = new Map<string, Lock>();

  constructor(config: HaConfig, private readonly leaseMs: number) {
    this.config = config;
  }

  clone(): Replica {
    const copy = new Replica(structuredClone(this.config), this.leaseMs);
    copy.epoch = this.epoch;
    copy.version = this.version;
    copy.current = this.current;
    copy.managerStatus = structuredClone(this.managerStatus);
    copy.lrmStatus = structuredClone(this.lrmStatus);
    copy.commands = structuredClone(this.commands);
    copy.nextSeq = this.nextSeq;
    copy.locks = new Map([...this.locks].map(([k, v]) => [k, { ...v }]));
    return copy;
  }

  /**
   * A node that boots knows nothing about how old the locks in its copy are: it counts their age
   * from the moment it first sees them, so a stale copy cannot hand out a lock early, and it does
   * not take its own old locks for its own.
   */
  firstSeenAt(now: number, bootingNode: string): void {
    for (const lock of this.locks.values()) {
      lock.renewedAt = now;
      // What the node held before it went down belongs to its previous life, not to this one.
      if (lock.holder === bootingNode) lock.holder = `${bootingNode} (before reboot)`;
    }
  }

  view(now: number): StoreView {
    const locks: Record<string, LockView> = {};
    for (const [name, lock] of this.locks) locks[name] = { holder: lock.holder, ageMs: now - lock.renewedAt };
    return {
      config: this.config, managerStatus: this.managerStatus, lrmStatus: this.lrmStatus, commands: this.commands, locks,
    };
  }

  /** Whether `node` holds `lock` unexpired at `now`. */
  holds(lock: string, node: string, now: number): boolean {
    const l = this.locks.get(lock);
    return l !== undefined && l.holder === node && now - l.renewedAt < this.leaseMs;
  }

  queueCommand(command: CrmCommand): void {
    this.commands.push({ seq: this.nextSeq++, command });
    this.version += 1;
  }

  /** Operator edit of the resource config. */
  editConfig(change: (config: HaConfig) => HaConfig): void {
    this.config = change(this.config);
    this.version += 1;
  }

  /** Applies a store effect from `node`; returns false when refused. Non-store effects are not its business. */
  apply(node: string, effect: HaEffect, now: number): boolean {
    const applied = this.applyEffect(node, effect, now);
    if (applied) this.version += 1;
    return applied;
  }

  private applyEffect(node: string, effect: HaEffect, now: number): boolean {
    switch (effect.kind) {
      case 'lock': return this.applyLock(node, effect.op, effect.lock, now);
      case 'write-manager-status':
        if (!this.holds(managerLockName, node, now)) return false;
        this.managerStatus = structuredClone(effect.status);
        // Consumed commands leave the queue; the status records how far it got.
        this.commands = this.commands.filter((c) => c.seq > effect.status.commandSeq);
        return true;
      case 'write-lrm-status':
        this.lrmStatus = { ...this.lrmStatus, [effect.node]: structuredClone(effect.status) };
        return true;
      case 'update-resource': {
        const res = this.config.resources[effect.sid];
        if (res === undefined) return false;
        this.config = { ...this.config, resources: { ...this.config.resources, [effect.sid]: { ...res, ...effect.changes } } };
        return true;
      }
      default:
        return true;
    }
  }

  private applyLock(node: string, op: 'acquire' | 'renew' | 'release', name: string, now: number): boolean {
    const lock = this.locks.get(name);
    const expired = lock === undefined || now - lock.renewedAt >= this.leaseMs;
    if (op === 'acquire') {
      // Even the same node may not re-acquire an unexpired lock: it may be a previous life's.
      if (!expired) return false;
      this.locks.set(name, { holder: node, renewedAt: now });
      return true;
    }
    if (op === 'renew') {
      if (expired || lock.holder !== node) return false;
      lock.renewedAt = now;
      return true;
    }
    if (lock?.holder !== node) return false;
    this.locks.delete(name);
    return true;
  }
}
