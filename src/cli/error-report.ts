import type { Command } from 'commander';
import { exitCodes } from './errors';

/**
 * How a failed `quorate` run reports: one line on stderr, last (never above the usage), with a
 * pointer to the help of the verb for usage errors; with --json also a JSON object on stdout,
 * `{"error": {"message", "code"}, "exitCode"}`, so scripts parse failures as they parse results.
 */

/** The verb an argv reaches (the deepest subcommand named before `--`) and whether it asked for JSON. */
export interface InvokedCommand {
  path: string;
  json: boolean;
}

export function invokedCommand(program: Command, argv: readonly string[]): InvokedCommand {
  const own = argv.includes('--') ? argv.slice(0, argv.indexOf('--')) : argv;
  let command = program;
  for (const arg of own) {
    if (arg.startsWith('-')) continue;
    const sub = command.commands.find((c) => c.name() === arg || c.aliases().includes(arg));
    if (sub === undefined) {
      // The first operand of a verb ends the verb path (it is an argument, e.g. a host name).
      if (command.commands.length === 0) break;
      continue;
    }
    command = sub;
  }
  const names: string[] = [];
  for (let c: Command | null = command; c !== null; c = c.parent) names.unshift(c.name());
  const json = own.includes('--json') && command.options.some((o) => o.long === '--json');
  return { path: names.join(' '), json };
}

const codeNames: Record<number, string> = Object.fromEntries(Object.entries(exitCodes).map(([name, code]) => [code, name]));

export function reportError(invoked: InvokedCommand, message: string, exitCode: number): void {
  const pointer = exitCode === exitCodes.usage ? ` (see ${invoked.path} --help)` : '';
  process.stderr.write(`quorate: ${message}${pointer}\n`);
  if (invoked.json) {
    const error = { error: { message, code: codeNames[exitCode] ?? 'failure' }, exitCode };
    process.stdout.write(`${JSON.stringify(error, null, 2)}\n`);
  }
}
