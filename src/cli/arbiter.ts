import fs from 'node:fs';
import { Command, Option } from 'commander';
import { DEFAULT_QNETD_NSSDB, exportQnetdNssDb, initArbiterCerts, signClusterCertificate } from '../qdevice/certs/arbiter-certs';
import type { ArbiterTlsMaterial } from '../qdevice/arbiter/tls';
import { startArbiter } from '../qdevice/arbiter';
import { ArbiterConfigError, DEFAULT_STATUS_SOCKET, loadArbiterConfig, settingsFromConfig } from '../qdevice/arbiter/config';
import { ArbiterIpcServer, queryArbiter } from '../qdevice/arbiter/ipc';
import type { ArbiterStatus } from '../qdevice/arbiter/status';
import { formatList, formatStatus } from '../qdevice/arbiter/status-format';
import { watchForStalls } from '../daemon/stall-watch';
import { arbiterMetrics } from '../metrics/arbiter-metrics';
import { createLogger } from '../util/logger';
import { systemdNotifier } from '../util/systemd-notify';
import { serveMetrics } from '../metrics/http-server';
import { addMetricsOptions, metricsListenOption } from './metrics-option';
import { shownFile, withInputFile } from './cert-io';
import { CliError, exitCodes } from './errors';
import { printResult } from './output';
import { runCertStep } from './qdevice';

/** Where the arbiter's configuration looks for its certificate, key and CA by default. */
export const DEFAULT_CERT_DIR = '/etc/quorate/arbiter';

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

async function runArbiter(opts: Record<string, string | undefined> & { metrics: string | false }): Promise<void> {
  const listen = metricsListenOption(opts.metrics);
  let config;
  try {
    config = loadArbiterConfig(opts.config, {
      listen: opts.listen, port: opts.port === undefined ? undefined : Number(opts.port), tls: opts.tls,
      statusSocket: opts.statusSocket, logLevel: opts.logLevel,
      certificate: opts.certDir && `${opts.certDir}/server.crt`, key: opts.certDir && `${opts.certDir}/server.key`, ca: opts.certDir && `${opts.certDir}/ca.crt`,
    });
  } catch (err) {
    if (err instanceof ArbiterConfigError) throw new CliError(err.message, exitCodes.usage);
    throw err;
  }
  const log = createLogger('arbiter', config.logLevel);
  const notifier = systemdNotifier(log);
  const settings = settingsFromConfig(config);
  let material: ArbiterTlsMaterial | undefined;
  if (config.tls !== 'off') {
    try {
      material = { cert: fs.readFileSync(config.certificate), key: fs.readFileSync(config.key), ca: fs.readFileSync(config.ca) };
    } catch (err) {
      throw new CliError(`tls is ${config.tls} but the certificate files cannot be read (certificate/key/ca; make them with 'quorate arbiter certs init'): ${err instanceof Error ? err.message : String(err)}`, exitCodes.usage);
    }
  }
  const server = await startArbiter(settings, log, material).catch((err: Error) => {
    throw new CliError(`cannot listen on [${settings.host}]:${settings.port}: ${err.message}`, exitCodes.unavailable);
  });
  const metrics = listen === null ? null : arbiterMetrics(server.core);
  const stopStallWatch = watchForStalls(log, metrics?.stalled);
  const metricsServer = metrics === null || listen === null ? null : await serveMetrics(metrics.registry, listen, log);
  let resolveStopped!: () => void;
  const stopped = new Promise<void>((resolve) => { resolveStopped = resolve; });
  let stopping = false;
  const stop = async (): Promise<void> => {
    if (stopping) return;
    stopping = true;
    log.info('arbiter stopping');
    stopStatus();
    notifier.stopping();
    stopStallWatch();
    await metricsServer?.close();
    await ipc.close();
    await server.close();
    resolveStopped();
  };
  const ipc = new ArbiterIpcServer(server.core, config.statusSocket, log, () => void stop());
  await ipc.listen();
  const describe = () => `listening on [${settings.host}]:${settings.port}, ${server.core.clients.size} clients, ${server.core.registry.all().length} clusters`;
  let stopStatus = (): void => undefined;
  process.once('SIGTERM', () => void stop());
  process.once('SIGINT', () => void stop());
  // Only now: a stop that follows READY at once must find the handlers in place.
  notifier.ready(describe());
  stopStatus = notifier.follow(describe);
  await stopped;
}

/** `quorate arbiter …`: the qnetd-compatible tie-breaker service and its status verbs. */
export function registerArbiterCommands(program: Command): void {
  const arbiter = program.command('arbiter').description('the quorum arbiter (a corosync-qnetd compatible third vote)');
  const socketOption = () => new Option('-p, --socket <path>', 'status socket of the arbiter').default(DEFAULT_STATUS_SOCKET);

  addMetricsOptions(arbiter.command('run')
    .description('run the arbiter service in the foreground')
    .option('-c, --config <file>', 'JSON configuration file')
    .option('-l, --listen <address>', 'listen address (default "::", IPv4 and IPv6)')
    .option('--port <port>', 'TCP port (default 5403)')
    .option('--tls <mode>', 'off, on or required')
    .option('--status-socket <path>', 'unix socket for status and list')
    .option('--cert-dir <dir>', 'directory made by "quorate arbiter certs init" (server.crt, server.key, ca.crt)')
    .option('--log-level <level>', 'error, warn, info or debug'), 'arbiter')
    .action(async (opts: Record<string, string | undefined> & { metrics: string | false }) => runArbiter(opts));

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

  const certs = arbiter.command('certs').description('the arbiter\'s certificates (replaces corosync-qnetd-certutil)');
  certs.command('init')
    .description('create the CA and the server certificate (CN "Qnetd Server")')
    .option('-d, --dir <dir>', 'certificate directory', DEFAULT_CERT_DIR)
    .option('--keep', 'keep an existing CA instead of refusing')
    .option('--print-ca', 'print the CA certificate for the nodes (PEM) instead of its path')
    .action((opts: { dir: string; keep?: boolean; printCa?: boolean }) => runCertStep(() => {
      const ca = initArbiterCerts(opts.dir, opts.keep === true).exportedCa;
      return opts.printCa === true ? shownFile(ca, true, 'pem') : `CA certificate for the nodes: ${ca}`;
    }));
  certs.command('sign')
    .description('sign a node\'s certificate request for a cluster (the result goes back to the node)')
    .requiredOption('--csr <file>', 'request made on a node (quorate qdevice certs request; - reads it from stdin)')
    .requiredOption('-n, --cluster <name>', 'cluster name (totem.cluster_name)')
    .option('-d, --dir <dir>', 'certificate directory', DEFAULT_CERT_DIR)
    .option('-o, --out <file>', 'where to write the certificate')
    .option('--print', 'print the certificate (PEM) instead of its path')
    .action((opts: { csr: string; cluster: string; dir: string; out?: string; print?: boolean }) => runCertStep(
      () => withInputFile(opts.csr, 'pem', (csr) => shownFile(signClusterCertificate(opts.dir, csr, opts.cluster, opts.out), opts.print, 'pem'))));
  certs.command('nssdb')
    .description('write the NSS database real corosync-qnetd reads, from this certificate directory')
    .option('-d, --dir <dir>', 'certificate directory', DEFAULT_CERT_DIR)
    .option('--nssdb <dir>', 'NSS database directory to create', DEFAULT_QNETD_NSSDB)
    .action((opts: { dir: string; nssdb: string }) => runCertStep(() => `initialised ${exportQnetdNssDb(opts.dir, opts.nssdb)}`));
}
