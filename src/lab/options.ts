import type { ConfigValues, LabProfile, QdeviceAlgorithm, TieBreaker, TlsMode } from './corosync-config';
import { maxLabNodes, minLabNodes, validateLabName } from './names';
import { LabOptionError } from './errors';

/** What runs on the arbiter host: real corosync-qnetd, nothing, or a command of our own. */
export type ArbiterChoice = 'corosync-qnetd' | 'none' | {
  /** argv run inside the arbiter host; `{address}` and `{dir}` are replaced by its IP and directory. */
  command: string[];
};

/**
 * Who casts the quorum device vote on the nodes: real corosync-qdevice, nobody, `integrated`
 * (the quorum.device section is written but no corosync-qdevice runs: the node daemon's own
 * client registers with votequorum once it starts), or a command of our own run next to corosync.
 */
export type QdeviceChoice = 'corosync-qdevice' | 'integrated' | 'none' | {
  /** argv run inside each node once corosync answers; `{address}` and `{dir}` are replaced by the node's. */
  command: string[];
};

/** Who makes the TLS certificates: corosync's certutil scripts, or `quorate arbiter|qdevice certs`. */
export type CertificateTool = 'corosync-certutil' | 'quorate';

export interface LabOptions {
  /** Lab name (state under /run/quorate-lab/<name>); default: `lab-<random id>`. */
  name?: string;
  profile?: LabProfile;
  qdevice?: QdeviceChoice;
  arbiter?: ArbiterChoice;
  algorithm?: QdeviceAlgorithm;
  tieBreaker?: TieBreaker;
  tls?: TlsMode;
  /** With tls on/required: which tools make the certificates (default corosync-certutil). */
  certificates?: CertificateTool;
  /** Number of corosync nodes, 2 to 16 (default 2). */
  nodes?: number;
  /** Extra totem settings (token, consensus, …). */
  totem?: ConfigValues;
  /** Extra quorum.device settings (timeout, sync_timeout, …). */
  device?: ConfigValues;
  /** quorum.device.heuristics settings (mode, exec_NAME: command line, …); none by default. */
  heuristics?: ConfigValues;
  /** How long `up` waits for quorum (default 60 s). */
  upTimeoutMs?: number;
  /** A BMC (ipmi_sim) per node whose chassis power is the node's power (default off). */
  bmc?: boolean;
  /**
   * libvirtd, virtlogd and virtlockd per node with private libvirt directories, a shared image
   * directory and a guest bridge on the lab's switch (default off).
   */
  hypervisor?: boolean;
}

export interface ResolvedLabOptions {
  name: string;
  profile: LabProfile;
  qdevice: QdeviceChoice;
  arbiter: ArbiterChoice;
  algorithm: QdeviceAlgorithm;
  tieBreaker: TieBreaker;
  tls: TlsMode;
  certificates: CertificateTool;
  nodes: number;
  totem: ConfigValues;
  device: ConfigValues;
  heuristics?: ConfigValues;
  upTimeoutMs: number;
  bmc: boolean;
  hypervisor: boolean;
}

function isCommand(choice: unknown): choice is { command: string[] } {
  return typeof choice === 'object' && choice !== null && Array.isArray((choice as { command?: unknown }).command)
    && (choice as { command: unknown[] }).command.length > 0;
}

function oneOf<T extends string>(what: string, value: T | undefined, allowed: readonly T[], fallback: T): T {
  if (value === undefined) return fallback;
  if (!allowed.includes(value)) throw new LabOptionError(`invalid ${what} ${JSON.stringify(value)}: expected one of ${allowed.join(', ')}`);
  return value;
}

export function resolveLabOptions(options: LabOptions, id: string): ResolvedLabOptions {
  const nodes = options.nodes ?? 2;
  if (!Number.isInteger(nodes) || nodes < minLabNodes || nodes > maxLabNodes) {
    throw new LabOptionError(`invalid node count ${String(nodes)}: expected a whole number from ${minLabNodes} to ${maxLabNodes}`);
  }
  const arbiter = options.arbiter ?? 'corosync-qnetd';
  if (typeof arbiter === 'object' ? !isCommand(arbiter) : !['corosync-qnetd', 'none'].includes(arbiter)) {
    throw new LabOptionError(`invalid arbiter ${JSON.stringify(arbiter)}: expected corosync-qnetd, none or { command: [...] }`);
  }
  const qdevice = options.qdevice ?? 'corosync-qdevice';
  if (typeof qdevice === 'object' ? !isCommand(qdevice) : !['corosync-qdevice', 'integrated', 'none'].includes(qdevice)) {
    throw new LabOptionError(`invalid qdevice ${JSON.stringify(qdevice)}: expected corosync-qdevice, integrated, none or { command: [...] }`);
  }
  if (qdevice !== 'none' && arbiter === 'none') throw new LabOptionError('a quorum device needs an arbiter: use qdevice none with arbiter none');
  const algorithm = oneOf('algorithm', options.algorithm, ['ffsplit', 'lms', '2nodelms', 'test'], 'ffsplit');
  if (algorithm === '2nodelms' && nodes !== 2) throw new LabOptionError('algorithm 2nodelms needs exactly 2 nodes');
  const tieBreaker = options.tieBreaker ?? 'lowest';
  if (typeof tieBreaker === 'number' ? !Number.isInteger(tieBreaker) || tieBreaker < 1 : !['lowest', 'highest'].includes(tieBreaker)) {
    throw new LabOptionError(`invalid tie breaker ${JSON.stringify(tieBreaker)}: expected lowest, highest or a node id`);
  }
  const tls = oneOf('tls mode', options.tls, ['off', 'on', 'required'], 'off');
  const upTimeoutMs = options.upTimeoutMs ?? 60_000;
  if (!(upTimeoutMs > 0)) throw new LabOptionError(`invalid up timeout ${String(upTimeoutMs)}`);
  return {
    name: validateLabName(options.name ?? `lab-${id}`),
    profile: oneOf('profile', options.profile, ['default', 'fast'], 'default'),
    qdevice,
    arbiter,
    algorithm,
    tieBreaker,
    tls,
    certificates: oneOf('certificate tool', options.certificates, ['corosync-certutil', 'quorate'], 'corosync-certutil'),
    nodes,
    totem: options.totem ?? {},
    device: options.device ?? {},
    ...(options.heuristics === undefined ? {} : { heuristics: options.heuristics }),
    upTimeoutMs,
    bmc: options.bmc ?? false,
    hypervisor: options.hypervisor ?? false,
  };
}
