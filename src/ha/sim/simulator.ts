/**
 * The deterministic cluster simulator: the real CRM and LRM steps run against simulated nodes
 * (power, network, watchdog, drivers), an arbiter, partitions with their own store replicas and
 * membership views that lag behind the hardware like corosync does. Time is discrete (one round
 * per tick); the same scenario always gives the same log.
 */
import { crmStep, initialCrmState, type CrmState } from '../crm';
import type { ClusterView, DriverOp, DriverResult, HaEffect, LogLevel } from '../env';
import type { FenceDeviceResult } from '../fence-device';
import { initialLrmState, lrmStep, type LrmState, type ShutdownKind } from '../lrm';
import { SafetyViolation } from '../safety';
import { checkSafetyBound } from '../timings';
import { agentLockName, type CrmCommand, type HaConfig } from '../types';
import { canPowerOn, fenceModels, planOff, type FenceModel } from './fence-models';
import { Replica } from './replica';
import { parseResource, requestedStates, ScenarioError, type Scenario, type SimCommand } from './scenario';
import { linkKey, partitions, type Hardware } from './topology';

export interface LogLine {
  at: number;
  source: string;
  level: LogLevel;
  msg: string;
}

export function formatLine(l: LogLine): string {
  const seconds = l.at % 1000 === 0 ? String(l.at / 1000) : (l.at / 1000).toFixed(1);
  return `${l.level.padEnd(4)} ${seconds.padStart(5)} ${l.source}: ${l.msg}`;
}

interface SimNode {
  name: string;
  crm: CrmState | null;
  lrm: LrmState | null;
  replica: Replica;
  view: { members: string[]; quorate: boolean };
  /** While the truth says not quorate, the node keeps believing it is until this time. */
  staleUntil: number;
  /** Quorum as the hardware decides it, at the last topology change. */
  trulyQuorate: boolean;
  watchdog: { open: boolean; lastFeed: number };
  results: DriverResult[];
  shutdown: ShutdownKind | null;
  /** Bumped on every power cycle, so actions of a previous life never complete. */
  life: number;
  /** Fence device results for this node's CRM, delivered since its last round. */
  fenceResults: FenceDeviceResult[];
}

interface Scheduled {
  at: number;
  order: number;
  run: () => void;
}

export interface SimOutcome {
  lines: LogLine[];
  /** Simulated ms covered. */
  simulatedMs: number;
  /** sid → node where it runs at the end (ground truth). */
  running: Record<string, string>;
  /** sid → manager state at the end, from the most recent quorate replica. */
  services: Record<string, { state: string; node: string }>;
}

export class Simulator {
  readonly lines: LogLine[] = [];
  private readonly hw: Hardware;
  private readonly nodes = new Map<string, SimNode>();
  /** sid → nodes it runs on; more than one is the violation this whole design prevents. */
  private readonly running = new Map<string, Set<string>>();
  private readonly queue: Scheduled[] = [];
  private order = 0;
  private epoch = 0;
  private now = 0;
  private readonly cfg: Scenario['config'];

  constructor(private readonly scenario: Scenario) {
    this.cfg = scenario.config;
    const bound = checkSafetyBound(this.cfg.timings);
    if (!bound.ok && !this.cfg.unsafe) throw new ScenarioError(bound.message);
    this.hw = {
      nodes: [...this.cfg.nodes], powered: new Set(this.cfg.nodes.filter((n) => !this.cfg.poweredOff.includes(n))),
      netDown: new Set(), cutLinks: new Set(), arbiter: this.cfg.arbiter, arbiterUp: this.cfg.arbiter,
    };
    const config: HaConfig = {
      resources: structuredClone(this.cfg.resources), groups: this.cfg.groups, rules: this.cfg.rules,
      settings: { shutdownPolicy: this.cfg.shutdownPolicy },
    };
    const initial = new Replica(config, this.cfg.timings.lockLeaseMs);
    for (const name of this.cfg.nodes) {
      this.nodes.set(name, {
        name, crm: null, lrm: null, replica: initial, view: { members: [name], quorate: false }, staleUntil: 0, trulyQuorate: false,
        watchdog: { open: false, lastFeed: 0 }, results: [], shutdown: null, life: 0, fenceResults: [],
      });
    }
    for (const [sid, node] of Object.entries(this.cfg.running)) {
      if (!this.hw.powered.has(node)) throw new ScenarioError(`config.running: '${sid}' runs on '${node}', which is powered off`);
      this.running.set(sid, new Set([node]));
    }
    for (const name of this.hw.powered) this.boot(this.nodes.get(name)!);
    // At start the cluster is formed: views are current, nothing is stale.
    this.topologyChanged(false);
    for (const node of this.nodes.values()) this.refreshView(node);
  }

