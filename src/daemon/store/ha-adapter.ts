/**
 * The HA layer's view of the cluster store (src/ha/env.ts StoreView) and the carrying out of its
 * lock and write effects. Lock semantics follow env.ts: `acquire` claims only a free lock (an
 * unexpired lock under this node's id may be a previous run's), `renew` only the holder's, and
 * manager status and config edits are applied only while the writer holds the manager lock at
 * that point of the agreed order (a fencing token against a stale master).
 */
import { parseCrmCommand } from '../../ha/command-parse';
import { applyConfigEdit, parseConfigEdit, type ConfigEdit } from '../../ha/config-edit';
import type { HaEffect, StoreView } from '../../ha/env';
import { fields } from '../../ha/shape';
import type { CrmCommand, HaConfig, LockView as HaLockView, LrmStatus, ManagerStatus, QueuedCommand } from '../../ha/types';
import { managerLockName } from '../../ha/types';
import { defineDocument, type DocumentRegistry, type PatchContext } from '../../store/documents';
import type { ClusterStore } from '../../store/store';

function objectValue<T>(what: string): (v: unknown) => T {
  return (v) => {
    if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new Error(`${what} must be an object`);
    return v as T;
  };
}

const configKey = 'config';
const statusKey = 'status';
const queueKey = 'queue';

/**
 * Config patches are ConfigEdits evaluated on the config current at their place in the agreed
 * order: an operator's edit and the manager's update-resource in the same round both apply.
 */
export const haConfigDoc = defineDocument<HaConfig>('ha-config', objectValue<HaConfig>('HA config'),
  (current, patch) => applyConfigEdit(current ?? emptyHaConfig(), parseConfigEdit(patch)));
export const managerStatusDoc = defineDocument<ManagerStatus>('ha-manager-status', objectValue<ManagerStatus>('manager status'));
export const lrmStatusDoc = defineDocument<LrmStatus>('ha-lrm-status', objectValue<LrmStatus>('LRM status'));

/**
 * The queue patch `{enqueue: command}` numbers the command at apply time (one past the highest
 * sequence queued or consumed), so commands queued on two nodes at once never share a number;
 * commands the manager has consumed are dropped on the way, which keeps the queue short.
 */
function enqueue(current: QueuedCommand[] | undefined, patch: unknown, context: PatchContext): QueuedCommand[] {
  const command = parseCrmCommand(fields(patch, 'queue patch').enqueue);
  const consumed = (context.read(managerStatusDoc.name, statusKey) as ManagerStatus | undefined)?.commandSeq ?? 0;
  const pending = (current ?? []).filter((c) => c.seq > consumed);
  return [...pending, { seq: Math.max(consumed, current?.at(-1)?.seq ?? 0) + 1, command }];
}

export const commandQueueDoc = defineDocument<QueuedCommand[]>('ha-commands', (v) => {
  if (!Array.isArray(v) || !v.every((c) => typeof c === 'object' && c !== null && Number.isSafeInteger((c as QueuedCommand).seq))) {
    throw new Error('the command queue must be a list of {seq, command}');
  }
  return v as QueuedCommand[];
}, enqueue);

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
    for (const [name, lock] of Object.entries(this.store.locks())) {
      // A previous run's lock is not this node's (store.ts ownLocks): the HA steps see another holder.
      const holder = lock.previousRun ? `${this.nodeName(lock.holder)} (previous run)` : this.nodeName(lock.holder);
      // The holder's own freshness counts from its own confirmed request, never from a later sync.
      if (this.store.ownsLock(name)) locks[name] = lock.confirmedAgeMs === null ? { holder, ageMs: lock.ageMs, unconfirmed: true } : { holder, ageMs: lock.confirmedAgeMs };
      else locks[name] = { holder, ageMs: lock.ageMs };
    }
    return {
      config: this.store.get(haConfigDoc, configKey) ?? emptyHaConfig(),
      managerStatus: this.store.get(managerStatusDoc, statusKey) ?? null,
      lrmStatus: Object.fromEntries(this.store.entries(lrmStatusDoc)),
      commands: this.store.get(commandQueueDoc, queueKey) ?? [],
      locks,
    };
  }

  /** Takes this node's lock of a previous daemon run for this one (a re-attached watchdog lease; store.ts adoptLock). */
  adopt(lock: string): boolean {
    return this.store.adoptLock(lock);
  }

  /** Queues an operator command; resolves with the sequence number the agreed order gave it. */
  async queueCommand(command: CrmCommand): Promise<number> {
    const { value } = await this.store.patch(commandQueueDoc, queueKey, { enqueue: command });
    return (value.at(-1) as QueuedCommand).seq;
  }

  /** Applies an operator's config edit at its place in the agreed order; resolves with the resulting config. */
  async editConfig(edit: ConfigEdit): Promise<HaConfig> {
    return (await this.store.patch(haConfigDoc, configKey, edit)).value;
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
        if (this.view().config.resources[effect.sid] === undefined) return false;
        // A patch, not the whole config: an operator edit in the same round is kept.
        const edit: ConfigEdit = { op: 'set-resource', sid: effect.sid, changes: effect.changes };
        return this.store.patch(haConfigDoc, configKey, edit, managerLockName).then(() => true);
      }
      default:
        return false;
    }
  }
}
