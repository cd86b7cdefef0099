/**
 * The master's round: node states, operator commands, the service state machine, fencing and
 * recovery. Works on a copy of the manager status and records every change as a log line an
 * operator can follow.
 */
import type { ClusterView, Effects, StoreView } from './env';
import { deviceFence, type FenceAttempt, type FenceDeviceInput } from './fence-device';
import { fenceProvenInSight, trackFenceSightings, type FenceSighting } from './fence-in-sight';
import { updateNodeStates, setNodeState } from './node-status';
import { selectNode, type Preference } from './placement';
import type { StaticLoad } from './static-load';
import { compileRules, type CompiledRules } from './rules';
import { assertFenced } from './safety';
import type { HaTimings } from './timings';
import {
  agentLockName, type ActionResult, type CrmCommand, type ManagerStatus, type ResourceConfig, type ServiceState,
  type ServiceStatus,
} from './types';

export interface ManagerMemory {
  lastOnline: Record<string, number>;
  /** Conditions already reported, so a waiting state logs once instead of every round. */
  reported: Record<string, string>;
  /** Nodes in `fence` seen back in sight (fence-in-sight.ts); only the current master's own rounds count. */
  fenceSightings: Record<string, FenceSighting>;
  /** This master's fence device attempts (fence-device.ts); a new master starts its own. */
  fenceAttempts: Record<string, FenceAttempt>;
  /** Rules compiled for this config, recompiled when config or nodes change. */
  compiled?: { key: string; rules: CompiledRules };
}

/** Memory for a node that starts (or starts over) counting: only last-online times may carry over. */
export function freshMemory(lastOnline: Record<string, number>): ManagerMemory {
  return { lastOnline, reported: {}, fenceSightings: {}, fenceAttempts: {} };
}

interface Round {
  view: ClusterView;
  store: StoreView;
  timings: HaTimings;
  status: ManagerStatus;
  memory: ManagerMemory;
  rules: CompiledRules;
  fx: Effects;
  devices: FenceDeviceInput;
  /** Moves asked for by commands this round, applied by the service state machine. */
  moves: Map<string, { cmd: 'migrate' | 'relocate'; target: string }>;
  stops: Set<string>;
}

export function emptyManagerStatus(master: string): ManagerStatus {
  return { master, nodeStatus: {}, serviceStatus: {}, nodeRequest: {}, disarm: null, uidCounter: 0, commandSeq: 0, unprotected: [] };
}

function isOnline(r: Round, node: string): boolean {
  return r.view.quorate && r.view.members.includes(node) && r.view.nodes.includes(node);
}

/** Nodes a service may be placed on now. */
function candidates(r: Round): string[] {
  return r.view.nodes.filter((n) => isOnline(r, n) && r.status.nodeStatus[n] === 'online'
    && !['restart', 'shutdown', 'maintenance'].includes(r.store.lrmStatus[n]?.mode ?? 'active'));
}

function offlineDelayed(r: Round, node: string): boolean {
  return !isOnline(r, node) && r.view.now - (r.memory.lastOnline[node] ?? r.view.now) >= r.timings.fenceDelayMs;
}

function report(r: Round, key: string, msg: string): void {
  if (r.memory.reported[key] === msg) return;
  r.memory.reported[key] = msg;
  r.fx.info(msg);
}

function describe(s: ServiceStatus): string {
  const parts = [`node = ${s.node}`];
  if (s.target !== undefined) parts.push(`target = ${s.target}`);
  return parts.join(', ');
}

