#!/usr/bin/env node
import packageJson from '../../package.json';
import { Command, CommanderError } from 'commander';
import { CliError, exitCodes } from './errors';
import { registerCommands } from './commands';

/** Builds the `quorate` command tree; exported so tests can drive it without a process. */
export function buildProgram(): Command {
  const program = new Command('quorate')
    .description('High availability for corosync clusters: quorum, arbiter, HA services, lab')
    .version(packageJson.version)
    .showHelpAfterError()
    .exitOverride();
  registerCommands(program);
  return program;
}

export async function main(argv: string[]): Promise<number> {
  try {
    await buildProgram().parseAsync(argv, { from: 'user' });
    return process.exitCode === undefined ? exitCodes.ok : Number(process.exitCode);
  } catch (err) {
    if (err instanceof CommanderError) {
      // Help and version exit through here with code 0; usage errors were already printed.
      return err.exitCode === 0 ? exitCodes.ok : exitCodes.usage;
    }
    if (err instanceof CliError) {
      process.stderr.write(`quorate: ${err.message}\n`);
      return err.exitCode;
    }
    process.stderr.write(`quorate: unexpected error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    return exitCodes.failure;
  }
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => { process.exitCode = code; },
    () => { process.exitCode = exitCodes.failure; },
  );
}
