import { Command, Option } from 'commander';
import { describeQuorum, runDemo } from '../lab/demo';
import { LabNotUpError, LabOptionError } from '../lab/errors';
import { NamespaceLab, type LabStatus } from '../lab/namespace-lab';
import { defaultLabName, type HostName } from '../lab/names';
import type { LabOptions } from '../lab/options';
import { readState } from '../lab/state';
import { clearLeftovers, teardownSync } from '../lab/teardown';
import { CliError, exitCodes } from './errors';
import { printResult } from './output';
import { table } from '../util/text-table';

/** `quorate lab up|down|status|exec|demo`: the namespace lab from the command line. */

interface UpFlags {
  name: string;
  profile: string;
  nodes: string;
  algorithm: string;
  tieBreaker: string;
  arbiter: string;
  arbiterCommand?: string;
  tls: string;
  certificates: string;
  qdevice: boolean;
  json?: boolean;
}

const hostNames: HostName[] = ['node1', 'node2', 'node3', 'arbiter'];

/** Lab errors become operator errors: bad options are usage errors, a missing lab is unavailable. */
async function labAction<T>(action: () => Promise<T>): Promise<T> {
  try {
    return await action();
  } catch (err) {
    if (err instanceof LabOptionError) throw new CliError(err.message, exitCodes.usage);
    if (err instanceof LabNotUpError) throw new CliError(err.message, exitCodes.unavailable);
    throw new CliError(err instanceof Error ? err.message : String(err));
  }
}

function parseTieBreaker(value: string): LabOptions['tieBreaker'] {
  if (/^\d+$/.test(value)) return Number(value);
  return value as 'lowest';
}

function labOptions(flags: UpFlags): LabOptions {
  const nodes = Number(flags.nodes);
  if (nodes !== 2 && nodes !== 3) throw new LabOptionError(`invalid --nodes ${flags.nodes}: expected 2 or 3`);
  // Split on blanks: enough for the arbiter's argv, which has no quoted arguments.
  const command = flags.arbiterCommand?.split(/\s+/).filter((a) => a !== '');
  if (command?.length === 0) throw new LabOptionError('--arbiter-command is empty: give the arbiter\'s command line');
  const arbiter: LabOptions['arbiter'] = command !== undefined ? { command } : flags.arbiter as 'corosync-qnetd';
  return {
    name: flags.name,
    profile: flags.profile as 'fast',
    nodes,
    algorithm: flags.algorithm as 'ffsplit',
    tieBreaker: parseTieBreaker(flags.tieBreaker),
    arbiter,
    tls: flags.tls as 'off',
    certificates: flags.certificates as 'quorate',
    qdevice: flags.qdevice ? 'corosync-qdevice' : 'none',
  };
}

function renderStatus(status: LabStatus): string {
  const rows = status.hosts.map((h) => [
    h.name, h.netns, h.address, h.poweredOn ? 'on' : 'off',
    h.daemons.map((d) => `${d.program}:${d.pid}${d.alive ? '' : '(dead)'}`).join(' '),
  ]);
  const quorum = status.hosts.flatMap((h) => h.quorum === undefined ? []
    : [typeof h.quorum === 'string' ? `${h.name}: ${h.quorum}` : describeQuorum(h.name, h.quorum)]);
  return [
    `lab ${status.name} (id ${status.id}, profile ${status.options.profile})`,
    table(['host', 'netns', 'address', 'power', 'daemons'], rows),
    ...quorum,
  ].join('\n');
}

const nameOption = () => new Option('--name <name>', 'lab name').default(defaultLabName);