function changeState(r: Round, sid: string, next: ServiceState, changes: Partial<ServiceStatus> = {}, why?: string): void {
  const prev = r.status.serviceStatus[sid]!;
  // The one door to recovery: only with the lost node's agent lock in hand.
  if (next === 'recovery') {
    assertFenced(prev.node, r.store.locks[agentLockName(prev.node)]?.holder, r.view.node, r.store.managerStatus?.fenceProofs?.[prev.node] !== undefined);
  }
  r.status.uidCounter += 1;
  const keep: Partial<ServiceStatus> = { failedNodes: prev.failedNodes, maintenanceNode: prev.maintenanceNode };
  const updated: ServiceStatus = { ...keep, node: prev.node, ...changes, state: next, uid: `${r.status.master}.${r.status.uidCounter}` };
  for (const key of Object.keys(updated) as (keyof ServiceStatus)[]) if (updated[key] === undefined) delete updated[key];
  r.status.serviceStatus[sid] = updated;
  if (updated.node !== prev.node) r.fx.push({ kind: 'update-resource', sid, changes: { node: updated.node } });
  delete r.memory.reported[sid];
  r.fx.info(`service '${sid}': state changed from '${prev.state}' to '${next}' (${describe(updated)})${why === undefined ? '' : `: ${why}`}`);
}

function result(r: Round, s: ServiceStatus): ActionResult | undefined {
  return r.store.lrmStatus[s.node]?.results[s.uid]?.result;
}

/** Only VMs live-migrate; containers and lab services (an address and a process) move by stop and start. */
function kindOf(sid: string): 'vm' | 'ct' {
  return sid.startsWith('ct:') || sid.startsWith('lab:') ? 'ct' : 'vm';
}

function place(r: Round, sid: string, s: ServiceStatus, preference: Preference): string | null {
  return selectNode({
    sid, current: s.node, preference, candidates: candidates(r), rules: r.rules, services: r.status.serviceStatus,
    failedNodes: s.failedNodes, maintenanceNode: s.maintenanceNode, load: staticLoad(r),
  });
}

/** The resources' configured needs and the capacities the nodes' LRMs publish (static-load.ts). */
function staticLoad(r: Round): StaticLoad {
  const needs = Object.fromEntries(Object.entries(r.store.config.resources).flatMap(([sid, c]) => (c.needs === undefined ? [] : [[sid, c.needs]])));
  const capacities = Object.fromEntries(Object.entries(r.store.lrmStatus).flatMap(([node, l]) => (l.capacity === undefined ? [] : [[node, l.capacity]])));
  return { needs, capacities };
}

function processCommands(r: Round): void {
  for (const { seq, command } of r.store.commands) {
    if (seq <= r.status.commandSeq) continue;
    r.status.commandSeq = seq;
    r.fx.info(`crm command: ${renderCommand(command)}`);
    const refusal = applyCommand(r, command);
    if (refusal !== null) r.fx.warn(`crm command '${renderCommand(command)}' refused: ${refusal}`);
  }
}

export function renderCommand(c: CrmCommand): string {
  switch (c.cmd) {
    case 'migrate':
    case 'relocate': return `${c.cmd} ${c.sid} ${c.target}`;
    case 'stop': return `stop ${c.sid}`;
    case 'enable-node-maintenance':
    case 'disable-node-maintenance': return `${c.cmd} ${c.node}`;
    case 'disarm-ha': return `disarm-ha ${c.mode}`;
    case 'arm-ha': return 'arm-ha';
  }
}

/** Services kept apart from `sid` that are (or are about to be) on `target`. */
function apartBlockers(r: Round, sid: string, target: string): string[] {
  return [...(r.rules.apart.get(sid) ?? [])].filter((p) => {
    const ps = r.status.serviceStatus[p];
    return ps !== undefined && (ps.target ?? ps.node) === target && ps.state !== 'stopped' && ps.state !== 'error';
  });
}

/**
 * The running partners of a keep-together set move with the member an operator moves, or
 * the command is refused: moved alone, the member would be pulled back to its partners. Each
 * partner moves by its own migrate or relocate (the LRM sends nothing until the target holds
 * its lock), so no new way for a service to reach a node. Stopped and failed partners count
 * for no placement and stay; they follow when started.
 */
