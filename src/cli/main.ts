#!/usr/bin/env node
import packageJson from '../../package.json';
import { Command, CommanderError } from 'commander';
import { CliError, exitCodes } from './errors';
import { registerCommands } from './commands';
import { invokedCommand, reportError } from './error-report';

/** Builds the `quorate` command tree; exported so tests can drive it without a process. */
export function buildProgram(): Command {
  const program = new Command('quorate')
    .description('High availability for corosync clusters: quorum, arbiter, HA services, lab')
    .version(packageJson.version)
    // Usage errors are reported by main(), one line after nothing else (see error-report.ts).
    .configureOutput({ outputError: () => undefined })
    .exitOverride();
  registerCommands(program);
  // The program's own options (--version) only before the verb; lets `lab exec` pass options through.
  program.enablePositionalOptions();
  return program;
}

export async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv, { from: 'user' });
    return process.exitCode === undefined ? exitCodes.ok : Number(process.exitCode);
  } catch (err) {
    const invoked = invokedCommand(program, argv);
    if (err instanceof CommanderError) {
      // Help and version exit through here with code 0, a verb group without its verb with the
      // help already printed (commander.help); every other code is a usage error.
      if (err.exitCode === 0) return exitCodes.ok;
      if (err.code !== 'commander.help') reportError(invoked, err.message.replace(/^error: /, '').replace(/\n/g, ' '), exitCodes.usage);
      return exitCodes.usage;
    }
    if (err instanceof CliError) {
      reportError(invoked, err.message, err.exitCode);
      return err.exitCode;
    }
    reportError(invoked, `unexpected error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`, exitCodes.failure);
    return exitCodes.failure;
  }
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => { process.exitCode = code; },
    () => { process.exitCode = exitCodes.failure; },
  );
}
