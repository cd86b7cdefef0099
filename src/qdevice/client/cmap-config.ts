import { DecisionAlgorithm, DEFAULT_PORT, TieBreakerMode } from '../protocol/constants';
import type { TieBreaker } from '../protocol/tlv';
import type { QuorumDeviceConfig } from './quorum-device';
import type { ClientTlsMode } from './arbiter-connection';
import type { HeuristicsConfig, HeuristicsMode } from './heuristics';

/** The few cmap reads the device needs (the addon's Cmap has `find` and `iterate`). */
export interface CmapReader {
  find(key: string): number | bigint | string | Buffer | undefined;
  iterate(prefix: string): { key: string; value: number | bigint | string | Buffer }[];
}

/** corosync.conf's quorum.device section is wrong or missing; the message names the key. */
export class QdeviceConfigError extends Error {}

const ALGORITHMS: Record<string, DecisionAlgorithm> = {
  ffsplit: DecisionAlgorithm.Ffsplit, lms: DecisionAlgorithm.Lms, '2nodelms': DecisionAlgorithm.TwoNodeLms, test: DecisionAlgorithm.Test,
};

function text(cmap: CmapReader, key: string): string | undefined {
  const v = cmap.find(key);
  return v === undefined ? undefined : Buffer.isBuffer(v) ? v.toString() : String(v);
}

function integer(cmap: CmapReader, key: string, fallback: number, min: number, max: number): number {
  const raw = text(cmap, key);
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > max) throw new QdeviceConfigError(`${key}: "${raw}" is not an integer in ${min}..${max}`);
  return n;
}

function tieBreaker(raw: string | undefined): TieBreaker {
  if (raw === undefined || raw === 'lowest') return { mode: TieBreakerMode.Lowest, nodeId: 0 };
  if (raw === 'highest') return { mode: TieBreakerMode.Highest, nodeId: 0 };
  const id = Number(raw);
  if (!Number.isInteger(id) || id < 1 || id > 0xffffffff) throw new QdeviceConfigError(`quorum.device.net.tie_breaker: "${raw}" is not lowest, highest or a node id`);
  return { mode: TieBreakerMode.NodeId, nodeId: id };
}

function oneOf<T extends string>(cmap: CmapReader, key: string, allowed: readonly T[], fallback: T): T {
  const raw = text(cmap, key) ?? fallback;
  if (!(allowed as readonly string[]).includes(raw)) throw new QdeviceConfigError(`${key}: "${raw}" is not ${allowed.join(', ')}`);
  return raw as T;
}

/** quorum.device.heuristics.*, with corosync-qdevice's defaults derived from the device timeouts. */
function readHeuristics(cmap: CmapReader, deviceTimeout: number): HeuristicsConfig {
  const prefix = 'quorum.device.heuristics.';
  const syncTimeout = integer(cmap, 'quorum.device.sync_timeout', 30000, 1000, 3600000);
  const commands = cmap.iterate(`${prefix}exec_`).map((e) => ({
    name: e.key.slice(`${prefix}exec_`.length),
    argv: (Buffer.isBuffer(e.value) ? e.value.toString() : String(e.value)).trim().split(/\s+/).filter((a) => a !== ''),
  }));
  const empty = commands.find((c) => c.argv.length === 0);
  if (empty) throw new QdeviceConfigError(`${prefix}exec_${empty.name}: empty command`);
  return {
    mode: oneOf<HeuristicsMode>(cmap, `${prefix}mode`, ['off', 'on', 'sync'], 'off'),
    timeout: integer(cmap, `${prefix}timeout`, Math.floor(deviceTimeout / 2), 250, 3600000),
    syncTimeout: integer(cmap, `${prefix}sync_timeout`, Math.floor(syncTimeout / 2), 250, 3600000),
    interval: integer(cmap, `${prefix}interval`, deviceTimeout * 3, 1000, 3600000),
    commands,
  };
}

/** Reads the same keys corosync-qdevice reads (quorum.device.*, totem.cluster_name, the nodelist). */
export function readQuorumDeviceConfig(cmap: CmapReader): QuorumDeviceConfig {
  if (text(cmap, 'quorum.device.model') !== 'net') throw new QdeviceConfigError('quorum.device.model: must be "net"');
  const host = text(cmap, 'quorum.device.net.host');
  if (!host) throw new QdeviceConfigError('quorum.device.net.host: required');
  const clusterName = text(cmap, 'totem.cluster_name');
  if (!clusterName) throw new QdeviceConfigError('totem.cluster_name: required (it names the cluster to the arbiter)');
  const algorithmName = text(cmap, 'quorum.device.net.algorithm') ?? 'ffsplit';
  const algorithm = ALGORITHMS[algorithmName];
  if (algorithm === undefined) throw new QdeviceConfigError(`quorum.device.net.algorithm: "${algorithmName}" is not ffsplit, lms, 2nodelms or test`);
  const configNodes = cmap.iterate('nodelist.node.').filter((e) => e.key.endsWith('.nodeid')).map((e) => Number(e.value));
  if (configNodes.length === 0) throw new QdeviceConfigError('nodelist: no node with a nodeid');
  const kap = text(cmap, 'quorum.device.net.keep_active_partition_tie_breaker') ?? 'on';
  const deviceTimeout = integer(cmap, 'quorum.device.timeout', 10000, 1000, 3600000);
  return {
    host,
    port: integer(cmap, 'quorum.device.net.port', DEFAULT_PORT, 1, 65535),
    clusterName,
    nodeId: integer(cmap, 'runtime.votequorum.this_node_id', 0, 1, 0xffffffff),
    algorithm,
    tieBreaker: tieBreaker(text(cmap, 'quorum.device.net.tie_breaker')),
    keepActivePartition: kap === 'on' || kap === 'yes' || kap === '1',
    deviceTimeout,
    configNodes,
    waitForAll: integer(cmap, 'quorum.wait_for_all', 0, 0, 1) === 1,
    tls: oneOf<ClientTlsMode>(cmap, 'quorum.device.net.tls', ['off', 'on', 'required'], 'on'),
    heuristics: readHeuristics(cmap, deviceTimeout),
  };
}