function partnersToMove(r: Round, sid: string, target: string): string[] | string {
  const moving: string[] = [];
  for (const p of [...(r.rules.together.get(sid) ?? [])].sort()) {
    const ps = r.status.serviceStatus[p];
    if (ps === undefined || ps.state === 'stopped' || ps.state === 'error' || (ps.target ?? ps.node) === target) continue;
    const why = `keeps together with '${p}', which cannot move to '${target}'`;
    if (ps.state !== 'started') return `${why} (it is in state '${ps.state}')`;
    if (r.moves.has(p) || r.stops.has(p)) return `${why} (another command for it is applied in this round)`;
    const affinity = r.rules.nodeAffinity.get(p);
    if (affinity?.strict === true && affinity.nodes[target] === undefined) return `${why} (rule '${affinity.ruleId}')`;
    const blocking = apartBlockers(r, p, target);
    if (blocking.length > 0) return `${why} (it keeps apart from ${blocking.join(', ')})`;
    moving.push(p);
  }
  return moving;
}

/** Returns why a command is refused, or null once it is applied or recorded for the service pass. */
function applyCommand(r: Round, c: CrmCommand): string | null {
  const { status } = r;
  if ('sid' in c && (r.moves.has(c.sid) || r.stops.has(c.sid))) return `another command for '${c.sid}' is applied in this round`;
  switch (c.cmd) {
    case 'migrate':
    case 'relocate': {
      const s = status.serviceStatus[c.sid];
      if (s === undefined) return `service '${c.sid}' is not managed`;
      if (status.disarm !== null) return 'HA is disarmed';
      if (!r.view.nodes.includes(c.target)) return `'${c.target}' is not a cluster node`;
      if (!candidates(r).includes(c.target)) return `node '${c.target}' is not online or not accepting services`;
      if (s.node === c.target) return `service '${c.sid}' is already on '${c.target}'`;
      if (s.state !== 'started' && s.state !== 'stopped') return `service '${c.sid}' is in state '${s.state}'`;
      const blocking = apartBlockers(r, c.sid, c.target);
      if (blocking.length > 0) return `keeps apart from ${blocking.join(', ')} on '${c.target}'`;
      const partners = partnersToMove(r, c.sid, c.target);
      if (typeof partners === 'string') return partners;
      for (const sid of [c.sid, ...partners]) r.moves.set(sid, { cmd: c.cmd, target: c.target });
      if (partners.length > 0) r.fx.info(`keep-together: ${partners.join(', ')} move to '${c.target}' with '${c.sid}'`);
      return null;
    }
    case 'stop': {
      if (status.serviceStatus[c.sid] === undefined) return `service '${c.sid}' is not managed`;
      if (status.disarm !== null) return 'HA is disarmed';
      r.stops.add(c.sid);
      return null;
    }
    case 'enable-node-maintenance':
      if (!r.view.nodes.includes(c.node)) return `'${c.node}' is not a cluster node`;
      if (status.disarm !== null) return 'HA is disarmed';
      // Not kept for later: a request for a node that is away would take effect whenever it returns.
      if (!isOnline(r, c.node)) return `${c.node} is not online`;
      status.nodeRequest[c.node] = { maintenance: true };
      return null;
    case 'disable-node-maintenance':
      if (status.nodeRequest[c.node] === undefined) return `node '${c.node}' has no maintenance request`;
      delete status.nodeRequest[c.node];
      return null;
    case 'disarm-ha':
      if (status.disarm !== null) return `HA is already ${status.disarm.state} (${status.disarm.mode})`;
      status.disarm = { mode: c.mode, state: 'disarming' };
      r.fx.info(`disarming HA (${c.mode} mode): no fencing and no recovery until arm-ha`);
      return null;
    case 'arm-ha':
      if (status.disarm === null) return 'HA is not disarmed';
      status.disarm = null;
      r.fx.info('arming HA: services are managed again');
      return null;
  }
}

