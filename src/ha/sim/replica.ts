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
  /** The holder's life (boot count) the lock was granted to: the real store knows only the node id, each run only its own grants. */
  life: number;
  renewedAt: number;
}

/** A node as the store sees a request from it or shows it its copy: by name, in one life. */
export interface Requester {
  name: string;
  life: number;
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
   * from the moment it first sees them, so a stale copy cannot hand out a lock early.
   */
  firstSeenAt(now: number): void {
    for (const lock of this.locks.values()) lock.renewedAt = now;
  }

  /**
   * The copy as `viewer` sees it. Like the real store (store.ts ownLocks), a lock granted to an
   * earlier life of the viewer is shown as another holder's, in this copy and in any copy it
   * merges into, until it expires or this life claims it anew.
   */
  view(now: number, viewer: Requester): StoreView {
    const locks: Record<string, LockView> = {};
    for (const [name, lock] of this.locks) {
      const previousLife = lock.holder === viewer.name && lock.life !== viewer.life;
      locks[name] = { holder: previousLife ? `${lock.holder} (before reboot)` : lock.holder, ageMs: now - lock.renewedAt };
    }
    return {
      config: this.config, managerStatus: this.managerStatus, lrmStatus: this.lrmStatus, commands: this.commands, locks,
    };
  }

  /** Whether `node`, in its current life, holds `lock` unexpired at `now`. */
  holds(lock: string, node: Requester, now: number): boolean {
    const l = this.locks.get(lock);
    return l !== undefined && l.holder === node.name && l.life === node.life && now - l.renewedAt < this.leaseMs;
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
  apply(node: Requester, effect: HaEffect, now: number): boolean {
    const applied = this.applyEffect(node, effect, now);
    if (applied) this.version += 1;
    return applied;
  }

  private applyEffect(node: Requester, effect: HaEffect, now: number): boolean {
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

  private applyLock(node: Requester, op: 'acquire' | 'renew' | 'release', name: string, now: number): boolean {
    const lock = this.locks.get(name);
    const expired = lock === undefined || now - lock.renewedAt >= this.leaseMs;
    if (op === 'acquire') {
      // Even the same node may not re-acquire an unexpired lock: it may be a previous life's.
      if (!expired) return false;
      this.locks.set(name, { holder: node.name, life: node.life, renewedAt: now });
      return true;
    }
    // Renew and release: only by the life it was granted to (the real store's run refuses a previous run's).
    if (lock?.holder !== node.name || lock.life !== node.life) return false;
    if (op === 'renew') {
      if (expired) return false;
      lock.renewedAt = now;
      return true;
    }
    this.locks.delete(name);
    return true;
  }
}
