/**
 * The cluster resource manager daemon as a pure step. Every node runs one; the one holding the
 * manager lock is master and runs the manager round. Roles: wait_for_quorum, slave, master,
 * lost_manager_lock, exited.
 */
import { Effects, type ClusterView, type StepResult, type StoreView } from './env';
import { noFenceDevices, type FenceDeviceInput } from './fence-device';
import { emptyManagerStatus, freshMemory, manage, type ManagerMemory } from './manager';
import { trackLastOnline } from './node-status';
import type { HaTimings } from './timings';
import { managerLockName } from './types';

export type CrmRole = 'wait_for_quorum' | 'slave' | 'master' | 'lost_manager_lock' | 'exited';

export interface CrmState {
  role: CrmRole;
  memory: ManagerMemory;
}

export interface CrmInput {
  view: ClusterView;
  store: StoreView;
  timings: HaTimings;
  /** The node is shutting down: a master hands its lock back. */
  shutdown: boolean;
  /** The fencing seam: nodes with fence devices and results since the last round (none if absent). */
  fenceDevices?: FenceDeviceInput;
}

export function initialCrmState(): CrmState {
  return { role: 'wait_for_quorum', memory: freshMemory({}) };
}

function setRole(state: CrmState, role: CrmRole, fx: Effects, why: string): void {
  if (state.role === role) return;
  fx.info(`status change ${state.role} => ${role} (${why})`);
  state.role = role;
}

export function crmStep(previous: CrmState, input: CrmInput): StepResult<CrmState> {
  const fx = new Effects();
  const state: CrmState = { role: previous.role, memory: structuredClone(previous.memory) };
  const { view, store, timings } = input;
  if (state.role === 'exited') return { state, effects: fx.list };
  const lock = store.locks[managerLockName];
  const holds = lock?.holder === view.node && lock.ageMs < timings.lockLeaseMs;

  if (input.shutdown) {
    if (holds) fx.push({ kind: 'lock', op: 'release', lock: managerLockName });
    setRole(state, 'exited', fx, holds ? 'shutdown, manager lock released' : 'shutdown');
    return { state, effects: fx.list };
  }
  if (!view.quorate) {
    // What it saw before is no proof of anything once it lost sight of the quorate partition.
    state.memory = freshMemory({});
    setRole(state, 'wait_for_quorum', fx, 'no quorum');
    return { state, effects: fx.list };
  }
  if (state.role === 'master' && !holds) {
    fx.err('lost the manager lock: not touching the manager status any more');
    setRole(state, 'lost_manager_lock', fx, 'lock renewal failed');
  }
  if (holds) {
    if (state.role !== 'master') {
      setRole(state, 'master', fx, 'got the manager lock');
      // Last-online times carry over from this node's quorate rounds as a slave; they live in memory only.
      state.memory = freshMemory(state.memory.lastOnline);
    }
    fx.push({ kind: 'lock', op: 'renew', lock: managerLockName });
    const before = store.managerStatus ?? emptyManagerStatus(view.node);
    const after = manage(view, store, timings, before, state.memory, fx, input.fenceDevices ?? noFenceDevices);
    if (JSON.stringify(after) !== JSON.stringify(store.managerStatus)) {
      fx.push({ kind: 'write-manager-status', status: after });
    }
    return { state, effects: fx.list };
  }
  trackLastOnline(state.memory.lastOnline, view.nodes, (n) => view.members.includes(n), view.now);
  if (state.role !== 'lost_manager_lock') setRole(state, 'slave', fx, 'quorate, another node or nobody is master');
  else setRole(state, 'slave', fx, 'trying to become master again');
  const free = lock === undefined || lock.ageMs >= timings.lockLeaseMs;
  if (free) fx.push({ kind: 'lock', op: 'acquire', lock: managerLockName });
  return { state, effects: fx.list };
}