function syncServiceList(r: Round): void {
  const { resources } = r.store.config;
  for (const sid of Object.keys(r.status.serviceStatus).sort()) {
    const cfg = resources[sid];
    if (cfg === undefined) {
      delete r.status.serviceStatus[sid];
      r.fx.info(`service '${sid}': removed from HA (deleted from the config)`);
    } else if (cfg.state === 'ignored' && r.status.disarm?.mode !== 'ignore') {
      delete r.status.serviceStatus[sid];
      r.fx.info(`service '${sid}': no longer managed (ignored requested)`);
    }
  }
  for (const sid of Object.keys(resources).sort()) {
    const cfg = resources[sid]!;
    if (cfg.state === 'ignored' || r.status.serviceStatus[sid] !== undefined) continue;
    r.status.uidCounter += 1;
    const state: ServiceState = cfg.state === 'started' ? 'request_start' : 'request_stop';
    r.status.serviceStatus[sid] = { state, node: cfg.node, uid: `${r.status.master}.${r.status.uidCounter}` };
    r.fx.info(`service '${sid}': added on node '${cfg.node}' as '${state}'`);
  }
}

const fenceable = new Set<ServiceState>(['started', 'request_stop', 'migrate', 'relocate', 'request_start_balance']);

function needsFence(r: Round, s: ServiceStatus, cfg: ResourceConfig): boolean {
  if (!offlineDelayed(r, s.node)) return false;
  // A service to start may still run on its lost node like a stopped one (its stop is not confirmed there).
  if (s.state === 'stopped' || s.state === 'request_start') return cfg.state !== 'disabled' && r.status.nodeStatus[s.node] !== 'maintenance';
  if (s.state === 'started' && r.status.nodeStatus[s.node] === 'maintenance') return false;
  return fenceable.has(s.state);
}

function wantsStarted(cfg: ResourceConfig): boolean {
  return cfg.state === 'started';
}

function stepService(r: Round, sid: string): void {
  const s = r.status.serviceStatus[sid]!;
  const cfg = r.store.config.resources[sid]!;
  const lrmMode = r.store.lrmStatus[s.node]?.mode;
  if (lrmMode === 'restart' && ['started', 'stopped', 'request_stop', 'request_start'].includes(s.state)) {
    changeState(r, sid, 'freeze', {}, `LRM on '${s.node}' is restarting`);
    return;
  }
  if (needsFence(r, s, cfg)) {
    changeState(r, sid, 'fence', { target: s.target }, `node '${s.node}' is lost`);
    return;
  }
  switch (s.state) {
    case 'stopped': return stepStopped(r, sid, s, cfg);
    case 'request_stop': {
      const res = result(r, s);
      if (res === 'success') changeState(r, sid, 'stopped');
      else if (res !== undefined) changeState(r, sid, 'error', {}, 'stop failed');
      return;
    }
    case 'request_start': return stepRequestStart(r, sid, s, cfg);
    case 'started': return stepStarted(r, sid, s, cfg);
    case 'migrate':
    case 'relocate':
    case 'request_start_balance': {
      const res = result(r, s);
      if (res === 'success') {
        const arrived = s.target!;
        const next = wantsStarted(cfg) ? 'started' : 'request_stop';
        const clearMaintenance = s.maintenanceNode === arrived ? { maintenanceNode: undefined } : {};
        changeState(r, sid, next, { node: arrived, target: undefined, ...clearMaintenance });
      } else if (res === 'wrong_node') {
        changeState(r, sid, 'error', { target: undefined }, `the service is not on '${s.node}'`);
      } else if (res === 'error') {
        changeState(r, sid, wantsStarted(cfg) ? 'started' : 'request_stop', { target: undefined }, `${s.state} to '${s.target}' failed, staying on '${s.node}'`);
      }
      return;
    }
    case 'recovery': return stepRecovery(r, sid, s, cfg);
    case 'freeze': {
      const frozenByDisarm = r.status.disarm?.mode === 'freeze';
      if (!frozenByDisarm && (lrmMode === 'active' || lrmMode === 'maintenance')) {
        changeState(r, sid, wantsStarted(cfg) ? 'started' : 'request_stop', {}, 'unfrozen');
      }
      return;
    }
    case 'error':
      if (cfg.state === 'disabled') changeState(r, sid, 'stopped', { failedNodes: undefined }, 'error cleared by disable');
      else report(r, sid, `service '${sid}' is in error: disable it, fix the cause, then enable it again`);
      return;
    case 'fence':
      return;
  }
}