  private log(source: string, level: LogLevel, msg: string): void {
    this.lines.push({ at: this.now, source, level, msg });
  }

  private schedule(at: number, run: () => void): void {
    this.queue.push({ at, order: this.order++, run });
  }

  private truth(name: string) {
    return partitions(this.hw).find((p) => p.members.includes(name));
  }

  private boot(node: SimNode): void {
    node.crm = initialCrmState();
    node.lrm = initialLrmState();
    node.view = { members: [node.name], quorate: false };
    node.trulyQuorate = false;
    node.watchdog = { open: false, lastFeed: 0 };
    node.results = [];
    node.fenceResults = [];
    node.shutdown = null;
    node.life += 1;
  }

  /** Store replicas follow the hardware at once (messages stop flowing); views follow after detectMs. */
  private topologyChanged(announce = true): void {
    const parts = partitions(this.hw);
    for (const part of parts) {
      const members = part.members.map((n) => this.nodes.get(n)!);
      const sameGroup = members.every((m) => m.replica === members[0]!.replica)
        && [...this.nodes.values()].filter((n) => n.replica === members[0]!.replica && this.hw.powered.has(n.name)).length === members.length;
      if (!sameGroup) {
        const source = [...members].sort((a, b) => Number(b.replica.current) - Number(a.replica.current)
          || b.replica.epoch - a.replica.epoch || b.replica.version - a.replica.version || a.name.localeCompare(b.name))[0]!.replica;
        const replica = source.clone();
        replica.current = source.current || members.length === this.hw.nodes.length;
        for (const m of members) m.replica = replica;
      }
      // The quorate partition's copy is the newest: a later merge keeps it.
      if (part.quorate && members[0]!.replica.current) members[0]!.replica.epoch = ++this.epoch;
    }
    if (!announce) {
      for (const node of this.nodes.values()) node.trulyQuorate = this.truth(node.name)?.quorate ?? false;
      return;
    }
    for (const node of this.nodes.values()) {
      if (!this.hw.powered.has(node.name)) continue;
      const part = this.truth(node.name)!;
      const wasQuorate = node.trulyQuorate;
      node.trulyQuorate = part.quorate;
      // The stale window opens when the node really loses quorum, not on every later change.
      if (wasQuorate && !part.quorate && node.view.quorate) {
        node.staleUntil = this.now + (this.cfg.arbiter ? this.cfg.staleMs : this.cfg.detectMs);
        this.schedule(node.staleUntil, () => this.refreshView(node));
      }
      const life = node.life;
      this.schedule(this.now + this.cfg.detectMs, () => { if (node.life === life) this.refreshView(node); });
    }
  }

  private refreshView(node: SimNode): void {
    if (!this.hw.powered.has(node.name)) return;
    const part = this.truth(node.name)!;
    const quorate = (part.quorate && node.replica.current) || (node.view.quorate && this.now < node.staleUntil);
    if (part.quorate && !node.replica.current && !quorate) {
      this.log('store', 'warn', `${node.name}: partition is quorate but its copy of the store is older than the cluster's; quorum withheld until it joins a current copy`);
    }
    node.view = { members: part.members, quorate };
  }

  private clusterView(node: SimNode): ClusterView {
    return { now: this.now, node: node.name, quorate: node.view.quorate, members: node.view.members, nodes: [...this.hw.nodes].sort() };
  }

  private runningOn(node: string): string[] {
    return [...this.running].filter(([, where]) => where.has(node)).map(([sid]) => sid).sort();
  }

