/**
 * The local resource manager as a pure step. It holds its node's agent lock while it has HA
 * services to protect, feeds the watchdog only right after a confirmed renewal while quorate,
 * runs each requested action once per uid through the resource driver (a service that stops
 * outside HA after its start is started again under the same uid), and reports results.
 */
import { Effects, type ClusterView, type DriverOp, type DriverResult, type StepResult, type StoreView } from './env';
import { disarmWaits } from './manager';
import { assertMayStart } from './safety';
import type { HaTimings } from './timings';
import {
  agentLockName, type ActionResult, type LrmDaemonState, type LrmMode, type LrmStatus, type NodeCapacity, type ServiceStatus,
  type ShutdownPolicy,
} from './types';

/**
 * Why the LRM stops: the node reboots or powers off (the shutdown policy applies), or only the
 * daemon stops while the node stays up (a restart or a package upgrade): then the services keep
 * running, frozen, and the next daemon on this node picks them up (see handOver).
 */
export type ShutdownKind = 'reboot' | 'poweroff' | 'daemon-stop';

export interface LrmState {
  daemon: LrmDaemonState;
  mode: LrmMode;
  watchdogOpen: boolean;
  results: LrmStatus['results'];
  /** sid → the action running for it (one at a time per service). */
  inFlight: Record<string, { uid: string; op: DriverOp; tries: number }>;
  /** uid → rounds a move has waited for its target's lock. */
  waits: Record<string, number>;
  /** Starts to retry under the restart policy, issued in the next round that may start. */
  retries: Record<string, { uid: string; tries: number }>;
  idleRounds: number;
  /** When this LRM, active and quorate throughout, first saw the manager allow it to disarm. */
  disarmAllowedSince: number | null;
  shutdown: ShutdownKind | null;
  /** Waiting conditions already logged. */
  reported: Record<string, string>;
  /** sid → when (view time) it was found stopped outside HA, within the last crashWindowMs. */
  crashes: Record<string, number[]>;
}

export interface LrmInput {
  view: ClusterView;
  store: StoreView;
  timings: HaTimings;
  /** HA services that may run here: the local drivers report them running, or could not tell (unsure). */
  running: string[];
  /**
   * Of those, the ones whose status the drivers could not tell. They are protected like running
   * ones (lock, watchdog) but no action is decided on them until their status is known.
   */
  unsure?: string[];
  /** Driver actions finished since the last step. */
  driverResults: DriverResult[];
  /** This node's capacity, published in its status for placement by static load. */
  capacity?: NodeCapacity;
  /**
   * False while this node cannot record HA state (its disk refuses). It still renews its lock and
   * feeds for what runs here (the other members record the renewals), and stops what it is asked
   * to stop, but takes no new HA work: no new lock, no start, no move. Absent: true.
   */
  recording?: boolean;
  shutdown: ShutdownKind | null;
}

export function initialLrmState(): LrmState {
  return {
    daemon: 'wait_for_agent_lock', mode: 'active', watchdogOpen: false, results: {}, inFlight: {}, retries: {}, waits: {}, idleRounds: 0, disarmAllowedSince: null,
    shutdown: null, reported: {}, crashes: {},
  };
}

/**
 * The LRM of a daemon that took over its predecessor's watchdog lease (handOver): services may
 * run here and the watchdog is armed, but it is fed again only after a renewal of the agent
 * lock that this LRM sent and saw confirmed, exactly as after a lost renewal. The store shows an
 * adopted lock `unconfirmed` until then (its age in a restarted replica counts from when the
 * replica first saw it, not from the predecessor's renewal).
 */
export function reattachedLrmState(): LrmState {
  return { ...initialLrmState(), daemon: 'lost_agent_lock', watchdogOpen: true };
}

/**
 * A service found stopped outside HA more than its max_restart times within this window is given
 * up on this node (a crash loop): its request fails, and the manager relocates it (max_relocate).
 */
export const crashWindowMs = 600_000;

/** Actions the LRM starts on its own (stopping for a shutdown) carry this uid prefix and report nothing. */
const localUid = 'local:';

/** Nothing to protect: not running, or waiting for the manager to choose a node to start on. */
const inactiveStates = new Set(['stopped', 'freeze', 'error', 'request_start']);

interface Step {
  state: LrmState;
  input: LrmInput;
  fx: Effects;
  mine: [string, ServiceStatus][];
}

