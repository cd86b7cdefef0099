import { readFileSync } from 'node:fs';
import { networkInterfaces } from 'node:os';
import type { Command } from 'commander';
import { netHostsFromConf } from '../diag/net-hosts';
import { NetProbe, NetProbeError, netLimits, type NetHost } from '../diag/net-probe';
import { renderNetReport } from '../diag/net-report';
import { checkConfig } from '../diag/config-checks';
import { renderConfigReport } from '../diag/config-report';
import { ConfParseError, parseCorosyncConf, type ConfSection } from '../diag/corosync-conf';
import { daemonTimingDefaults } from '../daemon/config';
import { mergeTimings, type HaTimings } from '../ha/timings';
import { knetLinks } from '../diag/knet-links';
import { linksReport, renderLinksReport } from '../diag/links-report';
import { readQuorumConfig } from '../diag/quorum-device';
import { quorumReport, renderQuorumReport, type HaServicesInput } from '../diag/quorum-report';
import { readServicesFile, ServicesFileError } from '../diag/services-file';
import { DaemonUnavailableError, readDaemonStatus } from '../daemon/operator/client';
import { operatorSocketDefault } from './ha';
import { Cmap } from '../native/cmap';
import { CorosyncError } from '../native/errors';
import { AddonNotBuiltError } from '../native/loader';
import { Votequorum } from '../native/votequorum';
import { CorosyncMembership, configuredNodes } from '../quorum/corosync-membership';
import { CliError, exitCodes } from './errors';
import { printResult, type OutputOptions } from './output';
import { parseStrictJson } from '../util/strict-json';

/** Runs fn with a connection to the local corosync; no corosync is exit code 3 with the cause. */
async function withCorosync<T>(open: () => T | Promise<T>, fn: (handle: T) => void, close: (handle: T) => void): Promise<void> {
  let handle: T;
  try {
    handle = await open();
  } catch (err) {
    if (err instanceof CorosyncError || err instanceof AddonNotBuiltError) throw new CliError(err.message, exitCodes.unavailable);
    throw err;
  }
  try {
    fn(handle);
  } finally {
    close(handle);
  }
}

interface QuorumOptions extends OutputOptions {
  haConfig?: string;
  socket: string;
}

/** The HA services from a JSON file ({resources: {SID: {node, state}}}) or from this node's daemon. */
async function haServices(options: QuorumOptions): Promise<HaServicesInput> {
  if (options.haConfig !== undefined) {
    try {
      return { source: options.haConfig, services: readServicesFile(options.haConfig) };
    } catch (err) {
      if (err instanceof ServicesFileError) throw new CliError(err.message, exitCodes.usage);
      throw err;
    }
  }
  try {
    const status = await readDaemonStatus({ socketPath: options.socket, timeoutMs: 3000 });
    const running = status.store.managerStatus?.serviceStatus ?? {};
    const services = Object.entries(status.store.config.resources).map(([sid, r]) => ({ sid, node: running[sid]?.node ?? r.node, state: r.state }));
    return { source: 'the HA daemon on this node', services };
  } catch (err) {
    if (err instanceof DaemonUnavailableError) return { source: `none (${err.message})`, services: null };
    throw err;
  }
}

async function diagQuorum(options: QuorumOptions): Promise<void> {
  const ha = await haServices(options);
  await withCorosync(() => CorosyncMembership.open(), (membership) => {
    const cmap = Cmap.open();
    try {
      printResult(quorumReport(membership.current(), readQuorumConfig(cmap), ha), options, renderQuorumReport);
    } finally {
      cmap.close();
    }
  }, (membership) => membership.close());
}

async function diagLinks(options: OutputOptions): Promise<void> {
  await withCorosync(() => Cmap.open(), (cmap) => {
    const stats = Cmap.open({ stats: true });
    const votequorum = Votequorum.open();
    try {
      const names = new Map(configuredNodes(cmap).map((n) => [n.nodeId, n.name]));
      const localNodeId = votequorum.getInfo(0).nodeId;
      const report = linksReport(localNodeId, knetLinks(stats.iterate('stats.knet.node'), names, localNodeId));
      printResult(report, options, renderLinksReport);
      if (!report.allUp) process.exitCode = exitCodes.failure;
    } finally {
      stats.close();
      votequorum.close();
    }
  }, (cmap) => cmap.close());
}

interface ConfigOptions extends OutputOptions {
  file: string;
  timings?: string;
}

function readText(path: string, what: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    throw new CliError(`cannot read ${what} ${path}: ${(err as Error).message}`, exitCodes.unavailable);
  }
}

function readTimings(path: string | undefined): HaTimings {
  if (path === undefined) return daemonTimingDefaults;
  try {
    const overrides: unknown = parseStrictJson(readText(path, 'timings file'));
    if (typeof overrides !== 'object' || overrides === null || Array.isArray(overrides)) throw new Error('expected a JSON object of timings in ms');
    return mergeTimings(overrides as Record<string, unknown>, daemonTimingDefaults);
  } catch (err) {
    if (err instanceof CliError) throw err;
    throw new CliError(`timings file ${path}: ${(err as Error).message}`, exitCodes.usage);
  }
}

function readCorosyncConf(path: string): ConfSection {
  try {
    return parseCorosyncConf(readText(path, 'corosync configuration'));
  } catch (err) {
    if (err instanceof ConfParseError) throw new CliError(`${path}: ${err.message}`);
    throw err;
  }
}

