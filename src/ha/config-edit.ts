/**
 * Declarative edits of the HA config, as operators make them. An edit is parsed from untyped
 * input (the operator socket, the store's wire) and applied to the config current at its place
 * in the agreed order: `applyConfigEdit` is deterministic, so every member computes the same
 * result and concurrent edits from different nodes (or the manager's) are all kept.
 */
import { count, fail, fields, flag, list, oneOf, optional, record, text } from './shape';
import type { GroupConfig, HaConfig, HaRule, HaSettings, RequestedState, ResourceConfig, ResourceNeeds, ShutdownPolicy } from './types';
import { prototypeKeys } from '../util/strict-json';

/** Resource types with a driver; a sid is `type:id`. */
export const resourceTypes = ['lab', 'vm', 'systemd'] as const;
export const requestedStates: readonly RequestedState[] = ['started', 'stopped', 'disabled', 'ignored'];
export const shutdownPolicies: readonly ShutdownPolicy[] = ['conditional', 'freeze', 'failover', 'migrate'];

/** `@` for systemd template instances (`systemd:app@1.service`); each driver checks its own ids further. */
const sidPattern = new RegExp(`^(${resourceTypes.join('|')}):[A-Za-z0-9][A-Za-z0-9_.@-]{0,63}$`);
const idPattern = /^[A-Za-z][A-Za-z0-9_.-]{0,63}$/;
const paramKeyPattern = /^[A-Za-z][A-Za-z0-9_.-]{0,63}$/;

export interface ResourceChanges {
  node?: string;
  state?: RequestedState;
  /** null takes the resource out of its group. */
  group?: string | null;
  failback?: boolean;
  maxRestart?: number;
  maxRelocate?: number;
  /** Merged into the driver parameters; null removes a key. */
  params?: Record<string, string | null>;
  /** Static needs for placement; null removes them (the resource then counts as taking nothing). */
  needs?: ResourceNeeds | null;
}

export type ConfigEdit =
  | { op: 'add-resource'; sid: string; resource: ResourceConfig }
  | { op: 'remove-resource'; sid: string }
  | { op: 'set-resource'; sid: string; changes: ResourceChanges }
  | { op: 'add-group'; id: string; group: GroupConfig }
  | { op: 'remove-group'; id: string }
  | { op: 'add-rule'; rule: HaRule }
  | { op: 'remove-rule'; id: string }
  /** Cluster-wide settings; the daemons read them every round, so a change needs no restart. */
  | { op: 'set-settings'; settings: Partial<HaSettings> };

export function parseSid(value: unknown, what = 'sid'): string {
  return text(value, what, sidPattern, `write TYPE:ID with TYPE one of ${resourceTypes.join(', ')}`);
}

/** Ids and node names become keys of the HA config: a prototype name there would shadow or hit Object's. */
function notPrototypeName(name: string, what: string): string {
  if (prototypeKeys.has(name)) fail(`${what} ${JSON.stringify(name)} is a prototype name, not a valid one`);
  return name;
}

export function parseId(value: unknown, what: string): string {
  return notPrototypeName(text(value, what, idPattern, 'a letter, then letters, digits, _ . or -'), what);
}

export function parseNodeName(value: unknown, what = 'node'): string {
  return notPrototypeName(text(value, what, /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/), what);
}
const paramValue = (v: unknown, what: string): string => text(v, what);
const priorities = (v: unknown, what: string): Record<string, number> => {
  const nodes = record(v, what, count);
  for (const n of Object.keys(nodes)) parseNodeName(n, `${what} node`);
  if (Object.keys(nodes).length === 0) fail(`${what} must name at least one node`);
  return nodes;
};

function parseParams<T>(v: unknown, what: string, value: (v: unknown, what: string) => T): Record<string, T> {
  const params = record(v, what, value);
  for (const k of Object.keys(params)) notPrototypeName(text(k, `${what} key`, paramKeyPattern), `${what} key`);
  return params;
}

export function parseResource(value: unknown, what = 'resource'): ResourceConfig {
  const f = fields(value, what);
  const resource: ResourceConfig = {
    node: parseNodeName(f.node, `${what}.node`),
    state: oneOf(f.state, requestedStates, `${what}.state`),
    failback: flag(f.failback, `${what}.failback`),
    maxRestart: count(f.maxRestart, `${what}.maxRestart`),
    maxRelocate: count(f.maxRelocate, `${what}.maxRelocate`),
  };
  const group = optional(f.group, `${what}.group`, parseId);
  if (group !== undefined) resource.group = group;
  const params = optional(f.params, `${what}.params`, (v, w) => parseParams(v, w, paramValue));
  if (params !== undefined) resource.params = params;
  const needs = optional(f.needs, `${what}.needs`, parseNeeds);
  if (needs !== undefined) resource.needs = needs;
  return resource;
}

