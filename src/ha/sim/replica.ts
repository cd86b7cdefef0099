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
    copy.managerStatus = structuredClone(this.managerStatus);
    copy.lrmStatus = structuredClone(this.lrmStatus);
    copy.commands = structuredClone(this.commands);
    copy.nextSeq = this.nextSeq;
    copy.locks = new Map([...this.locks].map(([k, v]) => [k, { ...v }]));
    return copy;
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
      case 'set-requested-state': {
        const res = this.config.resources[effect.sid];
        if (res === undefined) return false;
        this.config = { ...this.config, resources: { ...this.config.resources, [effect.sid]: { ...res, state: effect.state } } };
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
      if (!expired && lock.holder !== node) return false;
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