  private apply(node: SimNode, source: string, effects: HaEffect[]): void {
    for (const effect of effects) {
      switch (effect.kind) {
        case 'log':
          this.log(source, effect.level, effect.msg);
          break;
        case 'watchdog':
          if (effect.op === 'close') node.watchdog = { open: false, lastFeed: this.now };
          // A handed-over lease stays armed and is not fed by the handover (lrm.ts handOver).
          else if (effect.op !== 'handover') node.watchdog = { open: true, lastFeed: this.now };
          break;
        case 'driver':
          this.startAction(node, effect.op, effect.sid, effect.uid, effect.target);
          break;
        case 'fence-device':
          if (effect.op === 'off') this.fenceOff(node, effect.node, effect.attempt);
          else this.fenceRestore(effect.node);
          break;
        case 'exit':
          this.finishShutdown(node);
          return; // the LRM emits exit last
        default:
          // Store writes need the node's belief in quorum: a cut-off node that still believes it
          // is quorate writes into its own partition's replica, which the quorate side never sees.
          if (node.view.quorate) node.replica.apply(node, effect, this.now);
      }
    }
  }

  private startAction(node: SimNode, op: DriverOp, sid: string, uid: string, target?: string): void {
    const life = node.life;
    const destination = op === 'start' ? node.name : op === 'migrate' ? target! : null;
    if (destination !== null) this.checkMayStart(sid, destination);
    this.schedule(this.now + this.cfg.timings.roundMs, () => {
      if (node.life !== life || !this.hw.powered.has(node.name)) return;
      const ok = this.completeAction(node.name, op, sid, target);
      node.results.push({ sid, uid, op, ok });
    });
  }

  private scriptedFailure(sid: string, node: string, kind: 'failStart' | 'failStop' | 'failMigrate'): boolean {
    const script = this.cfg.drivers[sid];
    if (script === undefined || script[kind] === 0 || (script.onlyOn !== undefined && script.onlyOn !== node)) return false;
    script[kind] -= 1;
    return true;
  }

  private completeAction(node: string, op: DriverOp, sid: string, target?: string): boolean {
    const where = this.running.get(sid) ?? new Set<string>();
    if (op === 'start') {
      if (where.has(node)) return true;
      if (this.scriptedFailure(sid, node, 'failStart')) return false;
      this.arrive(sid, node);
      return true;
    }
    // A relocation stops the service here, as the daemon's resource runner does; the target's
    // LRM starts it once the manager moved it there (and that start may fail like any other).
    if (op === 'stop' || op === 'relocate') {
      if (!where.has(node)) return true;
      if (this.scriptedFailure(sid, node, 'failStop')) return false;
      where.delete(node);
      return true;
    }
    const to = target!;
    if (!where.has(node)) return false;
    const reachable = this.hw.powered.has(to) && this.truth(node)!.members.includes(to);
    if (!reachable || this.scriptedFailure(sid, node, 'failMigrate')) return false;
    where.delete(node);
    this.arrive(sid, to);
    return true;
  }

  /** Ground truth when a start or move towards `node` is issued: agent lock, quorum, armed watchdog. */
  private checkMayStart(sid: string, node: string): void {
    const n = this.nodes.get(node)!;
    if (!this.hw.powered.has(node)) return; // a move to a dead node simply fails
    const missing = [
      n.view.quorate ? null : 'quorum',
      n.replica.holds(agentLockName(node), n, this.now) ? null : 'its agent lock',
      n.watchdog.open ? null : 'an armed watchdog',
    ].filter((m) => m !== null);
    if (missing.length > 0) throw new SafetyViolation(`t=${this.now / 1000}s '${sid}' sent to '${node}' without ${missing.join(', ')}`);
  }

  /** Ground truth when a service arrives: never active on two nodes. */
  private arrive(sid: string, node: string): void {
    const where = this.running.get(sid) ?? new Set<string>();
    if (where.size > 0 && !where.has(node)) {
      throw new SafetyViolation(`t=${this.now / 1000}s '${sid}' started on '${node}' while running on ${[...where].join(', ')}`);
    }
    where.add(node);
    this.running.set(sid, where);
  }