/** A resource's static needs for placement: cores and memory MiB, both at least 1. */
function parseNeeds(value: unknown, what: string): ResourceNeeds {
  const f = fields(value, what);
  const needs = { cores: count(f.cores, `${what}.cores`), memoryMiB: count(f.memoryMiB, `${what}.memoryMiB`) };
  if (needs.cores < 1 || needs.memoryMiB < 1) fail(`${what}: cores and memoryMiB must be at least 1`);
  return needs;
}

function parseChanges(value: unknown): ResourceChanges {
  const f = fields(value, 'changes');
  const changes: ResourceChanges = {};
  if (f.node !== undefined) changes.node = parseNodeName(f.node, 'node');
  if (f.state !== undefined) changes.state = oneOf(f.state, requestedStates, 'state');
  if (f.group !== undefined) changes.group = f.group === null ? null : parseId(f.group, 'group');
  if (f.failback !== undefined) changes.failback = flag(f.failback, 'failback');
  if (f.maxRestart !== undefined) changes.maxRestart = count(f.maxRestart, 'maxRestart');
  if (f.maxRelocate !== undefined) changes.maxRelocate = count(f.maxRelocate, 'maxRelocate');
  if (f.params !== undefined) changes.params = parseParams(f.params, 'params', (v, w) => (v === null ? null : paramValue(v, w)));
  if (f.needs !== undefined) changes.needs = f.needs === null ? null : parseNeeds(f.needs, 'needs');
  if (Object.keys(changes).length === 0) fail('changes must set at least one of node, state, group, failback, maxRestart, maxRelocate, params, needs');
  return changes;
}

export function parseGroup(value: unknown, what = 'group'): GroupConfig {
  const f = fields(value, what);
  return { nodes: priorities(f.nodes, `${what}.nodes`), restricted: flag(f.restricted, `${what}.restricted`), nofailback: flag(f.nofailback, `${what}.nofailback`) };
}

export function parseRule(value: unknown, what = 'rule'): HaRule {
  const f = fields(value, what);
  const id = parseId(f.id, `${what}.id`);
  const resources = list(f.resources, `${what}.resources`, parseSid);
  if (resources.length === 0) fail(`${what}.resources must name at least one resource`);
  if (f.type === 'node-affinity') {
    return { type: 'node-affinity', id, resources, nodes: priorities(f.nodes, `${what}.nodes`), strict: flag(f.strict, `${what}.strict`) };
  }
  if (f.type === 'resource-affinity') {
    if (new Set(resources).size < 2) fail(`${what}.resources: a resource-affinity rule needs at least two different resources`);
    return { type: 'resource-affinity', id, resources, affinity: oneOf(f.affinity, ['together', 'apart'] as const, `${what}.affinity`) };
  }
  return fail(`${what}.type must be node-affinity or resource-affinity, not ${JSON.stringify(f.type)}`);
}

function parseSettings(value: unknown): Partial<HaSettings> {
  const f = fields(value, 'settings');
  const unknown = Object.keys(f).filter((k) => k !== 'shutdownPolicy');
  if (unknown.length > 0) fail(`settings: unknown setting ${unknown.map((k) => JSON.stringify(k)).join(', ')} (known: shutdownPolicy)`);
  if (f.shutdownPolicy === undefined) fail('settings must set shutdownPolicy');
  return { shutdownPolicy: oneOf(f.shutdownPolicy, shutdownPolicies, 'shutdown policy') };
}

export function parseConfigEdit(value: unknown): ConfigEdit {
  const f = fields(value, 'config edit');
  switch (f.op) {
    case 'add-resource': return { op: f.op, sid: parseSid(f.sid), resource: parseResource(f.resource) };
    case 'remove-resource': return { op: f.op, sid: parseSid(f.sid) };
    case 'set-resource': return { op: f.op, sid: parseSid(f.sid), changes: parseChanges(f.changes) };
    case 'add-group': return { op: f.op, id: parseId(f.id, 'group id'), group: parseGroup(f.group) };
    case 'remove-group': return { op: f.op, id: parseId(f.id, 'group id') };
    case 'add-rule': return { op: f.op, rule: parseRule(f.rule) };
    case 'remove-rule': return { op: f.op, id: parseId(f.id, 'rule id') };
    case 'set-settings': return { op: f.op, settings: parseSettings(f.settings) };
    default: return fail(`config edit op must be one of add-resource, remove-resource, set-resource, add-group, remove-group, add-rule, remove-rule, set-settings, not ${JSON.stringify(f.op)}`);
  }
}

