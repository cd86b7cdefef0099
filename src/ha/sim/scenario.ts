/**
 * Scenario format: a directory with `README` (one line: what it shows), `config.json` (cluster,
 * resources, rules, scripted driver failures, timings), `commands` (one timed hardware or
 * operator event per line) and `log.expect` (the golden log). Parsing errors name file and line.
 */
import { fenceModels, type FenceModel } from './fence-models';
import fs from 'node:fs';
import path from 'node:path';
import { parseStrictJson } from '../../util/strict-json';
import { mergeTimings, type HaTimings } from '../timings';
import type { NodeCapacity } from '../types';
import {
  defaultResource, type GroupConfig, type HaRule, type RequestedState, type ResourceConfig, type ShutdownPolicy,
} from '../types';

export interface DriverScript {
  /** Failures left for start / stop / migrate, counted down as they happen. */
  failStart: number;
  failStop: number;
  failMigrate: number;
  /** Failures happen only on this node, when set. */
  onlyOn?: string;
}

export interface ScenarioConfig {
  nodes: string[];
  arbiter: boolean;
  timings: HaTimings;
  shutdownPolicy: ShutdownPolicy;
  resources: Record<string, ResourceConfig>;
  groups: Record<string, GroupConfig>;
  rules: HaRule[];
  drivers: Record<string, DriverScript>;
  /** node → capacity its LRM publishes (placement by static load); absent: none published. */
  capacities: Record<string, NodeCapacity>;
  /** Nodes powered off at the start. */
  poweredOff: string[];
  /** sid → node it already runs on at the start. */
  running: Record<string, string>;
  /** How long corosync takes to notice a membership change. */
  detectMs: number;
  /** How long a cut-off node really keeps believing it is quorate (with an arbiter). */
  staleMs: number;
  /** A reset node is back this long after the watchdog fired. */
  rebootMs: number;
  /** Run this long after the last command unless an `end` command says otherwise. */
  settleMs: number;
  /** Allow timings that fail the safety bound (to show what the bound prevents). */
  unsafe: boolean;
  /** node → its fence device (fence-models.ts); nodes without one are fenced by the lease alone. */
  fenceDevices: Record<string, FenceModel>;
  /** After a recorded proof: power the node on again (reboot) or leave it off. */
  afterFence: 'reboot' | 'off';
}

export interface SimCommand {
  /** ms since the start. */
  at: number;
  line: number;
  words: string[];
}

export interface Scenario {
  name: string;
  description: string;
  config: ScenarioConfig;
  commands: SimCommand[];
  expected: string[] | null;
}

export class ScenarioError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ScenarioError';
  }
}

type Json = Record<string, unknown>;

function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function str(v: unknown, what: string): string {
  if (typeof v !== 'string' || v === '') throw new ScenarioError(`${what} must be a non-empty string`);
  return v;
}

function int(v: unknown, what: string, fallback: number): number {
  if (v === undefined) return fallback;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) throw new ScenarioError(`${what} must be a non-negative integer`);
  return v;
}

function bool(v: unknown, what: string, fallback: boolean): boolean {
  if (v === undefined) return fallback;
  if (typeof v !== 'boolean') throw new ScenarioError(`${what} must be true or false`);
  return v;
}

function oneOf<T extends string>(v: unknown, allowed: readonly T[], what: string, fallback: T): T {
  if (v === undefined) return fallback;
  if (typeof v !== 'string' || !(allowed as readonly string[]).includes(v)) {
    throw new ScenarioError(`${what} must be one of ${allowed.join(', ')}, got ${JSON.stringify(v)}`);
  }
  return v as T;
}

const sidPattern = /^(vm|ct):\d+$/;
export const requestedStates: readonly RequestedState[] = ['started', 'stopped', 'disabled', 'ignored'];

function checkKeys(obj: Json, allowed: string[], what: string): void {
  const unknown = Object.keys(obj).filter((k) => !allowed.includes(k));
  if (unknown.length > 0) throw new ScenarioError(`${what}: unknown key(s) ${unknown.join(', ')}`);
}