function stepStopped(r: Round, sid: string, s: ServiceStatus, cfg: ResourceConfig): void {
  const move = r.moves.get(sid);
  if (move !== undefined) {
    r.status.serviceStatus[sid] = { ...s, node: move.target };
    r.fx.push({ kind: 'update-resource', sid, changes: { node: move.target } });
    r.fx.info(`service '${sid}': stopped service moved from '${s.node}' to '${move.target}'`);
  }
  if (!wantsStarted(cfg)) return;
  changeState(r, sid, 'request_start');
  stepRequestStart(r, sid, r.status.serviceStatus[sid]!, cfg);
}

/**
 * A service to start gets its node: where it is if that is allowed (count-based placement for
 * now), else a better node. Safe: a move to a better node goes through its node's LRM
 * (request_start_balance), which refuses when the service does run there. A node out of sight
 * is never passed over: a partition that still believes it is quorate may start the service
 * there from its own copy (random schedule seed 11411 did), so the service waits on it until
 * the node is back or fenced (request_start is fenced like stopped) and recovery moves it.
 */
function stepRequestStart(r: Round, sid: string, s: ServiceStatus, cfg: ResourceConfig): void {
  if (!wantsStarted(cfg)) {
    changeState(r, sid, 'request_stop', {}, `requested ${cfg.state}`);
    return;
  }
  const chosen = place(r, sid, s, 'stay');
  if (chosen === null) {
    report(r, sid, `service '${sid}': wants to start but no allowed node is online, waits`);
  } else if (chosen === s.node) {
    changeState(r, sid, 'started');
  } else if (isOnline(r, s.node)) {
    changeState(r, sid, 'request_start_balance', { target: chosen }, `'${chosen}' is the better node to start on`);
  } else {
    report(r, sid, `service '${sid}': its node '${s.node}' is out of sight, the start waits for it to return or be fenced`);
  }
}

function stepStarted(r: Round, sid: string, s: ServiceStatus, cfg: ResourceConfig): void {
  if (r.stops.has(sid)) {
    r.fx.push({ kind: 'update-resource', sid, changes: { state: 'stopped' } });
    changeState(r, sid, 'request_stop', {}, 'stop command');
    return;
  }
  if (!wantsStarted(cfg)) {
    changeState(r, sid, 'request_stop', {}, `requested ${cfg.state}`);
    return;
  }
  const move = r.moves.get(sid);
  if (move !== undefined) {
    const how = move.cmd === 'migrate' && kindOf(sid) === 'ct' ? 'relocate' : move.cmd;
    changeState(r, sid, how, { target: move.target }, 'operator command');
    return;
  }
  const res = result(r, s);
  // A service on a node out of sight, or shutting down, stays put: only fencing takes it away.
  if (!isOnline(r, s.node) || r.store.lrmStatus[s.node]?.mode === 'shutdown') return;
  let preference: Preference = 'stay';
  if (res === 'success' && s.running !== true) {
    r.status.serviceStatus[sid] = { ...s, running: true };
    delete r.status.serviceStatus[sid]!.failedNodes;
  } else if (res === 'error' || res === 'wrong_node') {
    const failedNodes = [...(s.failedNodes ?? []), s.node];
    r.status.serviceStatus[sid] = { ...s, failedNodes };
    if (failedNodes.length > cfg.maxRelocate) {
      changeState(r, sid, 'error', {}, `start failed on ${failedNodes.join(', ')}, max_relocate ${cfg.maxRelocate} reached`);
      return;
    }
    preference = 'try-next';
  }
  const current = r.status.serviceStatus[sid]!;
  if (r.status.nodeStatus[s.node] === 'maintenance' && current.maintenanceNode === undefined) {
    r.status.serviceStatus[sid] = { ...current, maintenanceNode: s.node };
  }
  const chosen = place(r, sid, r.status.serviceStatus[sid]!, preference);
  if (chosen === null) {
    const affinity = r.rules.nodeAffinity.get(sid);
    if (preference === 'try-next' && candidates(r).includes(s.node)) {
      // Every allowed node failed a start, but the count is within max_relocate (checked above):
      // try again where it is. Safe: a fresh uid on the same node, started under its agent lock.
      changeState(r, sid, 'started', {}, `start failed on every allowed node (${current.failedNodes!.join(', ')}), retrying on '${s.node}'`);
    } else if (preference === 'try-next') changeState(r, sid, 'error', {}, 'start failed and no other node may take it');
    else if (affinity?.strict === true && affinity.nodes[s.node] === undefined) {
      changeState(r, sid, 'request_stop', {}, `rule '${affinity.ruleId}' allows no node that is online`);
    }
    else if (!candidates(r).includes(s.node) && r.status.nodeStatus[s.node] === 'maintenance') {
      report(r, sid, `service '${sid}': no node to move to from maintenance node '${s.node}'`);
    }
    return;
  }
  if (chosen !== s.node) {
    const live = kindOf(sid) === 'vm' && preference !== 'try-next';
    const why = preference === 'try-next' ? `start failed on '${s.node}', relocating`
      : r.status.nodeStatus[s.node] === 'maintenance' ? `node '${s.node}' is in maintenance`
        : `'${chosen}' is preferred`;
    changeState(r, sid, live ? 'migrate' : 'relocate', { target: chosen }, why);
    return;
  }
  if (preference === 'try-next') changeState(r, sid, 'started', {}, 'retrying the start');
  else if (current.maintenanceNode !== undefined && current.maintenanceNode === s.node && r.status.nodeStatus[s.node] === 'online') {
    r.status.serviceStatus[sid] = { ...current };
    delete r.status.serviceStatus[sid]!.maintenanceNode;
  }
}