  /** A master's off request: the device model decides what is switched, read and reported when. */
  private fenceOff(master: SimNode, target: string, attempt: string): void {
    const model = this.cfg.fenceDevices[target];
    if (model === undefined) return;
    const victim = this.nodes.get(target)!;
    const plan = planOff(model, this.hw.powered.has(target));
    const started = this.now;
    const life = master.life;
    this.log('fence', 'info', `${target}: ${model} device asked to power it off by ${master.name}`);
    if (plan.offAt !== null) this.schedule(started + plan.offAt, () => this.powerOff(victim, 'fence device'));
    let poweredOff = false;
    if (plan.statusAt !== null) this.schedule(started + plan.statusAt, () => { poweredOff = !this.hw.powered.has(target); });
    this.schedule(started + plan.resultAt, () => {
      if (master.life !== life || !this.hw.powered.has(master.name)) return;
      const off = plan.failure === undefined && poweredOff;
      const reason = plan.failure ?? (off ? undefined : 'status reports on after off');
      this.log('fence', off ? 'info' : 'warn', `${target}: ${model} device reports ${off ? 'off' : `failure: ${reason}`} to ${master.name}`);
      master.fenceResults.push({ node: target, attempt, off, device: `${model}-${target}`, ...(reason === undefined ? {} : { reason }) });
    });
  }

  private fenceRestore(target: string): void {
    const model = this.cfg.fenceDevices[target];
    if (this.cfg.afterFence === 'off' || model === undefined || !canPowerOn(model)) return;
    this.schedule(this.now + this.cfg.rebootMs, () => this.powerOn(this.nodes.get(target)!, 'fence device, after the recorded off'));
  }

  private powerOff(node: SimNode, why: string): void {
    if (!this.hw.powered.has(node.name)) return;
    this.hw.powered.delete(node.name);
    node.life += 1;
    node.crm = null;
    node.lrm = null;
    node.watchdog = { open: false, lastFeed: 0 };
    // Its copy of the store freezes as it was; the partition it left carries on without it.
    node.replica = node.replica.clone();
    node.replica.current = false;
    for (const where of this.running.values()) where.delete(node.name);
    this.log('hardware', 'info', `${node.name} powered off (${why})`);
    this.topologyChanged();
  }

  private powerOn(node: SimNode, why: string): void {
    if (this.hw.powered.has(node.name)) return;
    this.hw.powered.add(node.name);
    this.boot(node);
    node.replica.firstSeenAt(this.now);
    this.log('hardware', 'info', `${node.name} powered on (${why}), starts with no service running`);
    this.topologyChanged();
  }

  private finishShutdown(node: SimNode): void {
    const kind = node.shutdown;
    if (node.crm !== null) {
      const step = crmStep(node.crm, { view: this.clusterView(node), store: node.replica.view(this.now, node), timings: this.cfg.timings, shutdown: true });
      this.apply(node, `${node.name}/crm`, step.effects);
    }
    this.powerOff(node, kind ?? 'shutdown');
    if (kind === 'reboot') this.schedule(this.now + this.cfg.rebootMs, () => this.powerOn(node, 'reboot'));
  }

  private checkWatchdogs(): void {
    for (const node of this.nodes.values()) {
      if (!this.hw.powered.has(node.name) || !node.watchdog.open) continue;
      if (this.now - node.watchdog.lastFeed > this.cfg.timings.watchdogMs) {
        this.log('watchdog', 'err', `${node.name}: not fed for ${(this.now - node.watchdog.lastFeed) / 1000} s, resetting the node`);
        this.powerOff(node, 'watchdog reset');
        this.schedule(this.now + this.cfg.rebootMs, () => this.powerOn(node, 'after watchdog reset'));
      }
    }
  }

  /** Operator commands go to the replica of a quorate partition, as the CLI on such a node would. */
  private operatorReplica(): Replica | null {
    const part = partitions(this.hw).find((p) => p.quorate);
    if (part === undefined) return null;
    const node = this.nodes.get(part.members[0]!)!;
    return node.view.quorate ? node.replica : null;
  }

  private node(name: string | undefined, c: SimCommand): SimNode {
    const node = name === undefined ? undefined : this.nodes.get(name);
    if (node === undefined) throw new ScenarioError(`commands:${c.line}: unknown node '${name ?? ''}'`);
    return node;
  }

  private operator(c: SimCommand, change: (replica: Replica) => void): void {
    const replica = this.operatorReplica();
    if (replica === null) {
      this.log('cmdlist', 'warn', `'${c.words.join(' ')}' refused: no quorate partition to write to`);
      return;
    }
    change(replica);
  }

  private queueCrm(c: SimCommand, command: CrmCommand): void {
    this.operator(c, (replica) => replica.queueCommand(command));
  }

