import path from 'node:path';
import fs from 'node:fs';
import { CommanderError } from 'commander';
import { benchCommand, type Benchmark } from './benchmark';

/**
 * `npm run bench -- NAME [ARGS…]`: runs bench/NAME.ts (compiled), whose `benchmark` declares its
 * options (`NAME --help` lists them with their defaults and how long the defaults take) and
 * prints its figures. Benchmarks measure with monotonic time and compare side by side in one run.
 */
async function load(name: string): Promise<Benchmark> {
  const { benchmark } = (await import(path.join(__dirname, `${name}.js`))) as { benchmark?: Benchmark };
  if (benchmark === undefined) throw new Error(`bench/${name}.ts exports no \`benchmark\` (see bench/benchmark.ts)`);
  return benchmark;
}

async function main(argv: string[]): Promise<number> {
  const available = fs.readdirSync(__dirname)
    .filter((f) => f.endsWith('.js') && f !== 'main.js' && f !== 'benchmark.js')
    .map((f) => f.slice(0, -3))
    .sort();
  const [name, ...args] = argv;
  if (name === undefined || !available.includes(name)) {
    const known = await Promise.all(available.map(async (n) => `  ${n.padEnd(10)} ${(await load(n)).summary}`));
    const help = `usage: npm run bench -- NAME [ARGS…]   (NAME --help: its options, defaults and duration)\n\n${known.join('\n')}\n`;
    const asked = name === undefined || name === '--help' || name === '-h';
    (asked ? process.stdout : process.stderr).write(asked ? help : `bench: unknown benchmark ${JSON.stringify(name)}\n${help}`);
    return asked ? 0 : 2;
  }
  const benchmark = await load(name);
  const command = benchCommand(name, benchmark);
  try {
    command.parse(args, { from: 'user' });
  } catch (err) {
    // --help exits through here with code 0; commander printed the usage error already.
    if (err instanceof CommanderError) return err.exitCode === 0 ? 0 : 2;
    throw err;
  }
  await benchmark.run(command.opts(), command.processedArgs);
  return 0;
}

main(process.argv.slice(2)).then(
  // A benchmark owns its process: once its figures are printed nothing may keep it waiting.
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`bench: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  },
);
