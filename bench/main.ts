import path from 'node:path';
import fs from 'node:fs';

/**
 * `npm run bench -- NAME [ARGS…]`: runs bench/NAME.ts (compiled), whose `run(args)` prints its
 * figures. Benchmarks measure with monotonic time and compare side by side in one run.
 */
interface Benchmark {
  run(args: string[]): Promise<void>;
}

async function main(argv: string[]): Promise<number> {
  const available = fs.readdirSync(__dirname)
    .filter((f) => f.endsWith('.js') && f !== 'main.js')
    .map((f) => f.slice(0, -3))
    .sort();
  const [name, ...args] = argv;
  if (name === undefined || !available.includes(name)) {
    process.stderr.write(`usage: npm run bench -- NAME [ARGS…]\nbenchmarks: ${available.join(', ') || '(none yet)'}\n`);
    return 2;
  }
  const bench = (await import(path.join(__dirname, `${name}.js`))) as Benchmark;
  await bench.run(args);
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
