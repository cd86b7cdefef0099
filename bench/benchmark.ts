import { Command, InvalidArgumentError } from 'commander';

/**
 * What every benchmark (bench/NAME.ts) exports as `benchmark`: the one place it declares its
 * arguments and options with their defaults, and how long a run with the defaults takes, so
 * that `npm run bench -- NAME --help` answers the same way for each, and a bad argument is
 * refused by name before anything starts.
 */
export interface Benchmark {
  /** One line: what it measures. */
  summary: string;
  /** How long the defaults take on the 2-core build machine, e.g. "about 40 minutes". */
  estimate: string;
  /** Declares arguments and options (with defaults) on the command main.ts parses with. */
  declare(command: Command): Command;
  /** Runs with the parsed options (commander's opts()) and the declared arguments in order. */
  run(options: Record<string, unknown>, args: unknown[]): Promise<void>;
}

/** The command a benchmark's arguments are parsed with; its help ends with the estimate. */
export function benchCommand(name: string, benchmark: Benchmark): Command {
  const command = new Command(`npm run bench -- ${name}`)
    .description(benchmark.summary)
    .exitOverride()
    .allowExcessArguments(false)
    .showHelpAfterError(`(see npm run bench -- ${name} --help)`)
    .action(() => undefined);
  benchmark.declare(command);
  command.addHelpText('after', `\nWith the defaults this takes ${benchmark.estimate}.`);
  return command;
}

/** An argument parser for whole numbers ≥ `min`, naming the argument when it is not one. */
export function wholeNumber(min: number): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (!/^\d+$/.test(value) || n < min) throw new InvalidArgumentError(`expected a whole number ≥ ${min}`);
    return n;
  };
}