  private execute(c: SimCommand): void {
    const [verb, a, b, d] = c.words;
    this.log('cmdlist', 'info', c.words.join(' '));
    const onOff = (v: string | undefined, on: string, off: string): boolean => {
      if (v !== on && v !== off) throw new ScenarioError(`commands:${c.line}: expected '${on}' or '${off}', got '${v ?? ''}'`);
      return v === on;
    };
    switch (verb) {
      case 'power': {
        const node = this.node(a, c);
        if (onOff(b, 'on', 'off')) this.powerOn(node, 'command');
        else this.powerOff(node, 'command');
        return;
      }
      case 'net': {
        const node = this.node(a, c);
        if (onOff(b, 'up', 'down')) this.hw.netDown.delete(node.name);
        else this.hw.netDown.add(node.name);
        this.topologyChanged();
        return;
      }
      case 'link': {
        const [x, y] = [this.node(a, c).name, this.node(b, c).name];
        if (onOff(d, 'heal', 'cut')) this.hw.cutLinks.delete(linkKey(x, y));
        else this.hw.cutLinks.add(linkKey(x, y));
        this.topologyChanged();
        return;
      }
      case 'arbiter':
        if (!this.cfg.arbiter) throw new ScenarioError(`commands:${c.line}: this cluster has no arbiter`);
        this.hw.arbiterUp = onOff(a, 'up', 'down');
        this.topologyChanged();
        return;
      case 'reboot':
      case 'shutdown': {
        const node = this.node(a, c);
        if (this.hw.powered.has(node.name)) node.shutdown = verb === 'reboot' ? 'reboot' : 'poweroff';
        return;
      }
      case 'service': return this.serviceCommand(c);
      case 'driver': {
        const script = this.cfg.drivers[a!] ?? { failStart: 0, failStop: 0, failMigrate: 0 };
        const count = Number(d);
        const field = { 'fail-start': 'failStart', 'fail-stop': 'failStop', 'fail-migrate': 'failMigrate' }[b!] as 'failStart' | undefined;
        if (field === undefined || !Number.isInteger(count) || count < 0) throw new ScenarioError(`commands:${c.line}: driver SID fail-start|fail-stop|fail-migrate COUNT`);
        script[field] = count;
        this.cfg.drivers[a!] = script;
        return;
      }
      case 'fence-device':
        this.cfg.fenceDevices[this.node(a, c).name] = oneOfModels(b, c);
        return;
      case 'maintenance': {
        this.queueCrm(c, { cmd: onOff(b, 'on', 'off') ? 'enable-node-maintenance' : 'disable-node-maintenance', node: a! });
        return;
      }
      case 'disarm':
        if (a !== 'freeze' && a !== 'ignore') throw new ScenarioError(`commands:${c.line}: disarm freeze|ignore`);
        this.queueCrm(c, { cmd: 'disarm-ha', mode: a });
        return;
      case 'arm':
        this.queueCrm(c, { cmd: 'arm-ha' });
        return;
      case 'node': {
        const node = this.node(a, c).name;
        if (b !== 'delete') throw new ScenarioError(`commands:${c.line}: node NODE delete`);
        this.hw.nodes = this.hw.nodes.filter((n) => n !== node);
        this.powerOff(this.nodes.get(node)!, 'removed from the cluster');
        return;
      }
      case 'end':
        return;
    }
  }

  private serviceCommand(c: SimCommand): void {
    const [, sid, action, arg, state] = c.words;
    const usage = `commands:${c.line}: service SID migrate|relocate NODE | stop | set STATE | add NODE [STATE] | delete`;
    switch (action) {
      case 'migrate':
      case 'relocate':
        this.queueCrm(c, { cmd: action, sid: sid!, target: arg! });
        return;
      case 'stop':
        this.queueCrm(c, { cmd: 'stop', sid: sid! });
        return;
      case 'set':
        if (!requestedStates.includes(arg as never)) throw new ScenarioError(`${usage} (STATE: ${requestedStates.join(', ')})`);
        this.operator(c, (replica) => {
          const res = replica.config.resources[sid!];
          if (res === undefined) this.log('cmdlist', 'warn', `no service '${sid!}' in the config`);
          else replica.editConfig((cfg) => ({ ...cfg, resources: { ...cfg.resources, [sid!]: { ...res, state: arg as never } } }));
        });
        return;
      case 'add': {
        const res = parseResource(sid!, { node: arg, state: state ?? 'started' }, this.hw.nodes);
        this.operator(c, (replica) => replica.editConfig((cfg) => ({ ...cfg, resources: { ...cfg.resources, [sid!]: res } })));
        return;
      }
      case 'delete':
        this.operator(c, (replica) => replica.editConfig((cfg) => {
          const resources = { ...cfg.resources };
          delete resources[sid!];
          return { ...cfg, resources };
        }));
        return;
      default:
        throw new ScenarioError(usage);
    }
  }