function stepRecovery(r: Round, sid: string, s: ServiceStatus, cfg: ResourceConfig): void {
  if (s.target !== undefined && isOnline(r, s.target)) {
    // Its node was lost during a move: the move may have completed, so only the target may have it.
    r.fx.info(`recovering service '${sid}' on '${s.target}', the target of its interrupted ${s.state === 'recovery' ? 'move' : s.state}`);
    changeState(r, sid, wantsStarted(cfg) ? 'started' : 'request_stop', { node: s.target, target: undefined, failedNodes: undefined });
    return;
  }
  if (cfg.state === 'disabled') {
    changeState(r, sid, 'stopped', { target: undefined }, 'disabled while waiting for recovery');
    return;
  }
  const chosen = place(r, sid, s, 'best');
  if (chosen === null) {
    report(r, sid, `service '${sid}': recovery from '${s.node}' waits, no allowed node online (service stays stopped)`);
    return;
  }
  r.fx.info(`recovering service '${sid}' from fenced node '${s.node}' to node '${chosen}'`);
  changeState(r, sid, wantsStarted(cfg) ? 'started' : 'request_stop', { node: chosen, target: undefined, failedNodes: undefined });
}

/**
 * Nodes whose fencing a service in `fence` waits for: its node, and the target of a move it was
 * in when its node was lost (the move may have completed) unless that target is online to say.
 */
function nodesToFence(r: Round, s: ServiceStatus): string[] {
  return s.target !== undefined && !isOnline(r, s.target) ? [s.node, s.target] : [s.node];
}

