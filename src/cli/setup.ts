import { Option, type Command } from 'commander';
import { run } from '../util/run';
import { planArbiterSetup } from '../setup/arbiter-setup';
import { SetupRefusedError } from '../setup/quorum-device-conf';
import { sshRunner, type RemoteRunner } from '../setup/remote';
import { DEFAULT_CERT_DIR } from './arbiter';
import { CliError, exitCodes } from './errors';

interface SetupArbiterOptions {
  algorithm: 'ffsplit' | 'lms';
  tieBreaker: string;
  port: string;
  tls: 'off' | 'on' | 'required';
  force?: boolean;
  dryRun?: boolean;
  user: string;
  conf: string;
  arbiterStart: string;
  arbiterCertDir: string;
  arbiterDefaults: string;
  deviceStart: string;
}

/** This node runs its own steps locally ('localhost'); every other host over ssh. */
function runnerFor(user: string): RemoteRunner {
  const ssh = sshRunner(user);
  return { run: (host, argv, input) => (host === 'localhost' ? run(argv, input === undefined ? {} : { input }) : ssh.run(host, argv, input)) };
}

async function setupArbiter(host: string, options: SetupArbiterOptions): Promise<void> {
  const port = Number(options.port);
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new CliError(`--port must be 1-65535, got ${JSON.stringify(options.port)}`, exitCodes.usage);
  if (!/^(lowest|highest|\d+)$/.test(options.tieBreaker)) throw new CliError(`--tie-breaker must be lowest, highest or a node id, got ${JSON.stringify(options.tieBreaker)}`, exitCodes.usage);
  const words = (text: string) => text.split(/\s+/).filter((w) => w !== '');
  let steps;
  try {
    steps = await planArbiterSetup(runnerFor(options.user), 'localhost', {
      arbiter: host, replace: options.force === true, confPath: () => options.conf,
      device: { port, algorithm: options.algorithm, tieBreaker: options.tieBreaker, tls: options.tls },
      arbiterStart: words(options.arbiterStart), arbiterCertDir: options.arbiterCertDir,
      ...(options.arbiterDefaults === '' ? {} : { arbiterDefaults: options.arbiterDefaults }), deviceStart: words(options.deviceStart), voteTimeoutMs: 60_000,
    });
  } catch (err) {
    if (err instanceof SetupRefusedError) throw new CliError(`refused, nothing changed: ${err.message}`, exitCodes.refused);
    throw err;
  }
  for (const [i, step] of steps.entries()) {
    process.stdout.write(`${options.dryRun === true ? 'would ' : ''}${i + 1}/${steps.length} ${step.title}\n`);
    if (options.dryRun === true) continue;
    const said = await step.run();
    if (said) process.stdout.write(`  ${said}\n`);
  }
}

export function registerSetupCommands(program: Command): void {
  const setup = program.command('setup').description('install steps on a running cluster');
  setup
    .command('arbiter')
    .argument('<host>', 'address of the arbiter host (quorate installed, reachable over ssh)')
    .description("add a quorum device with the arbiter on HOST to every node, like pvecm qdevice setup; run on one node")
    .addOption(new Option('--algorithm <name>', 'arbiter decision algorithm').choices(['ffsplit', 'lms']).default('ffsplit'))
    .option('--tie-breaker <t>', 'lowest, highest or a node id', 'lowest')
    .option('--port <n>', "the arbiter's TCP port", '5403')
    .addOption(new Option('--tls <mode>', 'TLS to the arbiter; on|required also makes the certificates on the arbiter and the nodes')
      .choices(['off', 'on', 'required']).default('off'))
    .option('--force', 'replace a quorum device that is configured already')
    .option('--dry-run', 'print the steps without changing anything (the checks still run)')
    .option('--user <name>', 'ssh user on the other hosts', 'root')
    .option('--conf <path>', 'corosync.conf on every node', '/etc/corosync/corosync.conf')
    .option('--arbiter-start <command>', 'starts the arbiter on HOST', 'systemctl enable --now quorate-arbiter.service')
    .option('--arbiter-defaults <file>', "with --tls: quorate-arbiter.service's environment file on HOST, given the TLS options ('' when --arbiter-start serves TLS itself)",
      '/etc/default/quorate-arbiter')
    .option('--arbiter-cert-dir <dir>', "the arbiter's certificate directory on HOST (with --tls)", DEFAULT_CERT_DIR)
    .option('--device-start <command>', "starts each node's device client (corosync-qdevice: 'systemctl enable --now corosync-qdevice')",
      'systemctl restart quorate-daemon.service')
    .action((host: string, options: SetupArbiterOptions) => setupArbiter(host, options));
}