function setDaemon(step: Step, next: LrmDaemonState, why: string): void {
  if (step.state.daemon === next) return;
  step.fx.info(`status change ${step.state.daemon} => ${next} (${why})`);
  step.state.daemon = next;
}

function report(step: Step, key: string, msg: string): void {
  if (step.state.reported[key] === msg) return;
  step.state.reported[key] = msg;
  step.fx.info(msg);
}

function maxRestart(step: Step, sid: string): number {
  return step.input.store.config.resources[sid]?.maxRestart ?? 0;
}

function lockHeld(input: LrmInput, freshWithinMs: number, node = input.view.node): boolean {
  const lock = input.store.locks[agentLockName(node)];
  return lock?.holder === node && lock.ageMs <= freshWithinMs;
}

/** Held and renewed within the feed window, by a renewal the holder saw confirmed (LockView.unconfirmed). */
function lockFresh(input: LrmInput, node = input.view.node): boolean {
  return lockHeld(input, input.timings.feedWindowMs, node) && input.store.locks[agentLockName(node)]?.unconfirmed !== true;
}

function issue(step: Step, sid: string, uid: string, op: DriverOp, tries: number, target?: string): void {
  if (op === 'start') {
    assertMayStart({
      node: step.input.view.node, sid, quorate: step.input.view.quorate,
      holdsAgentLock: lockFresh(step.input), watchdogArmed: step.state.watchdogOpen,
    });
  }
  step.state.inFlight[sid] = { uid, op, tries };
  if (tries === 0) step.fx.info(`${op} '${sid}'${target === undefined ? '' : ` to '${target}'`}`);
  step.fx.push(target === undefined ? { kind: 'driver', op, sid, uid } : { kind: 'driver', op, sid, uid, target });
}

function record(step: Step, sid: string, uid: string, result: ActionResult): void {
  if (!uid.startsWith(localUid)) step.state.results[uid] = { sid, result };
}

function handleResults(step: Step): void {
  for (const res of step.input.driverResults) {
    const pending = step.state.inFlight[res.sid];
    if (pending === undefined || pending.uid !== res.uid) continue;
    delete step.state.inFlight[res.sid];
    if (res.ok) {
      step.fx.info(`${res.op} of '${res.sid}' succeeded`);
      record(step, res.sid, res.uid, 'success');
    } else if (res.op === 'start' && pending.tries < maxRestart(step, res.sid)) {
      // Retried by doWork, which runs only after this round's lock, quorum and watchdog checks.
      step.fx.warn(`start of '${res.sid}' failed, restart policy: retry number ${pending.tries + 1}`);
      step.state.retries[res.sid] = { uid: res.uid, tries: pending.tries + 1 };
    } else {
      step.fx.err(`${res.op} of '${res.sid}' failed`);
      record(step, res.sid, res.uid, 'error');
    }
  }
}

/** The node itself goes down: the shutdown policy applies and local services stop. */
function systemShutdown(state: LrmState): boolean {
  return state.shutdown !== null && state.shutdown !== 'daemon-stop';
}

function modeFor(step: Step): LrmMode {
  const { state, input } = step;
  const ms = input.store.managerStatus;
  // The manager freezes the services of an LRM in mode restart; a daemon stop leaves them running.
  if (state.shutdown === 'daemon-stop') return 'restart';
  if (state.shutdown !== null) {
    // While disarmed nothing moves: a shutdown can only stop what runs here and leave it frozen.
    if (ms?.disarm != null) return 'restart';
    const policy: ShutdownPolicy = input.store.config.settings.shutdownPolicy;
    if (policy === 'migrate') return 'maintenance';
    if (policy === 'freeze' || (policy === 'conditional' && state.shutdown === 'reboot')) return 'restart';
    return 'shutdown';
  }
  if (ms?.disarm != null && !disarmWaits(ms)) return 'disarm';
  if (ms?.nodeRequest[input.view.node]?.maintenance === true) return 'maintenance';
  return 'active';
}

/** Stopping needs no lock: on the way down everything local stops. */
function stopAllLocal(step: Step): void {
  for (const sid of [...step.input.running].sort()) {
    if (step.state.inFlight[sid] === undefined) issue(step, sid, `${localUid}stop`, 'stop', 0);
  }
}

