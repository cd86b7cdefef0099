/**
 * The operator verbs of the HA daemon: resources, groups, rules, node maintenance, disarm/arm.
 * Each talks to the daemon on this node over its root-only socket; arguments are checked here
 * first (usage errors need no daemon) and again by the daemon against the cluster.
 */
import { readFileSync } from 'node:fs';
import { Command, InvalidArgumentError } from 'commander';
import { parseConfigEdit, requestedStates, shutdownPolicies, type ConfigEdit, type ResourceChanges } from '../ha/config-edit';
import { prototypeKeys } from '../util/strict-json';
import { parseCrmCommand } from '../ha/command-parse';
import { InputError } from '../ha/shape';
import type { CrmCommand, GroupConfig, HaRule, HaSettings, RequestedState, ResourceNeeds, ShutdownPolicy } from '../ha/types';
import { needsFromDomainXml } from '../daemon/resources/domain-needs';
import {
  DaemonUnavailableError, defaultOperatorSocket, OperatorRequestError, readDaemonStatus, sendCommand, sendConfigEdit,
  type OperatorClientOptions,
} from '../daemon/operator/client';
import type { DaemonStatus } from '../daemon/operator/backend';
import { CliError, exitCodes } from './errors';
import { renderGroups, renderResources, renderRules } from './ha-render';
import { printResult, type OutputOptions } from './output';

interface SocketOptions extends OutputOptions {
  socket: string;
}

/** Daemon failures as CLI errors with the exit codes scripts rely on (docs/operating.md, exit codes). */
export function operatorCliError(err: unknown): unknown {
  if (err instanceof DaemonUnavailableError) return new CliError(err.message, exitCodes.unavailable);
  if (err instanceof InputError) return new CliError(err.message, exitCodes.usage);
  if (err instanceof OperatorRequestError) {
    const code = err.code === 'invalid' ? exitCodes.usage : err.code === 'refused' ? exitCodes.refused : exitCodes.failure;
    return new CliError(err.message, code);
  }
  return err;
}

async function talk<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (err) {
    throw operatorCliError(err);
  }
}

const client = (o: SocketOptions): OperatorClientOptions => ({ socketPath: o.socket });

/** Where the CLI finds the daemon: --socket, else $QUORATE_SOCKET, else the default path. */
export const operatorSocketDefault = (): string => process.env.QUORATE_SOCKET ?? defaultOperatorSocket;

/** Adds --socket and --json to a verb. */
function verb(parent: Command, name: string, description: string): Command {
  return parent.command(name).description(description)
    .option('--socket <path>', 'operator socket of the daemon', operatorSocketDefault())
    .option('--json', 'print JSON');
}

const wholeNumber = (value: string): number => {
  if (!/^\d+$/.test(value)) throw new InvalidArgumentError(`'${value}' is not a whole number >= 0`);
  return Number(value);
};

/** `--param KEY=VALUE` and `--unset-param KEY`, checked as they are parsed so a bad one is a usage error. */
function driverParamKey(key: string, option: string): string {
  if (prototypeKeys.has(key)) throw new InvalidArgumentError(`${option} ${key}: unknown key (a prototype key is never a driver parameter)`);
  return key;
}
const collectParam = (pair: string, previous: string[] = []): string[] => {
  const eq = pair.indexOf('=');
  if (eq <= 0) throw new InvalidArgumentError(`--param '${pair}' must be KEY=VALUE`);
  driverParamKey(pair.slice(0, eq), '--param');
  return [...previous, pair];
};
const collectUnsetParam = (key: string, previous: string[] = []): string[] => [...previous, driverParamKey(key, '--unset-param')];

function keyValues(pairs: string[]): Record<string, string> {
  return Object.fromEntries(pairs.map((pair) => [pair.slice(0, pair.indexOf('=')), pair.slice(pair.indexOf('=') + 1)]));
}

/** `--domain-xml FILE`: the VM's libvirt definition goes into the cluster's config as driver parameter domainXml. */
function domainXmlParam(file: string | undefined, sid: string): Record<string, string> {
  if (file === undefined) return {};
  if (!sid.startsWith('vm:')) throw new CliError(`--domain-xml is for vm: resources, not ${sid}`, exitCodes.usage);
  try {
    return { domainXml: readFileSync(file, 'utf8') };
  } catch (err) {
    throw new CliError(`--domain-xml ${file}: ${(err as Error).message}`, exitCodes.usage);
  }
}

/**
 * `--cores N --memory MIB` (both or neither), else for a VM given `--domain-xml` what its domain
 * asks for (<vcpu>, <memory>): the resource's static needs for placement by load.
 */