function priorities(v: unknown, nodes: string[], what: string): Record<string, number> {
  if (!isObject(v)) throw new ScenarioError(`${what} must map node names to priorities`);
  for (const [node, prio] of Object.entries(v)) {
    if (!nodes.includes(node)) throw new ScenarioError(`${what}: unknown node '${node}'`);
    int(prio, `${what}.${node}`, 0);
  }
  return v as Record<string, number>;
}

export function parseResource(sid: string, v: unknown, nodes: string[]): ResourceConfig {
  if (!sidPattern.test(sid)) throw new ScenarioError(`resource id '${sid}' must look like vm:101 or ct:201`);
  if (!isObject(v)) throw new ScenarioError(`resource '${sid}' must be an object`);
  checkKeys(v, ['node', 'state', 'group', 'failback', 'maxRestart', 'maxRelocate', 'needs'], `resource '${sid}'`);
  const node = str(v.node, `resource '${sid}'.node`);
  if (!nodes.includes(node)) throw new ScenarioError(`resource '${sid}': unknown node '${node}'`);
  const base = defaultResource(node);
  const res: ResourceConfig = {
    node,
    state: oneOf(v.state, requestedStates, `resource '${sid}'.state`, base.state),
    failback: bool(v.failback, `resource '${sid}'.failback`, base.failback),
    maxRestart: int(v.maxRestart, `resource '${sid}'.maxRestart`, base.maxRestart),
    maxRelocate: int(v.maxRelocate, `resource '${sid}'.maxRelocate`, base.maxRelocate),
  };
  if (v.group !== undefined) res.group = str(v.group, `resource '${sid}'.group`);
  if (v.needs !== undefined) res.needs = coresAndMemory(v.needs, `resource '${sid}'.needs`);
  return res;
}

/** { cores, memoryMiB }, both positive whole numbers: a resource's needs or a node's capacity. */
function coresAndMemory(v: unknown, what: string): { cores: number; memoryMiB: number } {
  if (!isObject(v)) throw new ScenarioError(`${what} must be an object { cores, memoryMiB }`);
  checkKeys(v, ['cores', 'memoryMiB'], what);
  const cores = int(v.cores, `${what}.cores`, 0);
  const memoryMiB = int(v.memoryMiB, `${what}.memoryMiB`, 0);
  if (cores < 1 || memoryMiB < 1) throw new ScenarioError(`${what}: cores and memoryMiB must be at least 1`);
  return { cores, memoryMiB };
}

function parseRule(v: unknown, nodes: string[], index: number): HaRule {
  const what = `rules[${index}]`;
  if (!isObject(v)) throw new ScenarioError(`${what} must be an object`);
  const id = str(v.id, `${what}.id`);
  if (!Array.isArray(v.resources) || v.resources.length === 0) throw new ScenarioError(`rule '${id}': resources must be a non-empty list`);
  const resources = v.resources.map((r, i) => str(r, `rule '${id}'.resources[${i}]`));
  if (v.type === 'node-affinity') {
    checkKeys(v, ['type', 'id', 'resources', 'nodes', 'strict'], `rule '${id}'`);
    return { type: 'node-affinity', id, resources, nodes: priorities(v.nodes, nodes, `rule '${id}'.nodes`), strict: bool(v.strict, `rule '${id}'.strict`, false) };
  }
  if (v.type === 'resource-affinity') {
    checkKeys(v, ['type', 'id', 'resources', 'affinity'], `rule '${id}'`);
    return { type: 'resource-affinity', id, resources, affinity: oneOf(v.affinity, ['together', 'apart'] as const, `rule '${id}'.affinity`, 'together') };
  }
  throw new ScenarioError(`rule '${id}': type must be node-affinity or resource-affinity`);
}