function doWork(step: Step): void {
  const { state, input } = step;
  const running = new Set(input.running);
  if (systemShutdown(state) && (state.mode === 'shutdown' || state.mode === 'restart')) {
    stopAllLocal(step);
    return;
  }
  for (const [sid, s] of step.mine) {
    const retry = state.retries[sid];
    delete state.retries[sid];
    const newWork = s.state === 'started' || s.state === 'migrate' || s.state === 'relocate';
    if (input.recording === false && newWork && s.node === input.view.node && !(s.state === 'started' && running.has(sid))) {
      if (retry !== undefined) state.retries[sid] = retry;
      report(step, sid, `'${sid}' waits: this node cannot record HA state, it takes no new HA work`);
      continue;
    }
    if (retry !== undefined && retry.uid === s.uid && s.state === 'started' && s.node === input.view.node) {
      issue(step, sid, s.uid, 'start', retry.tries);
      continue;
    }
    if (s.state === 'started' && s.node === input.view.node && state.results[s.uid]?.result === 'success'
      && !running.has(sid) && state.inFlight[sid] === undefined && input.unsure?.includes(sid) !== true) {
      // Started here and no longer running (the monitor saw it stopped): started again, under the
      // same uid, so a start that fails counts as this node's failure and the manager relocates.
      const now = input.view.now;
      const crashes = [...(state.crashes[sid] ?? []).filter((at) => now - at < crashWindowMs), now];
      state.crashes[sid] = crashes;
      if (crashes.length > maxRestart(step, sid)) {
        step.fx.err(`'${sid}' stopped outside HA ${crashes.length} times within ${crashWindowMs / 60_000} min (max_restart ${maxRestart(step, sid)}): not started here again, the manager relocates it`);
        delete state.crashes[sid];
        record(step, sid, s.uid, 'error');
        continue;
      }
      step.fx.warn(`'${sid}' stopped outside HA: starting it again`);
      delete state.results[s.uid];
      issue(step, sid, s.uid, 'start', 0);
      continue;
    }
    if (s.node !== input.view.node || state.inFlight[sid] !== undefined || state.results[s.uid] !== undefined) continue;
    if (input.unsure?.includes(sid) === true) {
      report(step, sid, `'${sid}' waits: its status here is not known yet`);
      continue;
    }
    switch (s.state) {
      case 'started':
        if (running.has(sid)) {
          step.fx.info(`'${sid}' is already running here`);
          record(step, sid, s.uid, 'success');
        } else {
          issue(step, sid, s.uid, 'start', 0);
        }
        break;
      case 'request_stop':
      case 'stopped':
        if (running.has(sid)) issue(step, sid, s.uid, 'stop', 0);
        else record(step, sid, s.uid, 'success');
        break;
      case 'migrate':
      case 'relocate': {
        const target = s.target!;
        if (!running.has(sid)) record(step, sid, s.uid, 'success');
        // The target must be protected before the service arrives: its agent lock freshly renewed.
        else if (lockFresh(input, target)) issue(step, sid, s.uid, s.state, 0, target);
        else waitForTarget(step, sid, s.uid, s.state, target);
        break;
      }
      case 'request_start_balance':
        // Moved while stopped: the target starts it. One that does run here stays (the manager keeps it here).
        if (!running.has(sid)) record(step, sid, s.uid, 'success');
        else {
          step.fx.warn(`'${sid}' already runs here: not moved to '${s.target!}' for its start`);
          record(step, sid, s.uid, 'error');
        }
        break;
      default:
        break; // error, freeze, fence, recovery, request_start: nothing to do here
    }
  }
}

/** A move waits for its target to be protected, but not forever: nothing was sent yet, so giving up is safe. */
function waitForTarget(step: Step, sid: string, uid: string, op: 'migrate' | 'relocate', target: string): void {
  const waited = (step.state.waits[uid] ?? 0) + 1;
  step.state.waits[uid] = waited;
  const limit = Math.ceil(step.input.timings.lockLeaseMs / step.input.timings.roundMs);
  if (waited > limit) {
    step.fx.err(`${op} of '${sid}' given up: the agent on '${target}' did not take its lock within ${limit} rounds`);
    record(step, sid, uid, 'error');
  } else {
    report(step, sid, `${op} of '${sid}' waits for the agent on '${target}' to hold its lock`);
  }
}

