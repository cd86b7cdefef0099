import { Command } from 'commander';
import { CertToolError } from '../qdevice/certs/run-tool';
import { DEFAULT_NODE_NSSDB, importClusterCertificate, importNodeBundle, initNodeDb, requestClusterCertificate } from '../qdevice/certs/node-certs';
import { Cmap } from '../native/cmap';
import { openQuorumDevice } from '../qdevice/client';
import { QdeviceConfigError } from '../qdevice/client/cmap-config';
import { followDeviceSettings, loadQuorumDeviceConfig } from '../qdevice/client/settings';
import { createLogger } from '../util/logger';
import { shownFile, withInputFile } from './cert-io';
import { CliError, exitCodes } from './errors';

/** Runs the node-side quorum device on this node's corosync until SIGTERM/SIGINT; follows quorum.device.* changes. */
async function runQdevice(logLevel: string, nssDb: string): Promise<void> {
  const log = createLogger('qdevice', logLevel);
  const cmap = Cmap.open();
  let config;
  try {
    config = loadQuorumDeviceConfig(cmap, nssDb, log);
  } catch (err) {
    cmap.close();
    if (err instanceof QdeviceConfigError) throw new CliError(err.message, exitCodes.usage);
    throw err;
  }
  const { device, close } = openQuorumDevice(config);
  device.on('state', (s) => log.info('vote state', { connected: s.connected, vote: s.vote }));
  device.on('warning', (w) => log.warn(w));
  device.start();
  log.info('quorum device started', { arbiter: `${config.host}:${config.port}`, cluster: config.clusterName, nodeId: config.nodeId, tls: config.tls });
  const unfollow = followDeviceSettings(cmap, device, nssDb, log);
  await new Promise<void>((resolve) => {
    process.once('SIGTERM', () => resolve());
    process.once('SIGINT', () => resolve());
  });
  unfollow();
  close();
  cmap.close();
}

/** Runs one certificate step and prints its result; a tool failure becomes a one-line CLI error. */
export function runCertStep(fn: () => string): void {
  try {
    process.stdout.write(`${fn()}\n`);
  } catch (err) {
    if (err instanceof CertToolError) throw new CliError(err.message);
    throw err;
  }
}

/** `quorate qdevice certs …`: the node's NSS database for corosync-qdevice (replaces corosync-qdevice-net-certutil). */
export function registerQdeviceCommands(program: Command): void {
  const qdevice = program.command('qdevice').description('the node side of the quorum device');
  qdevice.command('run')
    .description('run the quorum device client on this node (reads quorum.device.* from corosync and follows changes)')
    .option('--log-level <level>', 'error, warn, info or debug', 'info')
    .option('--nssdb <dir>', 'directory with the TLS files of "quorate qdevice certs" (qnetd-cacert.crt, qdevice-net-node.p12)', DEFAULT_NODE_NSSDB)
    .action((o: { logLevel: string; nssdb: string }) => runQdevice(o.logLevel, o.nssdb));

  const certs = qdevice.command('certs').description('certificates for TLS to the arbiter');
  const dbOption = ['-d, --db <dir>', 'NSS database directory', DEFAULT_NODE_NSSDB] as const;

  certs.command('init')
    .description('create the NSS database with the arbiter\'s CA certificate (qnetd-cacert.crt)')
    .requiredOption('--ca <file>', 'CA certificate copied from the arbiter (- reads it from stdin)')
    .option('--replace', 'remove an existing database first')
    .option(...dbOption)
    .action((o: { ca: string; replace?: boolean; db: string }) => runCertStep(() => withInputFile(o.ca, 'pem', (ca) => {
      initNodeDb(o.db, ca, o.replace === true);
      return `initialised ${o.db}`;
    })));

  certs.command('request')
    .description('make a key and a certificate request for the cluster; sign it on the arbiter')
    .requiredOption('-n, --cluster <name>', 'cluster name (totem.cluster_name)')
    .option('--print', 'print the request (PEM) instead of its path')
    .option(...dbOption)
    .action((o: { cluster: string; print?: boolean; db: string }) => runCertStep(() => shownFile(requestClusterCertificate(o.db, o.cluster), o.print, 'pem')));

  certs.command('import')
    .description('import the certificate signed by the arbiter; prints the PKCS#12 bundle for the other nodes')
    .requiredOption('--cert <file>', 'cluster-NAME.crt from the arbiter (- reads it from stdin)')
    .option('--print', 'print the bundle (base64) instead of its path')
    .option(...dbOption)
    .action((o: { cert: string; print?: boolean; db: string }) => runCertStep(
      () => withInputFile(o.cert, 'pem', (cert) => shownFile(importClusterCertificate(o.db, cert), o.print, 'base64'))));

  certs.command('import-bundle')
    .description('on the other nodes: import the first node\'s PKCS#12 bundle, creating the database from the CA')
    .option('--ca <file>', 'CA certificate from the arbiter (omit when "certs init" made the database)')
    .requiredOption('--p12 <file>', 'qdevice-net-node.p12 from the first node (- reads it as base64 from stdin)')
    .option(...dbOption)
    .action((o: { ca?: string; p12: string; db: string }) => runCertStep(() => withInputFile(o.p12, 'base64', (p12) => {
      importNodeBundle(o.db, o.ca, p12);
      return `imported the cluster certificate into ${o.db}`;
    })));
}