  private tick(): void {
    this.queue.sort((x, y) => x.at - y.at || x.order - y.order);
    while (this.queue.length > 0 && this.queue[0]!.at <= this.now) this.queue.shift()!.run();
    for (const name of [...this.nodes.keys()].sort()) {
      const node = this.nodes.get(name)!;
      if (!this.hw.powered.has(name) || node.crm === null || node.lrm === null) continue;
      const fenceDevices = { nodes: Object.keys(this.cfg.fenceDevices).sort(), results: node.fenceResults };
      node.fenceResults = [];
      const crm = crmStep(node.crm, { view: this.clusterView(node), store: node.replica.view(this.now, node), timings: this.cfg.timings, shutdown: false, fenceDevices });
      node.crm = crm.state;
      this.apply(node, `${name}/crm`, crm.effects);
      if (node.lrm === null) continue;
      const results = node.results;
      node.results = [];
      const lrm = lrmStep(node.lrm, {
        view: this.clusterView(node), store: node.replica.view(this.now, node), timings: this.cfg.timings,
        running: this.runningOn(name), driverResults: results, shutdown: node.shutdown, capacity: this.cfg.capacities[name],
      });
      node.lrm = lrm.state;
      this.apply(node, `${name}/lrm`, lrm.effects);
    }
    this.checkWatchdogs();
  }

  run(): SimOutcome {
    const { commands } = this.scenario;
    const explicitEnd = commands.find((c) => c.words[0] === 'end');
    const end = explicitEnd?.at ?? (commands.length > 0 ? commands[commands.length - 1]!.at : 0) + this.cfg.settleMs;
    for (const c of commands) this.schedule(c.at, () => this.execute(c));
    for (this.now = 0; this.now <= end; this.now += this.cfg.timings.roundMs) this.tick();
    this.now = end;
    return { lines: this.lines, simulatedMs: end, running: this.runningSummary(), services: this.serviceSummary() };
  }

  private runningSummary(): Record<string, string> {
    const out: Record<string, string> = {};
    for (const [sid, where] of [...this.running].sort(([a], [b]) => a.localeCompare(b))) if (where.size > 0) out[sid] = [...where].join(',');
    return out;
  }

  private serviceSummary(): Record<string, { state: string; node: string }> {
    const best = [...this.nodes.values()].map((n) => n.replica).sort((a, b) => b.epoch - a.epoch || b.version - a.version)[0];
    const out: Record<string, { state: string; node: string }> = {};
    for (const [sid, s] of Object.entries(best?.managerStatus?.serviceStatus ?? {}).sort(([a], [b]) => a.localeCompare(b))) {
      out[sid] = { state: s.state, node: s.node };
    }
    return out;
  }
}

function oneOfModels(v: string | undefined, c: SimCommand): FenceModel {
  const model = fenceModels.find((m) => m === v);
  if (model === undefined) throw new ScenarioError(`commands:${c.line}: fence-device NODE ${fenceModels.join('|')}`);
  return model;
}

/** A run that broke the invariant (or crashed), with the log up to that moment. */
export class SimulationFailure extends Error {
  constructor(override readonly cause: Error, readonly lines: LogLine[]) {
    super(cause.message);
    this.name = 'SimulationFailure';
  }
}

export function simulate(scenario: Scenario): SimOutcome {
  // Driver scripts count down as failures happen: each run gets its own copy.
  const sim = new Simulator(structuredClone(scenario));
  try {
    return sim.run();
  } catch (err) {
    if (err instanceof ScenarioError) throw err;
    throw new SimulationFailure(err instanceof Error ? err : new Error(String(err)), sim.lines);
  }
}