/**
 * A daemon stop with services running here: the lease goes to the next daemon instead of being
 * closed, and the agent lock stays held (not released) for it to renew. Safe because nothing
 * changes for the watchdog: the last feed was this round's check-in, after a confirmed renewal;
 * the multiplexer feeds nothing until the successor re-attaches and checks in after a renewal
 * of its own, confirmed in a quorate partition; if none comes within the lease's deadline from
 * that last check-in, feeding stops for good and the node resets W after the last feed. So the
 * node stays self-fenced across the restart on the same terms as during any pause of the
 * daemon, and the lease inequality (timings.ts) holds unchanged. The manager meanwhile keeps the
 * services frozen (LRM mode restart), and never fences or recovers a frozen service.
 */
function handOver(step: Step, why: string): void {
  step.fx.push({ kind: 'watchdog', op: 'handover' });
  step.state.watchdogOpen = false;
  setDaemon(step, 'exited', why);
}

function release(step: Step, why: string, next: LrmDaemonState): void {
  step.fx.push({ kind: 'lock', op: 'release', lock: agentLockName(step.input.view.node) });
  if (step.state.watchdogOpen) step.fx.push({ kind: 'watchdog', op: 'close' });
  step.state.watchdogOpen = false;
  step.state.idleRounds = 0;
  setDaemon(step, next, why);
}

export function lrmStep(previous: LrmState, input: LrmInput): StepResult<LrmState> {
  const fx = new Effects();
  const state = structuredClone(previous);
  if (state.daemon === 'exited') return { state, effects: fx.list };
  const me = input.view.node;
  const ms = input.store.managerStatus;
  const mine = Object.entries(ms?.serviceStatus ?? {})
    .filter(([, s]) => s.node === me || s.target === me)
    .sort(([a], [b]) => a.localeCompare(b));
  const step: Step = { state, input, fx, mine };

  if (input.shutdown !== null && state.shutdown === null) {
    state.shutdown = input.shutdown;
    fx.info(input.shutdown === 'daemon-stop'
      ? 'daemon stop requested: the services here keep running, frozen, for the next daemon'
      : `${input.shutdown} requested, shutdown policy '${input.store.config.settings.shutdownPolicy}'`);
  }
  handleResults(step);
  const mode = modeFor(step);
  if (mode !== state.mode) {
    fx.info(`mode change ${state.mode} => ${mode}`);
    state.mode = mode;
  }
  const protecting = mine.filter(([, s]) => !inactiveStates.has(s.state)).length;
  const busy = Object.keys(state.inFlight).length > 0 || input.running.length > 0;
  const fenceRequested = ms?.nodeStatus[me] === 'fence' || mine.some(([, s]) => s.state === 'fence' && s.node === me);
  const fresh = lockFresh(input);
  const valid = lockHeld(input, input.timings.lockLeaseMs - 1);

  if (state.daemon === 'lost_agent_lock') {
    if (!busy) {
      if (state.watchdogOpen) fx.push({ kind: 'watchdog', op: 'close' });
      state.watchdogOpen = false;
      setDaemon(step, 'wait_for_agent_lock', 'no service runs here any more, watchdog closed');
    } else if (input.view.quorate && !fenceRequested && fresh) {
      setDaemon(step, 'active', 'agent lock renewed again');
    } else if (input.view.quorate && !fenceRequested && valid) {
      fx.push({ kind: 'lock', op: 'renew', lock: agentLockName(me) });
    }
  }
  if (state.daemon === 'wait_for_agent_lock') {
    const wanted = protecting > 0 && state.mode !== 'disarm' && state.shutdown === null && input.recording !== false;
    if (wanted && input.view.quorate && !fenceRequested) {
      // Arm before asking for the lock: whoever sees the lock held may send a service here at once.
      // Feeding while nothing runs here yet is harmless.
      fx.push({ kind: 'watchdog', op: state.watchdogOpen ? 'update' : 'open' });
      state.watchdogOpen = true;
      if (fresh) setDaemon(step, 'active', 'got the agent lock, watchdog armed');
      else fx.push({ kind: 'lock', op: 'acquire', lock: agentLockName(me) });
    } else if (state.watchdogOpen && !busy) {
      fx.push({ kind: 'watchdog', op: 'close' });
      state.watchdogOpen = false;
    } else if (state.shutdown === 'daemon-stop') {
      if (state.watchdogOpen) handOver(step, 'daemon stop: watchdog lease handed over to the next daemon');
      else setDaemon(step, 'exited', 'daemon stop: no watchdog lease to hand over');
    } else if (state.shutdown !== null && busy) {
      stopAllLocal(step);
    } else if (state.shutdown !== null) {
      setDaemon(step, 'exited', 'shutdown complete');
    }
  }
  if (state.daemon === 'active') activeRound(step, protecting, fenceRequested, fresh);
  writeStatus(step);
  // Last: the status with the final results must be written before the node goes down.
  if (hasExited(state)) fx.push({ kind: 'exit' });
  return { state, effects: fx.list };
}