export function registerLabCommands(program: Command): void {
  const lab = program.command('lab').description('a cluster of real corosync nodes in network namespaces on this machine')
    .enablePositionalOptions();

  lab.command('up')
    .description('bring a lab up: node1, node2 (corosync + corosync-qdevice) and an arbiter host (corosync-qnetd)')
    .addOption(nameOption())
    .addOption(new Option('--profile <profile>', 'timings: corosync defaults or fast').choices(['default', 'fast']).default('default'))
    .addOption(new Option('--nodes <count>', 'number of corosync nodes').choices(['2', '3']).default('2'))
    .addOption(new Option('--algorithm <algorithm>', 'quorum device algorithm').choices(['ffsplit', 'lms', '2nodelms', 'test']).default('ffsplit'))
    .option('--tie-breaker <lowest|highest|id>', 'quorum device tie breaker', 'lowest')
    .addOption(new Option('--arbiter <arbiter>', 'what runs on the arbiter host').choices(['corosync-qnetd', 'none']).default('corosync-qnetd'))
    .option('--arbiter-command <command>', 'run this command on the arbiter host instead ({address} and {dir} are replaced)')
    .addOption(new Option('--tls <mode>', 'quorum device TLS (on/required make certificates with corosync\'s tools)').choices(['off', 'on', 'required']).default('off'))
    .addOption(new Option('--certificates <tool>', 'who makes the TLS certificates').choices(['corosync-certutil', 'quorate']).default('corosync-certutil'))
    .option('--no-qdevice', 'run the nodes without a quorum device')
    .option('--json', 'print the result as JSON')
    .action((flags: UpFlags) => labAction(async () => {
      const progress = flags.json ? () => undefined : (m: string) => process.stderr.write(`  ${m}\n`);
      const up = await NamespaceLab.up(labOptions(flags), progress);
      up.detach();
      const seconds = ((up.upDurationMs ?? 0) / 1000).toFixed(2);
      printResult({ name: up.name, id: up.id, upDurationMs: up.upDurationMs, hosts: up.hosts }, flags, () =>
        `lab ${up.name} up: all nodes quorate with ${up.nodes.length + (up.options.qdevice === 'none' ? 0 : 1)} expected votes after ${seconds} s`
        + `\n${table(['host', 'netns', 'address'], Object.values(up.hosts).map((h) => [h.name, h.netns, h.address]))}`);
    }));

  lab.command('down')
    .description('stop a lab and remove everything it made')
    .addOption(nameOption())
    .option('--json', 'print the result as JSON')
    .action((flags: { name: string; json?: boolean }) => labAction(async () => {
      const state = readState(flags.name);
      if (state === undefined) throw new LabNotUpError(`lab ${flags.name} is not up`);
      teardownSync(state);
      const cleared = clearLeftovers();
      printResult({ name: flags.name, down: true, clearedLeftovers: cleared }, flags, () => `lab ${flags.name} down`);
    }));

  lab.command('status')
    .description('show the hosts, their daemons and each node\'s quorum')
    .addOption(nameOption())
    .option('--json', 'print the result as JSON')
    .action((flags: { name: string; json?: boolean }) => labAction(async () => {
      printResult(await NamespaceLab.attach(flags.name).status(), flags, renderStatus);
    }));

  lab.command('exec')
    .description('run a command inside a lab host (its network namespace and private /run)')
    .addOption(nameOption())
    .argument('<host>', `one of ${hostNames.join(', ')}`)
    .argument('<command...>', 'the command and its options (a -- before it is optional)')
    // Everything from HOST on is the command's: `lab exec node1 corosync-quorumtool -s` works.
    .passThroughOptions()
    .action((host: string, args: string[], flags: { name: string }) => labAction(async () => {
      if (!hostNames.includes(host as HostName)) throw new LabOptionError(`unknown host ${JSON.stringify(host)}: expected one of ${hostNames.join(', ')}`);
      const command = args[0] === '--' ? args.slice(1) : args;
      if (command.length === 0) throw new LabOptionError('give the command to run after the host');
      const child = NamespaceLab.attach(flags.name).spawn(host as HostName, command, { stdio: 'inherit' });
      const code = await new Promise<number>((resolve, reject) => {
        child.on('error', reject);
        child.on('close', (c, signal) => resolve(c ?? (signal ? 128 : 1)));
      });
      process.exitCode = code;
    }));

  lab.command('demo')
    .description('bring a lab up, fail an HA service over from node1 to node2, tear it down (npm run lab)')
    .addOption(new Option('--name <name>', 'lab name').default('demo'))
    .addOption(new Option('--profile <profile>', "corosync timings: fast (token 1 s) or corosync's defaults").choices(['default', 'fast']).default('fast'))
    .action((flags: { name: string; profile: 'default' | 'fast' }) => labAction(async () => {
      await runDemo({ name: flags.name, profile: flags.profile }, (line) => process.stdout.write(`${line}\n`));
    }));
}
