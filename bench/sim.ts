import { performance } from 'node:perf_hooks';
import path from 'node:path';
import { checkSchedules } from '../src/ha/sim/random';
import { findScenarios, loadScenario } from '../src/ha/sim/scenario';
import { simulate } from '../src/ha/sim/simulator';
import { wholeNumber, type Benchmark } from './benchmark';

/**
 * `npm run bench -- sim [SCHEDULES] [SEED]`: replays every golden scenario, then a longer
 * randomized invariant check; prints the scenario count, schedules per second and the ratio of
 * simulated to wall-clock time.
 */
async function run(schedules: number, seed: number): Promise<void> {
  const dirs = findScenarios(path.resolve(__dirname, '../../test/scenarios'));
  const start = performance.now();
  let simulated = 0;
  for (const dir of dirs) simulated += simulate(loadScenario(dir)).simulatedMs;
  const scenarioWall = performance.now() - start;
  process.stdout.write(`scenarios: ${dirs.length}, ${(simulated / 1000).toFixed(0)} s simulated in ${scenarioWall.toFixed(0)} ms (sim/wall ${(simulated / scenarioWall).toFixed(0)}x)\n`);
  const report = checkSchedules(schedules, seed);
  const perSecond = report.schedules / (report.wallMs / 1000);
  process.stdout.write(`random: ${report.schedules} schedules from seed ${seed} in ${(report.wallMs / 1000).toFixed(1)} s = ${perSecond.toFixed(0)} schedules/s, `
    + `${(report.simulatedMs / 1000).toFixed(0)} s simulated (sim/wall ${(report.simulatedMs / report.wallMs).toFixed(0)}x)\n`);
  if (report.failure !== null) {
    process.stdout.write(`invariant broken at seed ${report.failure.seed}: ${report.failure.error}\n`);
    process.exitCode = 1;
  } else {
    process.stdout.write('invariant held in every schedule\n');
  }
}

export const benchmark: Benchmark = {
  summary: 'HA simulator: every golden scenario, then the safety invariant over random schedules',
  estimate: 'about 2 minutes (142 golden scenarios, then 3000 schedules at 25-50 a second on the shared 2 cores)',
  declare: (command) => command
    .argument('[schedules]', 'random schedules to check', wholeNumber(1), 3000)
    .argument('[seed]', 'seed of the first schedule', wholeNumber(0), 1),
  run: (_options, [schedules, seed]) => run(schedules as number, seed as number),
};