function needsOption(o: { cores?: number; memory?: number }, domainXml: Record<string, string>): ResourceNeeds | undefined {
  if ((o.cores === undefined) !== (o.memory === undefined)) throw new CliError('--cores and --memory go together: give both, or neither', exitCodes.usage);
  if (o.cores !== undefined && o.memory !== undefined) {
    if (o.cores < 1 || o.memory < 1) throw new CliError('--cores and --memory must be at least 1', exitCodes.usage);
    return { cores: o.cores, memoryMiB: o.memory };
  }
  const xml = domainXml.domainXml;
  if (xml === undefined) return undefined;
  try {
    return needsFromDomainXml(xml);
  } catch (err) {
    throw new CliError(`--domain-xml: ${(err as Error).message} (or give --cores and --memory)`, exitCodes.usage);
  }
}

/** `node1:2,node2` → {node1: 2, node2: 0}. */
function priorities(spec: string): Record<string, number> {
  const nodes: Record<string, number> = {};
  for (const item of spec.split(',').filter((x) => x !== '')) {
    const [node, priority] = item.split(':');
    if (node === undefined || node === '' || (priority !== undefined && !/^\d+$/.test(priority))) {
      throw new CliError(`--nodes item '${item}' must be NODE or NODE:PRIORITY`, exitCodes.usage);
    }
    nodes[node] = priority === undefined ? 0 : Number(priority);
  }
  return nodes;
}

/** Checks an edit locally (usage errors without a daemon), sends it and reports the result. */
async function edit(o: SocketOptions, raw: ConfigEdit, done: string): Promise<void> {
  const checked = await talk(async () => parseConfigEdit(raw));
  const config = await talk(() => sendConfigEdit(checked, client(o)));
  printResult(config, o, () => done);
}

async function command(o: SocketOptions, raw: CrmCommand, what: string): Promise<void> {
  const checked = await talk(async () => parseCrmCommand(raw));
  const seq = await talk(() => sendCommand(checked, client(o)));
  printResult({ seq, command: checked }, o, () => `queued command ${seq}: ${what} (the HA manager carries it out in its next round)`);
}

async function withStatus(o: SocketOptions, render: (s: DaemonStatus) => string, pick: (s: DaemonStatus) => unknown): Promise<void> {
  const status = await talk(() => readDaemonStatus(client(o)));
  printResult(pick(status), o, () => render(status));
}

interface ResourceAddOptions extends SocketOptions {
  node?: string;
  state: string;
  group?: string;
  maxRestart: number;
  maxRelocate: number;
  failback: boolean;
  param: string[];
  domainXml?: string;
  cores?: number;
  memory?: number;
}

interface ResourceSetOptions extends SocketOptions {
  node?: string;
  state?: string;
  group?: string | false;
  maxRestart?: number;
  maxRelocate?: number;
  failback?: boolean;
  param: string[];
  unsetParam: string[];
  domainXml?: string;
  cores?: number;
  memory?: number;
  /** False with --no-needs. */
  needs?: boolean;
}

