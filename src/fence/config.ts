/**
 * Fence devices of the daemon config (`fencing` in quorate.json): per node one or more levels,
 * tried in order (IPMI first, a PDU next), each a Debian fence-agents agent with the options of
 * its standard stdin interface. Secrets (passwords, SNMP communities) are refused here: they live
 * in the root-only secrets file (secrets.ts), so the config may stay world-readable.
 */

export interface FenceDevice {
  /** Unique over the config: names the device in the secrets file and in messages. */
  name: string;
  /** A fence-agents program, e.g. fence_ipmilan, looked up in fencing.agentDir. */
  agent: string;
  /** key=value lines for the agent's stdin (ip, username, lanplus, plug, ...), without action and secrets. */
  options: Record<string, string>;
  /** The agent is killed after this long (its own power_timeout is 20 s). */
  timeoutMs: number;
}

export interface FencingConfig {
  /** Where the agents are installed (Debian: /usr/sbin). */
  agentDir: string;
  /** Root-only JSON: { "<device name>": { "password": "..." } }. */
  secretsFile: string;
  /** Per node name, its levels in the order they are tried. */
  nodes: Record<string, FenceDevice[]>;
  /** How often each node asks the devices it would use for their status (jittered); 0: never. */
  monitorIntervalMs: number;
  /**
   * After the HA core recorded a confirmed off: `reboot` powers the node on again so it returns
   * as a spare (the default: a booted node runs nothing until it holds its lock again), `off`
   * leaves it off for the operator.
   */
  afterFence: AfterFence;
}

export type AfterFence = 'reboot' | 'off';

export const defaultFencing: FencingConfig = { agentDir: '/usr/sbin', secretsFile: '/etc/quorate/fence-secrets.json', nodes: {}, monitorIntervalMs: 60_000, afterFence: 'reboot' };
/** The shortest monitoring interval: a status call of an unreachable BMC takes up to 20 s. */
export const minMonitorIntervalMs = 1000;
const fencingKeys = ['agentDir', 'secretsFile', 'nodes', 'monitorIntervalMs', 'afterFence'];
export const defaultAgentTimeoutMs = 30_000;

/** Agent options that are secrets: only the secrets file may set them. */
export const secretOptionKeys: ReadonlySet<string> = new Set(['password', 'passwd', 'community', 'snmp_priv_passwd']);
/** Set by quorate per call, never configured. */
const reservedOptionKeys: ReadonlySet<string> = new Set(['action', 'nodename']);

const agentPattern = /^fence_[a-z0-9_]+$/;
const devicePattern = /^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/;
const optionKeyPattern = /^[a-z][a-z0-9_]*$/;
const deviceKeys: ReadonlySet<string> = new Set(['name', 'agent', 'options', 'timeoutMs']);

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A value the agent reads as one stdin line: no line breaks, no NUL. */
export function checkOptionValue(where: string, value: unknown): string {
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (typeof value !== 'string' || /[\n\r\0]/.test(value)) throw new Error(`${where}: must be a string, number or boolean without line breaks`);
  return value;
}

export function checkOptionKey(where: string, key: string): void {
  if (!optionKeyPattern.test(key)) throw new Error(`${where}: invalid agent option name ${JSON.stringify(key)} (lowercase letters, digits, _)`);
}

function parseDevice(where: string, raw: unknown): FenceDevice {
  if (!isRecord(raw)) throw new Error(`${where}: must be an object { name, agent, options, timeoutMs }`);
  for (const key of Object.keys(raw)) if (!deviceKeys.has(key)) throw new Error(`${where}.${key}: unknown key (expected name, agent, options, timeoutMs)`);
  const { name, agent, options = {}, timeoutMs = defaultAgentTimeoutMs } = raw;
  if (typeof name !== 'string' || !devicePattern.test(name)) throw new Error(`${where}.name: must be a device name (letters, digits, . _ -)`);
  if (typeof agent !== 'string' || !agentPattern.test(agent)) throw new Error(`${where}.agent: must name a fence-agents program such as fence_ipmilan`);
  if (!isRecord(options)) throw new Error(`${where}.options: must be an object of agent options`);
  if (typeof timeoutMs !== 'number' || !Number.isInteger(timeoutMs) || timeoutMs <= 0) throw new Error(`${where}.timeoutMs: must be a positive integer (ms)`);
  const checked: Record<string, string> = {};
  for (const [key, value] of Object.entries(options)) {
    const at = `${where}.options.${key}`;
    checkOptionKey(at, key);
    if (secretOptionKeys.has(key)) throw new Error(`${at}: a secret does not belong in the config: put it in the root-only secrets file under "${name}"`);
    if (reservedOptionKeys.has(key)) throw new Error(`${at}: set by quorate for each call, not configurable`);
    checked[key] = checkOptionValue(at, value);
  }
  return { name, agent, options: checked, timeoutMs };
}

function absolute(where: string, value: unknown): string {
  if (typeof value !== 'string' || !value.startsWith('/')) throw new Error(`${where}: must be an absolute path`);
  return value;
}

/** Checks the `fencing` section; every error names the key, e.g. `nodes.node1[0].agent`. */
export function parseFencing(raw: unknown): FencingConfig {
  if (!isRecord(raw)) throw new Error(`must be an object { ${fencingKeys.join(', ')} }`);
  for (const key of Object.keys(raw)) if (!fencingKeys.includes(key)) throw new Error(`${key}: unknown key (expected ${fencingKeys.join(', ')})`);
  const { agentDir = defaultFencing.agentDir, secretsFile = defaultFencing.secretsFile, nodes = {}, monitorIntervalMs = defaultFencing.monitorIntervalMs, afterFence = defaultFencing.afterFence } = raw;
  if (typeof monitorIntervalMs !== 'number' || !Number.isInteger(monitorIntervalMs) || (monitorIntervalMs !== 0 && monitorIntervalMs < minMonitorIntervalMs)) {
    throw new Error(`monitorIntervalMs: must be 0 (no monitoring) or a whole number of ms ≥ ${minMonitorIntervalMs}`);
  }
  if (afterFence !== 'reboot' && afterFence !== 'off') throw new Error(`afterFence: must be "reboot" or "off", got ${JSON.stringify(afterFence)}`);
  if (!isRecord(nodes)) throw new Error('nodes: must map node names to their levels');
  const seen = new Set<string>();
  const parsedNodes: Record<string, FenceDevice[]> = {};
  for (const [node, levels] of Object.entries(nodes)) {
    if (!Array.isArray(levels) || levels.length === 0) throw new Error(`nodes.${node}: must be a non-empty list of fence devices, tried in order`);
    parsedNodes[node] = levels.map((level, i) => {
      const device = parseDevice(`nodes.${node}[${i}]`, level);
      if (seen.has(device.name)) throw new Error(`nodes.${node}[${i}].name: device name ${JSON.stringify(device.name)} is used twice`);
      seen.add(device.name);
      return device;
    });
  }
  return { agentDir: absolute('agentDir', agentDir), secretsFile: absolute('secretsFile', secretsFile), nodes: parsedNodes, monitorIntervalMs, afterFence };
}