export function parseConfig(raw: unknown): ScenarioConfig {
  if (!isObject(raw)) throw new ScenarioError('config must be a JSON object');
  checkKeys(raw, ['nodes', 'arbiter', 'timings', 'shutdownPolicy', 'resources', 'groups', 'rules', 'drivers', 'poweredOff',
    'running', 'detectMs', 'staleMs', 'rebootMs', 'settleMs', 'unsafe', 'capacities', 'fenceDevices', 'afterFence'], 'config');
  if (!Array.isArray(raw.nodes) || raw.nodes.length < 1) throw new ScenarioError('config.nodes must list at least one node');
  const nodes = raw.nodes.map((n, i) => str(n, `config.nodes[${i}]`));
  if (new Set(nodes).size !== nodes.length) throw new ScenarioError('config.nodes lists a node twice');
  let timings: HaTimings;
  try {
    timings = mergeTimings(isObject(raw.timings) ? raw.timings : {});
  } catch (err) {
    throw new ScenarioError(`config.timings: ${(err as Error).message}`);
  }
  const resources: Record<string, ResourceConfig> = {};
  for (const [sid, v] of Object.entries(isObject(raw.resources) ? raw.resources : {})) resources[sid] = parseResource(sid, v, nodes);
  const groups: Record<string, GroupConfig> = {};
  for (const [id, v] of Object.entries(isObject(raw.groups) ? raw.groups : {})) {
    if (!isObject(v)) throw new ScenarioError(`group '${id}' must be an object`);
    checkKeys(v, ['nodes', 'restricted', 'nofailback'], `group '${id}'`);
    groups[id] = {
      nodes: priorities(v.nodes, nodes, `group '${id}'.nodes`),
      restricted: bool(v.restricted, `group '${id}'.restricted`, false),
      nofailback: bool(v.nofailback, `group '${id}'.nofailback`, false),
    };
  }
  const rules = (Array.isArray(raw.rules) ? raw.rules : []).map((r, i) => parseRule(r, nodes, i));
  const drivers: Record<string, DriverScript> = {};
  for (const [sid, v] of Object.entries(isObject(raw.drivers) ? raw.drivers : {})) {
    if (!isObject(v)) throw new ScenarioError(`drivers['${sid}'] must be an object`);
    checkKeys(v, ['failStart', 'failStop', 'failMigrate', 'onlyOn'], `drivers['${sid}']`);
    drivers[sid] = {
      failStart: int(v.failStart, `drivers['${sid}'].failStart`, 0),
      failStop: int(v.failStop, `drivers['${sid}'].failStop`, 0),
      failMigrate: int(v.failMigrate, `drivers['${sid}'].failMigrate`, 0),
    };
    if (v.onlyOn !== undefined) drivers[sid]!.onlyOn = str(v.onlyOn, `drivers['${sid}'].onlyOn`);
  }
  const capacities: Record<string, NodeCapacity> = {};
  for (const [node, v] of Object.entries(isObject(raw.capacities) ? raw.capacities : {})) {
    if (!nodes.includes(node)) throw new ScenarioError(`config.capacities: unknown node '${node}'`);
    capacities[node] = coresAndMemory(v, `config.capacities.${node}`);
  }
  const poweredOff = (Array.isArray(raw.poweredOff) ? raw.poweredOff : []).map((n, i) => str(n, `config.poweredOff[${i}]`));
  const running: Record<string, string> = {};
  for (const [sid, node] of Object.entries(isObject(raw.running) ? raw.running : {})) running[sid] = str(node, `config.running['${sid}']`);
  const unsafe = bool(raw.unsafe, 'config.unsafe', false);
  const fenceDevices: Record<string, FenceModel> = {};
  for (const [node, model] of Object.entries(isObject(raw.fenceDevices) ? raw.fenceDevices : {})) {
    if (!nodes.includes(node)) throw new ScenarioError(`config.fenceDevices: '${node}' is not a node`);
    fenceDevices[node] = oneOf(model, fenceModels, `config.fenceDevices['${node}']`, 'working');
  }
  const detectMs = int(raw.detectMs, 'config.detectMs', 2000);
  const staleMs = int(raw.staleMs, 'config.staleMs', 5000);
  // What the timings promise about the cluster (the HA core relies on it, fence-in-sight.ts too):
  // a cut-off node believes it is quorate, and membership takes to notice, at most Q_stale.
  for (const [what, ms] of [['detectMs', detectMs], ['staleMs', staleMs]] as const) {
    if (!unsafe && ms > timings.quorumStaleMs) throw new ScenarioError(`config.${what} ${ms} exceeds the timings' quorumStaleMs ${timings.quorumStaleMs} (set unsafe to mean it)`);
  }
  return {
    nodes, arbiter: bool(raw.arbiter, 'config.arbiter', false), timings,
    shutdownPolicy: oneOf(raw.shutdownPolicy, ['conditional', 'freeze', 'failover', 'migrate'] as const, 'config.shutdownPolicy', 'conditional'),
    resources, groups, rules, drivers, capacities, poweredOff, running,
    detectMs,
    staleMs,
    rebootMs: int(raw.rebootMs, 'config.rebootMs', 20000),
    settleMs: int(raw.settleMs, 'config.settleMs', 60000),
    unsafe,
    fenceDevices,
    afterFence: oneOf(raw.afterFence, ['reboot', 'off'] as const, 'config.afterFence', 'reboot'),
  };
}