function fencing(r: Round): void {
  trackFenceSightings(r.memory.fenceSightings, {
    now: r.view.now, storedStates: r.store.managerStatus?.nodeStatus ?? {}, inSight: (n) => isOnline(r, n), timings: r.timings,
  });
  const waiting = Object.entries(r.status.serviceStatus).filter(([, s]) => s.state === 'fence');
  const lost = new Set(waiting.flatMap(([, s]) => nodesToFence(r, s)));
  for (const [node, state] of Object.entries(r.status.nodeStatus)) if (state === 'fence') lost.add(node);
  const fenced = new Set<string>();
  for (const node of [...lost].sort()) {
    if (node === r.view.node) continue; // never fences itself: it is online, or it would not be master
    if (r.status.unprotected.includes(node)) {
      unfenceable(r, node);
      continue;
    }
    // Held until no service waits for this node any more: a held lock is the proof of fencing.
    if (r.store.locks[agentLockName(node)]?.holder === r.view.node) {
      fenced.add(node);
      delete r.memory.reported[`sighted:${node}`];
      if (r.status.nodeStatus[node] === 'fence') {
        r.fx.info(`fencing: acknowledged - got agent lock for node '${node}'`);
        setNodeState(r.status, node, 'unknown', r.fx, 'fenced');
      }
      continue;
    }
    if (r.status.nodeStatus[node] !== 'fence') {
      setNodeState(r.status, node, 'fence', r.fx, 'its services must be recovered');
      r.fx.info(`fencing: waiting to take the agent lock of node '${node}' (its lease must expire first)`);
    }
    // In parallel with the lease: a fence device's confirmed off, recorded in the store first.
    const proof = deviceFence({
      node, now: r.view.now, master: r.view.node, inSight: isOnline(r, node), lastOnline: r.memory.lastOnline[node],
      attempts: r.memory.fenceAttempts, devices: r.devices, recorded: r.store.managerStatus?.fenceProofs?.[node], status: r.status, fx: r.fx,
    });
    if (proof !== null) {
      fenced.add(node);
      const attempt = r.memory.fenceAttempts[node]!;
      if (attempt.acknowledged !== true) {
        attempt.acknowledged = true;
        delete r.memory.reported[`sighted:${node}`];
        r.fx.info(`fencing: acknowledged - device '${proof.device}' confirmed node '${node}' off, the store recorded it`);
        setNodeState(r.status, node, 'unknown', r.fx, `fenced by ${proof.device}`);
        r.fx.push({ kind: 'fence-device', op: 'restore', node });
      }
      continue;
    }
    if (r.view.now - (r.memory.lastOnline[node] ?? r.view.now) >= r.timings.lockLeaseMs) {
      // Out of sight for a whole lease: even a lock it took unseen in a partition that still
      // believed it was quorate has expired by now, and the node has reset.
      r.fx.push({ kind: 'lock', op: 'acquire', lock: agentLockName(node) });
    } else if (fenceProvenInSight(r.memory.fenceSightings, node, r.view.now, r.timings)) {
      // Back in sight with its fence requested long enough that its watchdog must have fired
      // (fence-in-sight.ts); the store still grants the lock only once it expired here.
      report(r, `sighted:${node}`, `fencing: node '${node}' is back in sight with its fence requested: its watchdog has fired by now or it runs nothing, taking its agent lock`);
      r.fx.push({ kind: 'lock', op: 'acquire', lock: agentLockName(node) });
    }
  }
  // An attempt counts only while its node stays lost without a break.
  for (const node of Object.keys(r.memory.fenceAttempts)) if (!lost.has(node)) delete r.memory.fenceAttempts[node];
  for (const [sid, s] of waiting) {
    if (nodesToFence(r, s).every((n) => fenced.has(n))) {
      changeState(r, sid, 'recovery', { target: s.target });
      stepRecovery(r, sid, r.status.serviceStatus[sid]!, r.store.config.resources[sid]!);
    }
  }
  releaseFenceLocks(r);
}

/** Agent locks of other nodes the master took for fencing go back once no service waits on them. */
function releaseFenceLocks(r: Round): void {
  const needed = new Set(Object.values(r.status.serviceStatus).filter((s) => s.state === 'fence').flatMap((s) => nodesToFence(r, s)));
  for (const node of r.view.nodes) {
    if (node === r.view.node || needed.has(node)) continue;
    if (r.store.locks[agentLockName(node)]?.holder === r.view.node) r.fx.push({ kind: 'lock', op: 'release', lock: agentLockName(node) });
  }
}

/**
 * A node the manager let drop lock and watchdog for a disarm cannot be fenced by taking its
 * lock. Its services wait for it; when it returns they stay where they run.
 */
