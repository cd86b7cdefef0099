import type { Cmap } from '../native/cmap';

/** How the quorum device decides which partition gets its vote (corosync-qdevice's net model). */
export type DeviceAlgorithm = 'ffsplit' | 'lms' | '2nodelms' | 'test' | string;

/** The quorum device as corosync.conf's quorum.device section (read through cmap) declares it. */
export interface QuorumDeviceConfig {
  model: string;
  /** The arbiter (qnetd) host. */
  host: string;
  algorithm: DeviceAlgorithm;
  /** 'lowest', 'highest' or a node id: who wins a tie between equal partitions. */
  tieBreaker: string;
  votes: number;
  /** quorum.device.timeout in ms (corosync-qdevice's default 10000). */
  timeoutMs: number;
}

export interface QuorumConfig {
  twoNode: boolean;
  waitForAll: boolean;
  device: QuorumDeviceConfig | null;
}

function text(cmap: Cmap, key: string, fallback: string): string {
  const value = cmap.find(key);
  return value === undefined ? fallback : String(value);
}

function count(cmap: Cmap, key: string, fallback: number): number {
  const value = Number(cmap.find(key) ?? fallback);
  return Number.isFinite(value) ? value : fallback;
}

/** The quorum section in force, from the configuration map of the local corosync. */
export function readQuorumConfig(cmap: Cmap): QuorumConfig {
  const model = cmap.find('quorum.device.model');
  return {
    twoNode: count(cmap, 'quorum.two_node', 0) === 1,
    waitForAll: count(cmap, 'quorum.wait_for_all', 0) === 1,
    device: model === undefined ? null : {
      model: String(model),
      host: text(cmap, 'quorum.device.net.host', ''),
      algorithm: text(cmap, 'quorum.device.net.algorithm', 'ffsplit'),
      tieBreaker: text(cmap, 'quorum.device.net.tie_breaker', 'lowest'),
      votes: count(cmap, 'quorum.device.votes', 1),
      timeoutMs: count(cmap, 'quorum.device.timeout', 10_000),
    },
  };
}