function registerResourceCommands(program: Command): void {
  const resource = program.command('resource').description('HA resources (services the cluster keeps running): add, change, move, list');
  verb(resource, 'add', 'add an HA resource; SID is TYPE:ID, e.g. vm:100 or lab:web').argument('<sid>')
    .option('--node <node>', 'the node it runs on (default: this node)')
    .option('--state <state>', `requested state: ${requestedStates.join(', ')}`, 'started')
    .option('--group <group>', 'legacy group (node priorities)')
    .option('--max-restart <n>', 'local restarts after a failed start', wholeNumber, 1)
    .option('--max-relocate <n>', 'relocations after failed starts', wholeNumber, 1)
    .option('--no-failback', 'stay where it is when a higher-priority node returns')
    .option('--param <key=value>', 'driver parameter (repeatable)', collectParam, [])
    .option('--domain-xml <file>', "vm: the libvirt domain XML; the cluster keeps it and creates the domain where the VM runs")
    .option('--cores <n>', 'static needs for placement by load: cores (with --memory; a vm: takes both from its domain XML)', wholeNumber)
    .option('--memory <mib>', 'static needs for placement by load: memory in MiB (with --cores)', wholeNumber)
    .action(async (sid: string, o: ResourceAddOptions) => {
      const xml = domainXmlParam(o.domainXml, sid);
      const params = { ...keyValues(o.param), ...xml };
      const needs = needsOption(o, xml);
      const node = o.node ?? (await talk(() => readDaemonStatus(client(o)))).node;
      const res = { node, state: o.state as RequestedState, failback: o.failback, maxRestart: o.maxRestart, maxRelocate: o.maxRelocate,
        ...(o.group === undefined ? {} : { group: o.group }), ...(Object.keys(params).length === 0 ? {} : { params }), ...(needs === undefined ? {} : { needs }) };
      await edit(o, { op: 'add-resource', sid, resource: res }, `added ${sid} on ${node}, requested state ${o.state}`);
    });
  verb(resource, 'set', 'change an HA resource').argument('<sid>')
    .option('--node <node>', 'node it should run on').option('--state <state>', `requested state: ${requestedStates.join(', ')}`)
    .option('--group <group>', 'legacy group').option('--no-group', 'take it out of its group')
    .option('--max-restart <n>', 'local restarts after a failed start', wholeNumber)
    .option('--max-relocate <n>', 'relocations after failed starts', wholeNumber)
    .option('--failback', 'move back to a higher-priority node').option('--no-failback', 'stay put')
    .option('--param <key=value>', 'set a driver parameter (repeatable)', collectParam, [])
    .option('--unset-param <key>', 'remove a driver parameter (repeatable)', collectUnsetParam, [])
    .option('--domain-xml <file>', 'vm: replace the libvirt domain XML (used from the next start; its needs too, unless --cores/--memory)')
    .option('--cores <n>', 'static needs for placement by load: cores (with --memory)', wholeNumber)
    .option('--memory <mib>', 'static needs for placement by load: memory in MiB (with --cores)', wholeNumber)
    .option('--no-needs', 'drop the static needs (it then counts as taking nothing)')
    .action(async (sid: string, o: ResourceSetOptions) => {
      const xml = domainXmlParam(o.domainXml, sid);
      const needs = needsOption(o, xml);
      if (o.needs === false && (needs !== undefined || o.cores !== undefined)) throw new CliError('--no-needs goes with neither --cores/--memory nor --domain-xml', exitCodes.usage);
      const changes: ResourceChanges = {
        ...(o.node === undefined ? {} : { node: o.node }), ...(o.state === undefined ? {} : { state: o.state as RequestedState }),
        ...(o.group === undefined ? {} : { group: o.group === false ? null : o.group }),
        ...(o.maxRestart === undefined ? {} : { maxRestart: o.maxRestart }), ...(o.maxRelocate === undefined ? {} : { maxRelocate: o.maxRelocate }),
        ...(o.failback === undefined ? {} : { failback: o.failback }),
        ...(needs === undefined ? {} : { needs }), ...(o.needs === false ? { needs: null } : {}),
      };
      if (o.param.length + o.unsetParam.length + Object.keys(xml).length > 0) {
        // --param wins over --unset-param of the same key: unset, then set.
        changes.params = { ...Object.fromEntries(o.unsetParam.map((k) => [k, null])), ...keyValues(o.param), ...xml };
      }
      await edit(o, { op: 'set-resource', sid, changes }, `changed ${sid}`);
    });
  verb(resource, 'remove', 'remove an HA resource (it keeps running, unmanaged)').argument('<sid>')
    .action((sid: string, o: SocketOptions) => edit(o, { op: 'remove-resource', sid }, `removed ${sid}`));
  verb(resource, 'enable', 'request the resource started').argument('<sid>')
    .action((sid: string, o: SocketOptions) => edit(o, { op: 'set-resource', sid, changes: { state: 'started' } }, `${sid} requested started`));
  verb(resource, 'disable', 'request the resource stopped and disabled').argument('<sid>')
    .action((sid: string, o: SocketOptions) => edit(o, { op: 'set-resource', sid, changes: { state: 'disabled' } }, `${sid} requested disabled`));
  for (const cmd of ['migrate', 'relocate'] as const) {
    verb(resource, cmd, cmd === 'migrate' ? 'live-migrate a resource to NODE' : 'move a resource to NODE by stop and start')
      .argument('<sid>').argument('<node>')
      .action((sid: string, target: string, o: SocketOptions) => command(o, { cmd, sid, target }, `${cmd} ${sid} to ${target}`));
  }
  verb(resource, 'list', 'HA resources with requested and current state')
    .action((o: SocketOptions) => withStatus(o, renderResources, (s) => ({
      resources: s.store.config.resources, services: s.store.managerStatus?.serviceStatus ?? {},
    })));
}

interface GroupAddOptions extends SocketOptions {
  nodes: string;
  restricted: boolean;
  nofailback: boolean;
}

function registerGroupCommands(program: Command): void {
  const group = program.command('group').description('legacy HA groups: node priorities for resources');
  verb(group, 'add', 'add a group').argument('<id>')
    .requiredOption('--nodes <list>', 'NODE[:PRIORITY],… (higher priority runs first)')
    .option('--restricted', 'resources run only on these nodes', false)
    .option('--nofailback', 'no move back to a higher-priority node', false)
    .action(async (id: string, o: GroupAddOptions) => {
      const g: GroupConfig = { nodes: priorities(o.nodes), restricted: o.restricted, nofailback: o.nofailback };
      await edit(o, { op: 'add-group', id, group: g }, `added group ${id}`);
    });
  verb(group, 'remove', 'remove a group no resource uses').argument('<id>')
    .action((id: string, o: SocketOptions) => edit(o, { op: 'remove-group', id }, `removed group ${id}`));
  verb(group, 'list', 'groups and their resources')
    .action((o: SocketOptions) => withStatus(o, (s) => renderGroups(s.store.config), (s) => s.store.config.groups));
}