function diagConfig(options: ConfigOptions): void {
  const timings = readTimings(options.timings);
  const report = checkConfig(readCorosyncConf(options.file), timings);
  printResult(report, options, renderConfigReport);
  if (!report.ok) process.exitCode = exitCodes.failure;
}

interface NetOptions extends OutputOptions {
  self?: string;
  file: string;
  peer: string[];
  port: string;
  group: string;
  count: string;
  interval: string;
  mtu: string;
  wait: string;
}

function netHost(flag: string, text: string): NetHost {
  const match = /^([\w.-]+)=(\d{1,3}(?:\.\d{1,3}){3})$/.exec(text);
  if (!match) throw new CliError(`${flag} ${JSON.stringify(text)}: expected NAME=IPV4ADDRESS`, exitCodes.usage);
  return { name: match[1] ?? '', address: match[2] ?? '' };
}

function bounded(flag: string, text: string, min: number, max: number): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < min || n > max) throw new CliError(`${flag} ${JSON.stringify(text)}: expected an integer from ${min} to ${max}`, exitCodes.usage);
  return n;
}

function netHostsFromLocalConf(file: string): { self: NetHost; peers: NetHost[] } {
  const local = Object.values(networkInterfaces()).flatMap((addresses) => (addresses ?? []).map((a) => a.address));
  try {
    return netHostsFromConf(readCorosyncConf(file), local);
  } catch (err) {
    if (err instanceof CliError) throw err;
    throw new CliError(`${file}: ${(err as Error).message}`, exitCodes.usage);
  }
}

async function diagNet(options: NetOptions): Promise<void> {
  const { self, peers } = options.self === undefined ? netHostsFromLocalConf(options.file) : {
    self: netHost('--self', options.self),
    peers: options.peer.map((p) => netHost('--peer', p)),
  };
  if (peers.length === 0) throw new CliError('name at least one --peer NAME=ADDRESS', exitCodes.usage);
  if (!/^2(?:2[4-9]|3\d)(?:\.\d{1,3}){3}$/.test(options.group)) throw new CliError(`--group ${options.group}: expected an IPv4 multicast address (224.0.0.0-239.255.255.255)`, exitCodes.usage);
  const report = await NetProbe.run({
    self,
    peers,
    port: bounded('--port', options.port, 1, 65535),
    group: options.group,
    count: bounded('--count', options.count, 1, netLimits.maxCount),
    intervalMs: bounded('--interval', options.interval, netLimits.minIntervalMs, 10_000),
    mtuBytes: bounded('--mtu', options.mtu, netLimits.minMtu, netLimits.maxMtu),
    waitMs: bounded('--wait', options.wait, 0, netLimits.maxWaitMs),
  }).catch((err: unknown) => {
    throw err instanceof NetProbeError ? new CliError(err.message, exitCodes.unavailable) : err;
  });
  printResult(report, options, renderNetReport);
  if (!report.ok) process.exitCode = exitCodes.failure;
}

export function registerDiagCommands(program: Command): void {
  const diag = program.command('diag').description('diagnostics for operators: quorum, knet links, configuration, network');
  diag
    .command('quorum')
    .description('votes, quorum, the arbiter vote, and what each single failure would do to quorum and to each HA service (run inside a node)')
    .option('--ha-config <file>', 'HA services from a JSON file {"resources": {SID: {"node", "state"}}} instead of the daemon')
    .option('--socket <path>', "the HA daemon's operator socket", operatorSocketDefault())
    .option('--json', 'print JSON')
    .action((options: QuorumOptions) => diagQuorum(options));
  diag
    .command('links')
    .description('knet link status and latency per node and link from corosync statistics; exit 1 when a link is down (run inside a node)')
    .option('--json', 'print JSON')
    .action((options: OutputOptions) => diagLinks(options));
  diag
    .command('config')
    .description('check corosync.conf for quorate (two_node, token/consensus, nodelist, Q_stale) and the safety bound with each term; exit 1 on a failed check')
    .option('--file <path>', 'corosync.conf to check', '/etc/corosync/corosync.conf')
    .option('--timings <path>', "JSON object of HA timing overrides in ms, over the daemon's defaults (default: those)")
    .option('--json', 'print JSON')
    .action((options: ConfigOptions) => diagConfig(options));
  diag
    .command('net')
    .description('omping-like UDP unicast, multicast and MTU probes: run on every host at once; loss, latency and jitter per pair and a verdict; exit 1 on a problem')
    .option('--self <name=address>', 'this host (default: the nodes and the arbiter of --file, this host found by its address)')
    .option('--peer <name=address>', 'another host (repeat; with --self)', (value: string, all: string[]) => [...all, value], [] as string[])
    .option('--file <path>', 'corosync.conf naming the hosts when --self is not given', '/etc/corosync/corosync.conf')
    .option('--port <n>', 'UDP port of the probes', '5409')
    .option('--group <address>', 'IPv4 multicast group', '239.192.72.9')
    .option('--count <n>', 'probes of each kind per peer', '20')
    .option('--interval <ms>', 'time between probe rounds', '100')
    .option('--mtu <bytes>', 'IP packet size of the MTU probes', '1500')
    .option('--wait <ms>', 'how long to wait for the peers to start', '10000')
    .option('--json', 'print JSON')
    .action((options: NetOptions) => diagNet(options));
}
