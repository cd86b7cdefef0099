import { spawn } from 'node:child_process';
import type { Command } from 'commander';
import { Option } from 'commander';
import { ensureDemoService, measureFailover, startDemoProbe, vmlabFaults, type VmlabFailover, type VmlabFault } from '../vmlab/failover';
import { vmlabGuests, type GuestName } from '../vmlab/layout';
import { VmLab, vmlabIsUp, vmlabTeardownSync, vmlabUnavailableReason, type GuestStatus } from '../vmlab/vmlab';
import { CliError, exitCodes } from './errors';
import { printResult } from './output';
import { table } from '../util/text-table';

/** `quorate vmlab up|down|start|status|exec|failover`: three qemu guests with softdog (see docs/vmlab.md). */

const guestNames = vmlabGuests.map((g) => g.name);

function progressLine(message: string): void {
  process.stderr.write(`vmlab: ${message}\n`);
}

function attached(): VmLab {
  try {
    return VmLab.attach();
  } catch (err) {
    throw new CliError(err instanceof Error ? err.message : String(err), exitCodes.unavailable);
  }
}

function guestArgument(name: string): GuestName {
  if (!guestNames.includes(name as GuestName)) throw new CliError(`unknown guest ${JSON.stringify(name)}: expected one of ${guestNames.join(', ')}`, exitCodes.usage);
  return name as GuestName;
}

function renderStatus(guests: GuestStatus[]): string {
  return table(['guest', 'role', 'address', 'state', 'qemu pid'],
    guests.map((g) => [g.name, g.role, g.address, g.running ? 'running' : 'off (reset or powered off)', g.pid === undefined ? '-' : String(g.pid)]));
}

function renderFailover(f: VmlabFailover): string {
  const s = (ms: number | undefined): string => (ms === undefined ? '-' : `${(ms / 1000).toFixed(2)} s`);
  return [
    `${f.fault} of ${f.from}: ${f.to} answers after ${s(f.answerAfterMs)}`,
    `  ${f.from} reset by its watchdog after ${f.fault === 'link-cut' ? s(f.resetAfterMs) : '- (powered off)'}`,
    `  last answer from ${f.from}: ${s(f.lastOldAnswerMs)} after the fault`,
  ].join('\n');
}

export function registerVmlabCommands(program: Command): void {
  const vmlab = program.command('vmlab').description('three qemu guests (node1, node2, arbiter) with softdog as the nodes\' real watchdog');

  vmlab.command('up')
    .description('build or reuse the image, boot the guests, wait until both nodes count 3 votes and their daemons answer')
    .action(async () => {
      const reason = vmlabUnavailableReason();
      if (reason !== undefined) throw new CliError(reason, exitCodes.unavailable);
      if (vmlabIsUp()) throw new CliError('a VM lab is up already: `quorate vmlab down` first', exitCodes.refused);
      try {
        await VmLab.up({ owned: false, progress: progressLine });
      } catch (err) {
        vmlabTeardownSync();
        throw new CliError(err instanceof Error ? err.message : String(err));
      }
      progressLine('up: `quorate vmlab exec node1 -- quorate status`, `quorate vmlab failover`, `quorate vmlab down`');
    });

  vmlab.command('down')
    .description('stop every guest and remove the namespace, overlays and code disk (the cached image stays)')
    .action(() => {
      vmlabTeardownSync();
    });

  vmlab.command('start')
    .description('power a guest that was reset or powered off on again (its disk as it was) and wait until it is back')
    .argument('<guest>', `one of ${guestNames.join(', ')}`)
    .action(async (name: string) => {
      const lab = attached();
      const guest = guestArgument(name);
      if (lab.isRunning(guest)) throw new CliError(`${guest} is running already`, exitCodes.refused);
      await lab.restart(guest, progressLine);
    });

  vmlab.command('status')
    .description('the guests and whether each runs')
    .option('--json', 'print the result as JSON')
    .action((flags: { json?: boolean }) => {
      printResult(attached().status(), flags, renderStatus);
    });

  vmlab.command('exec')
    .description('run a command in a guest as root (over ssh from the lab namespace)')
    .argument('<guest>', `one of ${guestNames.join(', ')}`)
    .argument('<command...>', 'the command, after --')
    .action(async (name: string, command: string[]) => {
      const argv = attached().execArgv(guestArgument(name), command);
      const child = spawn(argv[0] ?? 'ip', argv.slice(1), { stdio: 'inherit' });
      process.exitCode = await new Promise<number>((resolve, reject) => {
        child.on('error', reject);
        child.on('close', (code, signal) => resolve(code ?? (signal ? 128 : 1)));
      });
    });

  vmlab.command('failover')
    .description('put the demo service lab:web on node1 (if absent), hit its node with a fault, time the takeover and the watchdog reset')
    .addOption(new Option('--fault <kind>', 'what happens to the service\'s node').choices([...vmlabFaults]).default('link-cut'))
    .option('--json', 'print the result as JSON')
    .action(async (flags: { fault: VmlabFault; json?: boolean }) => {
      const lab = attached();
      const probe = startDemoProbe();
      try {
        if (!lab.isRunning('node1') || !lab.isRunning('node2')) throw new CliError('both nodes must run: `quorate vmlab down` and `up` again', exitCodes.refused);
        const from = await ensureDemoService(lab, probe, 'node1');
        progressLine(`lab:web answers from ${from}; ${flags.fault} of ${from}`);
        printResult(await measureFailover(lab, probe, flags.fault, from), flags, renderFailover);
      } finally {
        await probe.stop();
      }
    });
}
