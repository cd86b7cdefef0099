import { Command, Option } from 'commander';
import { startArbiter } from '../qdevice/arbiter';
import { ArbiterConfigError, DEFAULT_STATUS_SOCKET, loadArbiterConfig, settingsFromConfig } from '../qdevice/arbiter/config';
import { ArbiterIpcServer, queryArbiter } from '../qdevice/arbiter/ipc';
import type { ArbiterStatus } from '../qdevice/arbiter/status';
import { formatList, formatStatus } from '../qdevice/arbiter/status-format';
import { createLogger } from '../util/logger';
import { CliError, exitCodes } from './errors';
import { printResult } from './output';

interface QueryOptions { socket: string; verbose?: boolean; json?: boolean; cluster?: string }

async function fetchStatus(socket: string): Promise<ArbiterStatus> {
  let answer: { ok: boolean; text: string };
  try {
    answer = await queryArbiter(socket, 'json');
  } catch (err) {
    throw new CliError(`cannot reach the arbiter at ${socket}: ${err instanceof Error ? err.message : String(err)}`, exitCodes.unavailable);
  }
  if (!answer.ok) throw new CliError(`the arbiter answered an error: ${answer.text.trim()}`);
  return JSON.parse(answer.text) as ArbiterStatus;
}

async function runArbiter(opts: Record<string, string | undefined>): Promise<void> {
  let config;
  try {
    config = loadArbiterConfig(opts.config, {
      listen: opts.listen, port: opts.port === undefined ? undefined : Number(opts.port), tls: opts.tls,
      statusSocket: opts.statusSocket, logLevel: opts.logLevel,
    });
  } catch (err) {
    if (err instanceof ArbiterConfigError) throw new CliError(err.message, exitCodes.usage);
    throw err;
  }
  const log = createLogger('arbiter', config.logLevel);
  const settings = settingsFromConfig(config);
  if (config.tls !== 'off') throw new CliError('tls: only "off" is implemented so far', exitCodes.usage);
  const server = await startArbiter(settings, log).catch((err: Error) => {
    throw new CliError(`cannot listen on [${settings.host}]:${settings.port}: ${err.message}`, exitCodes.unavailable);
  });
  let resolveStopped!: () => void;
  const stopped = new Promise<void>((resolve) => { resolveStopped = resolve; });
  let stopping = false;
  const stop = async (): Promise<void> => {
    if (stopping) return;
    stopping = true;
    log.info('arbiter stopping');
    await ipc.close();
    await server.close();
    resolveStopped();
  };
  const ipc = new ArbiterIpcServer(server.core, config.statusSocket, log, () => void stop());
  await ipc.listen();
  process.once('SIGTERM', () => void stop());
  process.once('SIGINT', () => void stop());
  await stopped;
}

/** `quorate arbiter …`: the qnetd-compatible tie-breaker service and its status verbs. */
export function registerArbiterCommands(program: Command): void {
  const arbiter = program.command('arbiter').description('the quorum arbiter (a corosync-qnetd compatible third vote)');
  const socketOption = () => new Option('-p, --socket <path>', 'status socket of the arbiter').default(DEFAULT_STATUS_SOCKET);

  arbiter.command('run')
    .description('run the arbiter service in the foreground')
    .option('-c, --config <file>', 'JSON configuration file')
    .option('-l, --listen <address>', 'listen address (default "::", IPv4 and IPv6)')
    .option('--port <port>', 'TCP port (default 5403)')
    .option('--tls <mode>', 'off, on or required')
    .option('--status-socket <path>', 'unix socket for status and list')
    .option('--log-level <level>', 'error, warn, info or debug')
    .action(async (opts: Record<string, string | undefined>) => runArbiter(opts));

  arbiter.command('status')
    .description('arbiter address, TLS mode, connected clients and clusters')
    .addOption(socketOption())
    .option('-v, --verbose', 'also limits')
    .option('--json', 'print JSON')
    .action(async (opts: QueryOptions) => {
      const st = await fetchStatus(opts.socket);
      const { clusters: _clusters, ...summary } = st;
      printResult(summary, opts, () => formatStatus(st, Boolean(opts.verbose)).trimEnd());
    });

  arbiter.command('list')
    .description('connected clusters and nodes with their votes')
    .addOption(socketOption())
    .option('-v, --verbose', 'heartbeat, ring id, heuristics detail, TLS')
    .option('-c, --cluster <name>', 'only this cluster')
    .option('--json', 'print JSON')
    .action(async (opts: QueryOptions) => {
      const st = await fetchStatus(opts.socket);
      const clusters = st.clusters.filter((c) => opts.cluster === undefined || c.name === opts.cluster);
      printResult(clusters, opts, () => formatList(st, Boolean(opts.verbose), opts.cluster).trimEnd());
    });
}
