/**
 * The HA layer's view of the cluster store (src/ha/env.ts StoreView) and the carrying out of its
 * lock and write effects. Lock semantics follow env.ts: `acquire` claims only a free lock (an
 * unexpired lock under this node's id may be a previous run's), `renew` only the holder's, and
 * manager status and config edits are applied only while the writer holds the manager lock at
 * that point of the agreed order (a fencing token against a stale master).
 */
import type { HaEffect, StoreView } from '../ha/env';
import type { HaConfig, LockView as HaLockView, LrmStatus, ManagerStatus, QueuedCommand } from '../ha/types';
import { managerLockName } from '../ha/types';
import { defineDocument, type DocumentRegistry } from './documents';
import type { ClusterStore } from './store';

function objectValue<T>(what: string): (v: unknown) => T {
  return (v) => {
    if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new Error(`${what} must be an object`);
    return v as T;
  };
}

export const haConfigDoc = defineDocument<HaConfig>('ha-config', objectValue<HaConfig>('HA config'));
export const managerStatusDoc = defineDocument<ManagerStatus>('ha-manager-status', objectValue<ManagerStatus>('manager status'));
export const lrmStatusDoc = defineDocument<LrmStatus>('ha-lrm-status', objectValue<LrmStatus>('LRM status'));
export const commandQueueDoc = defineDocument<QueuedCommand[]>('ha-commands', (v) => {
  if (!Array.isArray(v) || !v.every((c) => typeof c === 'object' && c !== null && Number.isSafeInteger((c as QueuedCommand).seq))) {
    throw new Error('the command queue must be a list of {seq, command}');
  }
  return v as QueuedCommand[];
});

const configKey = 'config';
const statusKey = 'status';
const queueKey = 'queue';

/** Registers the HA document types in a store's registry. */
export function registerHaDocuments(registry: DocumentRegistry): void {
  for (const type of [haConfigDoc, managerStatusDoc, lrmStatusDoc, commandQueueDoc]) registry.register(type as never);
}

export const emptyHaConfig = (): HaConfig => ({ resources: {}, groups: {}, rules: [], settings: { shutdownPolicy: 'conditional' } });

export class HaStoreAdapter {
  /** `nodeName` maps a corosync node id to the node's name (lock holders are shown by name). */
  constructor(private readonly store: ClusterStore, private readonly nodeName: (nodeId: number) => string) {}

  view(): StoreView {
    const locks: Record<string, HaLockView> = {};
    for (const [name, lock] of Object.entries(this.store.locks())) locks[name] = { holder: this.nodeName(lock.holder), ageMs: lock.ageMs };
    return {
      config: this.store.get(haConfigDoc, configKey) ?? emptyHaConfig(),
      managerStatus: this.store.get(managerStatusDoc, statusKey) ?? null,
      lrmStatus: Object.fromEntries(this.store.entries(lrmStatusDoc)),
      commands: this.store.get(commandQueueDoc, queueKey) ?? [],
      locks,
    };
  }

  /** Queues an operator command with the next sequence number (assigned from this replica). */
  async queueCommand(command: QueuedCommand['command']): Promise<number> {
    const queue = this.store.get(commandQueueDoc, queueKey) ?? [];
    const seq = (queue.at(-1)?.seq ?? this.view().managerStatus?.commandSeq ?? 0) + 1;
    return this.store.append(commandQueueDoc, queueKey, { seq, command });
  }

  /**
   * Carries out one store effect. Outcomes are not returned (env.ts: the next view shows them);
   * a refused write or lock operation resolves to false, other effect kinds are not the store's.
   */
  async apply(effect: HaEffect): Promise<boolean> {
    switch (effect.kind) {
      case 'lock':
        if (effect.op === 'acquire') return this.store.claimLock(effect.lock);
        if (effect.op === 'renew') return this.store.renewLock(effect.lock);
        return this.store.releaseLock(effect.lock);
      case 'write-manager-status':
        return this.store.putGuarded(managerStatusDoc, statusKey, effect.status, managerLockName).then(() => true);
      case 'write-lrm-status':
        return this.store.put(lrmStatusDoc, effect.node, effect.status).then(() => true);
      case 'update-resource': {
        const config = this.view().config;
        const resource = config.resources[effect.sid];
        if (resource === undefined) return false;
        const next: HaConfig = { ...config, resources: { ...config.resources, [effect.sid]: { ...resource, ...effect.changes } } };
        return this.store.putGuarded(haConfigDoc, configKey, next, managerLockName).then(() => true);
      }
      default:
        return false;
    }
  }
}
