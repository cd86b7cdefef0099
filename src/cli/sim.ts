import fs from 'node:fs';
import type { Command } from 'commander';
import { CliError, exitCodes } from './errors';
import { printResult } from './output';
import { formatLine, simulate, SimulationFailure } from '../ha/sim/simulator';
import { loadScenario, ScenarioError } from '../ha/sim/scenario';
import { checkSchedules, writeReproducer } from '../ha/sim/random';

interface SimOptions {
  json?: boolean;
  random?: string;
  seed?: string;
  check?: boolean;
  write?: boolean;
}

function positiveInt(value: string | undefined, what: string, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new CliError(`${what} must be a non-negative integer, got '${value}'`, exitCodes.usage);
  return n;
}

function runScenario(dir: string, options: SimOptions): void {
  let scenario;
  try {
    scenario = loadScenario(dir);
  } catch (err) {
    if (err instanceof ScenarioError) throw new CliError(err.message, exitCodes.usage);
    throw err;
  }
  let outcome;
  try {
    outcome = simulate(scenario);
  } catch (err) {
    if (err instanceof SimulationFailure) {
      if (!options.json) process.stdout.write(`${err.lines.map(formatLine).join('\n')}\n`);
      throw new CliError(`${scenario.name}: ${err.message}`);
    }
    if (err instanceof ScenarioError) throw new CliError(`${scenario.name}: ${err.message}`);
    throw err;
  }
  const lines = outcome.lines.map(formatLine);
  if (options.write) fs.writeFileSync(`${dir}/log.expect`, `${lines.join('\n')}\n`);
  // Compared before printing, so that with --json a mismatch is the one document printed.
  let mismatch: string | null = null;
  if (options.check) {
    if (scenario.expected === null) throw new CliError(`${dir}: no log.expect to compare with`);
    mismatch = diffLines(scenario.expected, lines);
  }
  if (mismatch !== null) {
    if (!options.json) process.stdout.write(`${lines.join('\n')}\n`);
    throw new CliError(`${scenario.name}: log differs from log.expect\n${mismatch}`);
  }
  const result = { scenario: scenario.name, description: scenario.description, ...outcome, ...(options.check ? { matchesExpected: true } : {}) };
  printResult(result, options, () => [...lines, ...(options.check ? [`${scenario.name}: the log matches log.expect (${lines.length} lines)`] : [])].join('\n'));
}

/** A short readable diff: the first differing region with a few lines of context. */
export function diffLines(expected: string[], actual: string[], context = 3): string | null {
  let first = 0;
  while (first < expected.length && first < actual.length && expected[first] === actual[first]) first++;
  if (first === expected.length && first === actual.length) return null;
  let endE = expected.length;
  let endA = actual.length;
  while (endE > first && endA > first && expected[endE - 1] === actual[endA - 1]) {
    endE--;
    endA--;
  }
  const from = Math.max(0, first - context);
  const out = [`@@ line ${first + 1} @@`];
  for (let i = from; i < first; i++) out.push(`  ${expected[i]}`);
  for (let i = first; i < Math.min(endE, first + 20); i++) out.push(`- ${expected[i]}`);
  for (let i = first; i < Math.min(endA, first + 20); i++) out.push(`+ ${actual[i]}`);
  for (let i = endE; i < Math.min(expected.length, endE + context); i++) out.push(`  ${expected[i]}`);
  return out.join('\n');
}

export function registerSimCommands(program: Command): void {
  program
    .command('sim')
    .description('run an HA scenario in the deterministic simulator, or check the safety invariant over random schedules')
    .argument('[scenario-dir]', 'directory with config.json, commands, README and log.expect')
    .option('--json', 'print the log and final state as JSON')
    .option('--check', 'compare with log.expect and fail on a difference')
    .option('--write', 'write the produced log to log.expect')
    .option('--random <n>', 'run N randomly generated schedules and check the invariant')
    .option('--seed <s>', 'seed of the first random schedule', '1')
    .action((dir: string | undefined, options: SimOptions) => {
      if (options.random !== undefined) {
        const count = positiveInt(options.random, '--random', 0);
        const seed = positiveInt(options.seed, '--seed', 1);
        const report = checkSchedules(count, seed);
        if (report.failure !== null) {
          const where = writeReproducer(report.failure);
          throw new CliError(`seed ${report.failure.seed}: ${report.failure.error}\nreproducer: ${where} (quorate sim ${where})`);
        }
        printResult(report, options, (r) => `${r.schedules} schedules from seed ${seed}: invariant held (${(r.simulatedMs / 1000).toFixed(0)} s simulated in ${r.wallMs.toFixed(0)} ms)`);
        return;
      }
      if (dir === undefined) throw new CliError('give a scenario directory or --random N', exitCodes.usage);
      runScenario(dir, options);
    });
}
