/**
 * What the operator socket asks of the running daemon: its status, manager commands and HA
 * config edits. Commands and edits go through the replicated store in agreed order (patches
 * evaluated at apply time, see HaStoreAdapter), after checks against what this node knows: the
 * cluster's nodes, the resources in its replica, the drivers' parameter rules.
 */
import { applyConfigEdit, changedResource, nodesNamed, type ConfigEdit } from '../../ha/config-edit';
import type { StoreView } from '../../ha/env';
import { fail, InputError } from '../../ha/shape';
import type { CrmCommand, HaConfig } from '../../ha/types';
import type { HaStoreAdapter } from '../store/ha-adapter';
import { WriteAbortedError } from '../../store/errors';
import type { ClusterStore } from '../../store/store';
import type { RoundTimes } from '../node-daemon';

export type { ConfigEdit, ResourceChanges } from '../../ha/config-edit';
import type { NodeFences } from '../fence-report';
import type { FenceHealthReport } from '../fence-health';

/** What the running daemon knows right now. */
export interface DaemonStatus {
  node: string;
  quorate: boolean;
  members: string[];
  nodes: string[];
  crm: { role: string };
  lrm: { state: string; mode: string };
  watchdog: 'armed' | 'disarmed';
  /** Each node's last watchdog fence, as published after it came back (fence-report.ts). */
  fences?: Record<string, NodeFences>;
  /** Per checking node, its last status check of each fence device it would use (fence-health.ts). */
  fenceDevices?: Record<string, FenceHealthReport>;
  rounds: RoundTimes;
  store: StoreView;
  /** Why this node cannot record HA state (its disk error), or null: meanwhile it refuses writes and takes no new HA work. */
  diskProblem: string | null;
}

/** What the daemon loop reports of itself; the backend adds the store's parts. */
export type DaemonState = Omit<DaemonStatus, 'store' | 'diskProblem'>;

export interface OperatorBackend {
  status(): DaemonStatus;
  /** Queues a manager command in agreed order; returns its sequence number. Throws when not quorate. */
  queueCommand(command: CrmCommand): Promise<number>;
  /** Edits the HA config in agreed order; throws (clear message) when not quorate or the edit is invalid. */
  editConfig(edit: ConfigEdit): Promise<HaConfig>;
}

/** Checks a resource's driver parameters (the driver's `validate`); throws an Error naming the bad one. */
export type ParamsValidator = (sid: string, params: Record<string, string>) => void;

/** The cluster cannot take the change now (not quorate, or it no longer applies): exit code `refused`. */
export class OperatorRefusedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'OperatorRefusedError';
  }
}

export interface OperatorBackendOptions {
  validateParams?: ParamsValidator;
  /**
   * How long a change waits for this node to be quorate with a synchronised, current store
   * before it is refused: the store pauses writes for a moment after every start and
   * membership change, which a script should not have to retry around.
   */
  settleMs?: number;
}

const defaultSettleMs = 10_000;
const settlePollMs = 100;

export function storeOperatorBackend(
  store: ClusterStore,
  adapter: HaStoreAdapter,
  daemonState: () => DaemonState,
  options: OperatorBackendOptions = {},
): OperatorBackend {
  const validateParams = options.validateParams ?? (() => undefined);
  const settleMs = options.settleMs ?? defaultSettleMs;
  const ready = (state: DaemonState): boolean => state.quorate && store.current && !store.synchronising;
  /** Resolves with the daemon state once writes can go through, or refuses after settleMs. */
  const writable = async (): Promise<DaemonState> => {
    const deadline = performance.now() + settleMs;
    for (let state = daemonState(); ; state = daemonState()) {
      // Not a wait: a disk comes back when someone frees or repairs it, not within settleMs.
      if (store.diskProblem !== null) {
        throw new OperatorRefusedError(`node ${state.node} cannot record HA state (${store.diskProblem}); the HA config and commands cannot change from here until its disk accepts writes again`);
      }
      if (ready(state)) return state;
      if (performance.now() >= deadline) {
        throw new OperatorRefusedError(`node ${state.node} is not in a quorate partition with a current copy of the HA state `
          + `(members: ${state.members.join(', ') || 'none'}); the HA config and commands cannot change from here now`);
      }
      await new Promise((resolve) => setTimeout(resolve, settlePollMs));
    }
  };
  /** A write cut off by a membership change had no effect: once more, after the store settled. */
  const retried = async <T>(write: () => Promise<T>): Promise<T> => {
    try {
      return await write();
    } catch (err) {
      if (!(err instanceof WriteAbortedError)) throw err;
      await writable();
      return write();
    }
  };
  const knownNode = (node: string, nodes: string[], what: string): void => {
    if (!nodes.includes(node)) fail(`${what}: unknown node '${node}' (cluster nodes: ${nodes.join(', ')})`);
  };
  // Like an edit of a missing resource: the config refuses it (not a malformed argument).
  const knownResource = (sid: string): void => {
    if (adapter.view().config.resources[sid] === undefined) throw new OperatorRefusedError(`no resource ${sid}`);
  };
  const checkParams = (sid: string, params: Record<string, string>): void => {
    try {
      validateParams(sid, params);
    } catch (err) {
      fail(`parameters of ${sid}: ${err instanceof Error ? err.message : String(err)}`);
    }
  };

  return {
    status: () => ({ ...daemonState(), store: adapter.view(), diskProblem: store.diskProblem }),

    async queueCommand(command) {
      const { nodes, members } = await writable();
      switch (command.cmd) {
        case 'migrate':
        case 'relocate':
          knownResource(command.sid);
          knownNode(command.target, nodes, `${command.cmd} target`);
          break;
        case 'stop':
          knownResource(command.sid);
          break;
        case 'enable-node-maintenance':
          knownNode(command.node, nodes, 'maintenance');
          // Queued for a node that is away, it would take effect whenever the node returns: refused now instead.
          if (!members.includes(command.node)) {
            throw new OperatorRefusedError(`${command.node} is not online (members of this quorate partition: ${members.join(', ')}): maintenance can only be enabled for an online node`);
          }
          break;
        case 'disable-node-maintenance':
          knownNode(command.node, nodes, 'maintenance');
          break;
        default:
          break;
      }
      return retried(() => adapter.queueCommand(command));
    },

    async editConfig(edit) {
      const { nodes } = await writable();
      for (const node of nodesNamed(edit)) knownNode(node, nodes, edit.op);
      const config = adapter.view().config;
      try {
        // On this replica first, for a clean message; the agreed order has the last word.
        applyConfigEdit(config, edit);
      } catch (err) {
        if (err instanceof InputError) throw new OperatorRefusedError(err.message);
        throw err;
      }
      if (edit.op === 'add-resource') checkParams(edit.sid, edit.resource.params ?? {});
      if (edit.op === 'set-resource' && edit.changes.params !== undefined) {
        checkParams(edit.sid, changedResource(config.resources[edit.sid]!, edit.changes).params ?? {});
      }
      return retried(() => adapter.editConfig(edit));
    },
  };
}