function unfenceable(r: Round, node: string): void {
  if (!isOnline(r, node)) {
    report(r, `fence:${node}`, `fencing: node '${node}' runs services without agent lock (left so by a disarm): cannot fence it, its services wait until it returns`);
    return;
  }
  delete r.memory.reported[`fence:${node}`];
  setNodeState(r.status, node, 'online', r.fx, 'returned before it could be fenced');
  for (const sid of Object.keys(r.status.serviceStatus).sort()) {
    const s = r.status.serviceStatus[sid]!;
    if (s.state === 'fence' && s.node === node) {
      changeState(r, sid, wantsStarted(r.store.config.resources[sid]!) ? 'started' : 'request_stop', {}, 'its node returned, it stays there');
    }
  }
}

/** A disarm waits while services are being fenced, recovered or moved; LRMs wait for it too. */
export function disarmWaits(status: ManagerStatus): boolean {
  return Object.values(status.serviceStatus).some((s) => ['fence', 'recovery', 'migrate', 'relocate', 'request_start_balance'].includes(s.state));
}

function disarmProgress(r: Round): void {
  const disarm = r.status.disarm;
  if (disarm === null) return;
  const busy = disarmWaits(r.status);
  if (disarm.mode === 'freeze' && !busy) {
    for (const sid of Object.keys(r.status.serviceStatus).sort()) {
      const s = r.status.serviceStatus[sid]!;
      if (['started', 'stopped', 'request_stop', 'request_start'].includes(s.state)) changeState(r, sid, 'freeze', {}, 'HA disarmed');
    }
  }
  const online = r.view.nodes.filter((n) => isOnline(r, n));
  for (const node of online) {
    if (r.store.lrmStatus[node]?.mode === 'disarm' && !r.status.unprotected.includes(node)) {
      r.status.unprotected = [...r.status.unprotected, node].sort();
      r.fx.info(`disarm: node '${node}' may drop its agent lock and watchdog; it will not be fenced until it holds its lock again`);
    }
  }
  if (disarm.state === 'disarming' && !busy && online.every((n) => r.status.unprotected.includes(n))) {
    disarm.state = 'disarmed';
    r.fx.info(`HA disarmed (${disarm.mode} mode): every online LRM may release its lock and watchdog`);
  }
}

/** After arm-ha a node is protected again once it holds its agent lock. */
function reprotect(r: Round): void {
  if (r.status.disarm !== null) return;
  for (const node of r.status.unprotected) {
    const lock = r.store.locks[agentLockName(node)];
    if (lock?.holder === node && lock.ageMs <= r.timings.feedWindowMs) {
      r.status.unprotected = r.status.unprotected.filter((n) => n !== node);
      r.fx.info(`node '${node}' holds its agent lock again: protected, fenced normally from now on`);
    }
  }
}

function rulesFor(r: Omit<Round, 'rules'>): CompiledRules {
  const key = JSON.stringify([r.store.config, r.view.nodes]);
  if (r.memory.compiled?.key !== key) {
    const rules = compileRules(r.store.config, r.view.nodes);
    for (const line of rules.dropped) r.fx.warn(`rules: ${line}`);
    r.memory.compiled = { key, rules };
  }
  return r.memory.compiled.rules;
}

/** One master round: returns the new manager status (the caller writes it if it changed). */
export function manage(
  view: ClusterView, store: StoreView, timings: HaTimings, previous: ManagerStatus, memory: ManagerMemory, fx: Effects,
  devices: FenceDeviceInput,
): ManagerStatus {
  const status = structuredClone(previous);
  status.master = view.node;
  const base = { view, store, timings, status, memory, fx, devices, moves: new Map(), stops: new Set<string>() };
  const r: Round = { ...base, rules: rulesFor(base) };
  updateNodeStates(status, {
    now: view.now, nodes: view.nodes, online: (n) => isOnline(r, n), lrmStatus: store.lrmStatus,
    lastOnline: memory.lastOnline, goneCleanupMs: timings.goneCleanupMs,
  }, fx);
  processCommands(r);
  syncServiceList(r);
  if (status.disarm?.mode !== 'ignore') {
    for (const sid of Object.keys(status.serviceStatus).sort()) stepService(r, sid);
  }
  // Fencing continues while a disarm waits for it; once disarmed nothing is fenced.
  if (status.disarm === null || status.disarm.state === 'disarming') fencing(r);
  disarmProgress(r);
  reprotect(r);
  return status;
}