interface RuleAddOptions extends SocketOptions {
  type: string;
  resources: string;
  nodes?: string;
  strict: boolean;
  affinity?: string;
}

function ruleFrom(id: string, o: RuleAddOptions): HaRule {
  const resources = o.resources.split(',').filter((x) => x !== '');
  if (o.type === 'node-affinity') {
    if (o.nodes === undefined) throw new CliError('a node-affinity rule needs --nodes', exitCodes.usage);
    return { type: 'node-affinity', id, resources, nodes: priorities(o.nodes), strict: o.strict };
  }
  if (o.type === 'resource-affinity') {
    return { type: 'resource-affinity', id, resources, affinity: o.affinity as 'together' | 'apart' };
  }
  throw new CliError(`--type must be node-affinity or resource-affinity, not '${o.type}'`, exitCodes.usage);
}

function registerRuleCommands(program: Command): void {
  const rule = program.command('rule').description('HA placement rules: node affinity, resources together or apart');
  verb(rule, 'add', 'add a rule').argument('<id>')
    .requiredOption('--type <type>', 'node-affinity or resource-affinity')
    .requiredOption('--resources <sids>', 'SID,SID,…')
    .option('--nodes <list>', 'node-affinity: NODE[:PRIORITY],…')
    .option('--strict', 'node-affinity: only these nodes', false)
    .option('--affinity <kind>', 'resource-affinity: together or apart')
    .action((id: string, o: RuleAddOptions) => edit(o, { op: 'add-rule', rule: ruleFrom(id, o) }, `added rule ${id}`));
  verb(rule, 'remove', 'remove a rule').argument('<id>')
    .action((id: string, o: SocketOptions) => edit(o, { op: 'remove-rule', id }, `removed rule ${id}`));
  verb(rule, 'list', 'rules').action((o: SocketOptions) => withStatus(o, (s) => renderRules(s.store.config), (s) => s.store.config.rules));
}

function registerArmingCommands(program: Command): void {
  const node = program.command('node').description('HA node operations');
  verb(node, 'maintenance', 'move services off NODE and keep it free (on), or take it back (off)')
    .argument('<on|off>').argument('<node>')
    .action(async (onOff: string, target: string, o: SocketOptions) => {
      if (onOff !== 'on' && onOff !== 'off') throw new CliError(`maintenance takes on or off, not '${onOff}'`, exitCodes.usage);
      const cmd = onOff === 'on' ? 'enable-node-maintenance' : 'disable-node-maintenance';
      await command(o, { cmd, node: target }, `maintenance ${onOff} for ${target}`);
    });
  verb(program, 'disarm', 'disarm HA cluster-wide: watchdogs closed, services frozen (freeze) or left unmanaged (ignore)')
    .option('--mode <mode>', 'freeze or ignore', 'freeze')
    .action((o: SocketOptions & { mode: string }) => command(o, { cmd: 'disarm-ha', mode: o.mode as 'freeze' | 'ignore' }, `disarm HA (${o.mode})`));
  verb(program, 'arm', 'arm HA again after disarm').action((o: SocketOptions) => command(o, { cmd: 'arm-ha' }, 'arm HA'));
}

function renderSettings(settings: HaSettings): string {
  return `shutdown-policy: ${settings.shutdownPolicy}`;
}

/** Cluster-wide HA settings, replicated through the store; the daemons follow a change in their next round. */
function registerSettingsCommands(program: Command): void {
  const settings = verb(program, 'settings', 'show the cluster-wide HA settings, or change one (settings shutdown-policy POLICY)')
    .action((o: SocketOptions) => withStatus(o, (s) => renderSettings(s.store.config.settings), (s) => s.store.config.settings));
  // --socket and --json belong to `settings` (they may stand anywhere on the line), so the setter reads them there.
  settings.command('shutdown-policy').description(`what a node's services do when it shuts down or reboots: ${shutdownPolicies.join(', ')}`)
    .argument('<policy>')
    .action((policy: string, _o: unknown, cmd: Command) =>
      edit(cmd.optsWithGlobals<SocketOptions>(), { op: 'set-settings', settings: { shutdownPolicy: policy as ShutdownPolicy } }, `shutdown-policy set to ${policy}`));
}

export function registerHaCommands(program: Command): void {
  registerResourceCommands(program);
  registerGroupCommands(program);
  registerRuleCommands(program);
  registerArmingCommands(program);
  registerSettingsCommands(program);
}