function activeRound(step: Step, protecting: number, fenceRequested: boolean, fresh: boolean): void {
  const { state, input, fx } = step;
  if (!input.view.quorate || fenceRequested || !fresh) {
    state.disarmAllowedSince = null;
    const why = !input.view.quorate ? 'lost quorum' : fenceRequested ? 'the manager is fencing this node' : 'agent lock not renewed';
    fx.err(`${why}: the watchdog is no longer fed, the node resets unless it recovers`);
    setDaemon(step, 'lost_agent_lock', why);
    return;
  }
  fx.push({ kind: 'watchdog', op: 'update' });
  fx.push({ kind: 'lock', op: 'renew', lock: agentLockName(input.view.node) });
  if (state.mode !== 'disarm') doWork(step);
  const stillBusy = Object.keys(state.inFlight).length > 0 || input.running.length > 0;
  if (state.mode === 'disarm') {
    if (mayDropProtection(step)) {
      release(step, 'HA disarmed: agent lock released, watchdog closed, services keep running', 'wait_for_agent_lock');
    }
  } else if (state.shutdown !== null && !stillBusy && (state.mode !== 'maintenance' || protecting === 0)) {
    release(step, 'shutdown: no service runs here any more', 'exited');
  } else if (state.shutdown === 'daemon-stop' && protecting === 0 && Object.keys(state.inFlight).length === 0) {
    handOver(step, 'daemon stop: services frozen, watchdog lease handed over to the next daemon');
  } else if (protecting === 0 && !stillBusy) {
    state.idleRounds += 1;
    if (state.idleRounds > input.timings.lrmIdleRounds) release(step, 'idle: nothing to protect', 'wait_for_agent_lock');
  } else {
    state.idleRounds = 0;
  }
}

/**
 * Dropping lock and watchdog with services running is safe only if the quorate side knows: the
 * manager must have acknowledged this node (ManagerStatus.unprotected), and this node must have
 * stayed quorate for Q_stale since it saw that, so the acknowledgement it saw cannot come from a
 * partition that merely believed it was quorate.
 */
function mayDropProtection(step: Step): boolean {
  const { state, input } = step;
  const allowed = input.store.managerStatus?.unprotected.includes(input.view.node) === true;
  if (!allowed) {
    state.disarmAllowedSince = null;
    return false;
  }
  state.disarmAllowedSince ??= input.view.now;
  return Object.keys(state.inFlight).length === 0 && input.view.now - state.disarmAllowedSince >= input.timings.quorumStaleMs;
}

function hasExited(state: LrmState): boolean {
  return state.daemon === 'exited';
}

function writeStatus(step: Step): void {
  const { state, input } = step;
  for (const [sid, times] of Object.entries(state.crashes)) {
    const recent = times.filter((at) => input.view.now - at < crashWindowMs);
    if (recent.length === 0) delete state.crashes[sid];
    else state.crashes[sid] = recent;
  }
  const current = new Set(Object.values(input.store.managerStatus?.serviceStatus ?? {}).map((s) => s.uid));
  for (const uid of Object.keys(state.results)) if (!current.has(uid)) delete state.results[uid];
  for (const uid of Object.keys(state.waits)) if (!current.has(uid)) delete state.waits[uid];
  const status: LrmStatus = { mode: state.mode, state: state.daemon, results: state.results, ...(input.capacity === undefined ? {} : { capacity: input.capacity }) };
  if (JSON.stringify(status) !== JSON.stringify(input.store.lrmStatus[input.view.node])) {
    step.fx.push({ kind: 'write-lrm-status', node: input.view.node, status: structuredClone(status) });
  }
}
