import type { HostAddressing } from './names';

/**
 * Timing profiles: 'default' keeps corosync's defaults, 'fast' shrinks the token for quick tests.
 * Neither sets consensus or token_coefficient: corosync adds token_coefficient (650 ms) per node
 * beyond two to the token and derives consensus as 1.2 × that token, so both grow with the nodes.
 */
export type LabProfile = 'default' | 'fast';
export type QdeviceAlgorithm = 'ffsplit' | 'lms' | '2nodelms' | 'test';
export type TieBreaker = 'lowest' | 'highest' | number;
export type TlsMode = 'off' | 'on' | 'required';
export type ConfigValues = Record<string, string | number>;

const profileValues: Record<LabProfile, { totem: ConfigValues; device: ConfigValues }> = {
  default: { totem: {}, device: {} },
  fast: { totem: { token: 1000 }, device: { timeout: 3000, sync_timeout: 9000 } },
};

export interface CorosyncConfigInput {
  clusterName: string;
  nodes: HostAddressing[];
  profile: LabProfile;
  /** Address of the quorum device's arbiter; undefined runs without a quorum device. */
  arbiterAddress?: string;
  algorithm: QdeviceAlgorithm;
  tieBreaker: TieBreaker;
  tls: TlsMode;
  /** Extra totem settings (token, consensus, …); they override the profile. */
  totem?: ConfigValues;
  /** Extra quorum.device settings (timeout, sync_timeout, votes, …); they override the profile. */
  device?: ConfigValues;
  /** quorum.device.heuristics (mode, timeout, exec_NAME: command line, …). */
  heuristics?: ConfigValues;
  logFile: string;
  stateDir: string;
}

const settingName = /^[a-z][a-z0-9_]*$/;

function block(name: string, body: string[], indent: string): string[] {
  return [`${indent}${name} {`, ...body.map((l) => `${indent}  ${l}`), `${indent}}`];
}

function settings(values: ConfigValues): string[] {
  return Object.entries(values).map(([key, value]) => {
    const text = String(value);
    if (!settingName.test(key) || /[\s{}]/.test(text) || text === '') {
      throw new Error(`invalid corosync setting ${key}: ${JSON.stringify(value)}`);
    }
    return `${key}: ${text}`;
  });
}

/** Heuristics values are command lines: blanks are allowed, braces and line breaks are not. */
function heuristicsSettings(values: ConfigValues): string[] {
  return Object.entries(values).map(([key, value]) => {
    const text = String(value).trim();
    if (!settingName.test(key) || /[{}\n#]/.test(text) || text === '') {
      throw new Error(`invalid corosync heuristics setting ${key}: ${JSON.stringify(value)}`);
    }
    return `${key}: ${text}`;
  });
}

/** Renders one node's corosync.conf (all nodes get the same text apart from files). */
export function renderCorosyncConf(input: CorosyncConfigInput): string {
  const profile = profileValues[input.profile];
  const totem = settings({
    version: 2,
    cluster_name: input.clusterName,
    transport: 'knet',
    crypto_cipher: 'none',
    crypto_hash: 'none',
    ...profile.totem,
    ...input.totem,
  });
  const nodelist = input.nodes.flatMap((node) => block('node', settings({
    nodeid: node.nodeId ?? 0,
    name: node.name,
    ring0_addr: node.address,
  }), ''));
  const quorum = [
    ...settings({ provider: 'corosync_votequorum' }),
    ...(input.arbiterAddress === undefined ? [] : block('device', [
      ...settings({ model: 'net', votes: input.algorithm === 'lms' ? input.nodes.length - 1 : 1, ...profile.device, ...input.device }),
      ...block('net', settings({
        host: input.arbiterAddress,
        algorithm: input.algorithm,
        tie_breaker: input.tieBreaker,
        tls: input.tls,
      }), ''),
      ...(input.heuristics === undefined ? [] : block('heuristics', heuristicsSettings(input.heuristics), '')),
    ], '')),
  ];
  const logging = settings({ to_logfile: 'yes', logfile: input.logFile, to_stderr: 'no', to_syslog: 'no', timestamp: 'hires' });
  return [
    ...block('totem', totem, ''),
    ...block('nodelist', nodelist, ''),
    ...block('quorum', quorum, ''),
    ...block('logging', logging, ''),
    ...block('system', settings({ state_dir: input.stateDir }), ''),
    '',
  ].join('\n');
}