/** Verbs and their argument counts; the simulator checks the arguments themselves. */
const verbs: Record<string, [number, number]> = {
  power: [2, 2], net: [2, 2], link: [3, 3], arbiter: [1, 1], reboot: [1, 1], shutdown: [1, 1], service: [2, 4],
  driver: [3, 4], 'fence-device': [2, 2], maintenance: [2, 2], disarm: [1, 1], arm: [0, 0], node: [2, 2], end: [0, 0],
};

export function parseCommands(text: string, file = 'commands'): SimCommand[] {
  const commands: SimCommand[] = [];
  text.split('\n').forEach((raw, i) => {
    const line = raw.replace(/#.*/, '').trim();
    if (line === '') return;
    const [time, verb, ...args] = line.split(/\s+/);
    const seconds = Number(time);
    if (!Number.isFinite(seconds) || seconds < 0) throw new ScenarioError(`${file}:${i + 1}: '${time}' is not a time in seconds`);
    const arity = verb === undefined ? undefined : verbs[verb];
    if (arity === undefined) throw new ScenarioError(`${file}:${i + 1}: unknown verb '${verb ?? ''}' (known: ${Object.keys(verbs).join(', ')})`);
    if (args.length < arity[0] || args.length > arity[1]) throw new ScenarioError(`${file}:${i + 1}: '${verb}' takes ${arity[0]}-${arity[1]} arguments`);
    const at = Math.round(seconds * 1000);
    const last = commands[commands.length - 1];
    if (last !== undefined && at < last.at) throw new ScenarioError(`${file}:${i + 1}: times must not go backwards`);
    commands.push({ at, line: i + 1, words: [verb!, ...args] });
  });
  return commands;
}

/** Every scenario directory (one holding a config.json) under `root`, sorted. */
export function findScenarios(root: string): string[] {
  const found: string[] = [];
  const walk = (dir: string) => {
    if (fs.existsSync(path.join(dir, 'config.json'))) found.push(dir);
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) if (entry.isDirectory()) walk(path.join(dir, entry.name));
  };
  walk(root);
  return found.sort();
}

export function loadScenario(dir: string): Scenario {
  const read = (name: string): string | null => {
    const file = path.join(dir, name);
    return fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : null;
  };
  const configText = read('config.json');
  if (configText === null) throw new ScenarioError(`${dir}: no config.json (is this a scenario directory?)`);
  let raw: unknown;
  try {
    raw = parseStrictJson(configText);
  } catch (err) {
    throw new ScenarioError(`${dir}/config.json: ${(err as Error).message}`);
  }
  let config: ScenarioConfig;
  try {
    config = parseConfig(raw);
  } catch (err) {
    throw new ScenarioError(`${dir}/config.json: ${(err as Error).message}`);
  }
  const expected = read('log.expect');
  return {
    name: path.basename(dir),
    description: (read('README') ?? '').trim(),
    config,
    commands: parseCommands(read('commands') ?? '', `${dir}/commands`),
    expected: expected === null ? null : expected.replace(/\n$/, '').split('\n'),
  };
}