/** Every node name an edit mentions, for the check against the cluster's nodes. */
export function nodesNamed(edit: ConfigEdit): string[] {
  switch (edit.op) {
    case 'add-resource': return [edit.resource.node];
    case 'set-resource': return edit.changes.node === undefined ? [] : [edit.changes.node];
    case 'add-group': return Object.keys(edit.group.nodes);
    case 'add-rule': return edit.rule.type === 'node-affinity' ? Object.keys(edit.rule.nodes) : [];
    default: return [];
  }
}

function requireResource(config: HaConfig, sid: string): ResourceConfig {
  const resource = config.resources[sid];
  if (resource === undefined) fail(`no resource ${sid}`);
  return resource;
}

function requireGroup(config: HaConfig, id: string | undefined | null): void {
  if (id !== undefined && id !== null && config.groups[id] === undefined) fail(`no group ${id}`);
}

function mergeParams(current: Record<string, string> | undefined, changes: Record<string, string | null>): Record<string, string> {
  const next = { ...current };
  for (const [k, v] of Object.entries(changes)) {
    if (v === null) delete next[k];
    else next[k] = v;
  }
  return next;
}

/** A resource with `changes` applied (params merged, group null removed). */
export function changedResource(resource: ResourceConfig, changes: ResourceChanges): ResourceConfig {
  const { params, group, needs, ...plain } = changes;
  const next: ResourceConfig = { ...resource, ...plain };
  if (group === null) delete next.group;
  else if (group !== undefined) next.group = group;
  if (needs === null) delete next.needs;
  else if (needs !== undefined) next.needs = needs;
  if (params !== undefined) next.params = mergeParams(resource.params, params);
  return next;
}

/** Drops a removed resource from the rules; rules left without enough resources go too. */
function rulesWithout(rules: HaRule[], sid: string): HaRule[] {
  return rules
    .map((r) => ({ ...r, resources: r.resources.filter((s) => s !== sid) }))
    .filter((r) => r.resources.length >= (r.type === 'resource-affinity' ? 2 : 1));
}

function addRule(config: HaConfig, rule: HaRule): HaRule[] {
  if (config.rules.some((r) => r.id === rule.id)) fail(`rule ${rule.id} already exists`);
  const unknown = rule.resources.filter((sid) => config.resources[sid] === undefined);
  if (unknown.length > 0) fail(`rule ${rule.id} names unknown resources: ${unknown.join(', ')}`);
  if (rule.type === 'node-affinity') {
    for (const other of config.rules) {
      const shared = other.type === 'node-affinity' ? rule.resources.filter((s) => other.resources.includes(s)) : [];
      if (shared.length > 0) fail(`${shared.join(', ')} already in node-affinity rule ${other.id}`);
    }
  }
  return [...config.rules, rule];
}

/** The config after `edit`; throws an InputError naming the problem when it does not apply. */
export function applyConfigEdit(config: HaConfig, edit: ConfigEdit): HaConfig {
  switch (edit.op) {
    case 'add-resource':
      if (config.resources[edit.sid] !== undefined) fail(`resource ${edit.sid} already exists`);
      requireGroup(config, edit.resource.group);
      return { ...config, resources: { ...config.resources, [edit.sid]: edit.resource } };
    case 'remove-resource': {
      requireResource(config, edit.sid);
      const { [edit.sid]: _removed, ...resources } = config.resources;
      return { ...config, resources, rules: rulesWithout(config.rules, edit.sid) };
    }
    case 'set-resource': {
      const resource = requireResource(config, edit.sid);
      requireGroup(config, edit.changes.group);
      return { ...config, resources: { ...config.resources, [edit.sid]: changedResource(resource, edit.changes) } };
    }
    case 'add-group':
      if (config.groups[edit.id] !== undefined) fail(`group ${edit.id} already exists`);
      return { ...config, groups: { ...config.groups, [edit.id]: edit.group } };
    case 'remove-group': {
      requireGroup(config, edit.id);
      const members = Object.entries(config.resources).filter(([, r]) => r.group === edit.id).map(([sid]) => sid);
      if (members.length > 0) fail(`group ${edit.id} is in use by ${members.join(', ')}; take them out first (resource set SID --no-group)`);
      const { [edit.id]: _removed, ...groups } = config.groups;
      return { ...config, groups };
    }
    case 'add-rule':
      return { ...config, rules: addRule(config, edit.rule) };
    case 'remove-rule':
      if (!config.rules.some((r) => r.id === edit.id)) fail(`no rule ${edit.id}`);
      return { ...config, rules: config.rules.filter((r) => r.id !== edit.id) };
    case 'set-settings':
      return { ...config, settings: { ...config.settings, ...edit.settings } };
  }
}
