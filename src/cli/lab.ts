import { Argument, Command, Option } from 'commander';
import { describeQuorum, runDemo } from '../lab/demo';
import { runVmDemo } from '../lab/vm-demo';
import { LabNotUpError, LabOptionError } from '../lab/errors';
import { bmcFaults, type BmcFault } from '../lab/bmc';
import { NamespaceLab, type LabStatus } from '../lab/namespace-lab';
import { defaultLabName, isLabHostName, maxLabNodes, minLabNodes } from '../lab/names';
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
  bmc?: boolean;
  hypervisor?: boolean;
  json?: boolean;
}

const hostNamesText = `node1…node${maxLabNodes} (as many as the lab has) or arbiter`;

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
  const nodes = /^\d+$/.test(flags.nodes) ? Number(flags.nodes) : Number.NaN;
  if (!(nodes >= minLabNodes && nodes <= maxLabNodes)) {
    throw new LabOptionError(`invalid --nodes ${JSON.stringify(flags.nodes)}: expected a whole number from ${minLabNodes} to ${maxLabNodes}`);
  }
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
    bmc: flags.bmc === true,
    hypervisor: flags.hypervisor === true,
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
    .option('--nodes <count>', `number of corosync nodes, ${minLabNodes} to ${maxLabNodes} (node1…node${maxLabNodes})`, '2')
    .addOption(new Option('--algorithm <algorithm>', 'quorum device algorithm').choices(['ffsplit', 'lms', '2nodelms', 'test']).default('ffsplit'))
    .option('--tie-breaker <lowest|highest|id>', 'quorum device tie breaker', 'lowest')
    .addOption(new Option('--arbiter <arbiter>', 'what runs on the arbiter host').choices(['corosync-qnetd', 'none']).default('corosync-qnetd'))
    .option('--arbiter-command <command>', 'run this command on the arbiter host instead ({address} and {dir} are replaced)')
    .addOption(new Option('--tls <mode>', 'quorum device TLS (on/required make certificates with corosync\'s tools)').choices(['off', 'on', 'required']).default('off'))
    .addOption(new Option('--certificates <tool>', 'who makes the TLS certificates').choices(['corosync-certutil', 'quorate']).default('corosync-certutil'))
    .option('--no-qdevice', 'run the nodes without a quorum device')
    .option('--bmc', 'a BMC (ipmi_sim, IPMI over LAN) per node at 10.213.0.(200 + node id), switching the node\'s power')
    .option('--hypervisor', 'libvirtd + virtlogd + virtlockd per node, a shared image directory and a guest bridge on the lab\'s switch; builds the guest once')
    .option('--json', 'print the result as JSON')
    .action((flags: UpFlags) => labAction(async () => {
      const progress = flags.json ? () => undefined : (m: string) => process.stderr.write(`  ${m}\n`);
      const up = await NamespaceLab.up(labOptions(flags), progress);
      up.detach();
      const seconds = ((up.upDurationMs ?? 0) / 1000).toFixed(2);
      const hypervisor = up.options.hypervisor ? up.hypervisor : undefined;
      const hypervisorJson = hypervisor === undefined ? {}
        : { hypervisor: { sharedDir: hypervisor.sharedDir, image: hypervisor.image, bridge: hypervisor.bridge, libvirtdStartMs: hypervisor.libvirtdStartMs } };
      printResult({ name: up.name, id: up.id, upDurationMs: up.upDurationMs, hosts: up.hosts, ...hypervisorJson }, flags, () =>
        `lab ${up.name} up: all nodes quorate with ${up.nodes.length + (up.options.qdevice === 'none' ? 0 : 1)} expected votes after ${seconds} s`
        + `\n${table(['host', 'netns', 'address'], Object.values(up.hosts).map((h) => [h.name, h.netns, h.address]))}`
        + (hypervisor === undefined ? '' : `\nlibvirtd on every node (quorate lab exec node1 virsh -c qemu:///system list); shared dir ${hypervisor.sharedDir}, guest bridge ${hypervisor.bridge}`));
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
    .argument('<host>', hostNamesText)
    .argument('<command...>', 'the command and its options (a -- before it is optional)')
    // Everything from HOST on is the command's: `lab exec node1 corosync-quorumtool -s` works.
    .passThroughOptions()
    .action((host: string, args: string[], flags: { name: string }) => labAction(async () => {
      if (!isLabHostName(host)) throw new LabOptionError(`unknown host ${JSON.stringify(host)}: expected ${hostNamesText}`);
      const command = args[0] === '--' ? args.slice(1) : args;
      if (command.length === 0) throw new LabOptionError('give the command to run after the host');
      const child = NamespaceLab.attach(flags.name).spawn(host, command, { stdio: 'inherit' });
      const code = await new Promise<number>((resolve, reject) => {
        child.on('error', reject);
        child.on('close', (c, signal) => resolve(c ?? (signal ? 128 : 1)));
      });
      process.exitCode = code;
    }));

  lab.command('bmc')
    .description("show a node's BMC, or make it fail: alive, dies-with-node (a power loss takes it too) or unreachable")
    .addOption(nameOption())
    .argument('<node>', `node1…node${maxLabNodes} (as many as the lab has)`)
    .addArgument(new Argument('[fault]', 'how the BMC behaves from now on').choices(bmcFaults))
    .option('--json', 'print the result as JSON')
    .action((node: string, fault: BmcFault | undefined, flags: { name: string; json?: boolean }) => labAction(async () => {
      if (!isLabHostName(node) || node === 'arbiter') throw new LabOptionError(`unknown node ${JSON.stringify(node)}: expected node1…node${maxLabNodes}`);
      const attached = NamespaceLab.attach(flags.name);
      if (fault !== undefined) await attached.setBmcFault(node, fault);
      const { address, username, password, fault: current } = attached.bmc(node);
      printResult({ node, address, username, password, fault: current }, flags, (b) =>
        `${b.node}'s BMC at ${b.address} (user ${b.username}, password ${b.password}, lanplus, cipher 3): ${b.fault}`);
    }));

  lab.command('demo')
    .description('bring a lab up, fail an HA service over from node1 to node2, tear it down (npm run lab)')
    .addOption(new Option('--name <name>', 'lab name').default('demo'))
    .addOption(new Option('--profile <profile>', "corosync timings: fast (token 1 s) or corosync's defaults").choices(['default', 'fast']).default('fast'))
    .option('--vm', 'a real qemu guest under HA instead (hypervisor lab): live migration there and back, then failover on a power cut')
    .action((flags: { name: string; profile: 'default' | 'fast'; vm?: boolean }) => labAction(async () => {
      const print = (line: string): void => { process.stdout.write(`${line}\n`); };
      if (flags.vm === true) await runVmDemo({ name: flags.name, profile: flags.profile }, print);
      else await runDemo({ name: flags.name, profile: flags.profile }, print);
    }));
}
