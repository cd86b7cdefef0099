import { NamespaceLab } from '../src/lab/namespace-lab';
import type { LabProfile } from '../src/lab/corosync-config';
import { monotonicClock } from '../src/util/clock';
import { wholeNumber, type Benchmark } from './benchmark';

/**
 * `npm run bench -- lab [CYCLES]`: full lab cycles per profile: bring-up until every node is
 * quorate with the device vote, then teardown. Prints min / median / max per phase.
 */
function summary(values: number[]): string {
  const sorted = [...values].sort((a, b) => a - b);
  const median = sorted[Math.floor(sorted.length / 2)] ?? 0;
  return `min ${sorted[0] ?? 0} ms, median ${median} ms, max ${sorted[sorted.length - 1] ?? 0} ms`;
}

async function run(cycles: number): Promise<void> {
  for (const profile of ['fast', 'default'] as LabProfile[]) {
    const up: number[] = [];
    const down: number[] = [];
    for (let i = 0; i < cycles; i++) {
      const lab = await NamespaceLab.up({ profile });
      up.push(lab.upDurationMs ?? 0);
      const downStart = monotonicClock.now();
      await lab.down();
      down.push(monotonicClock.now() - downStart);
    }
    console.log(`lab ${profile} profile, ${cycles} cycles: up ${summary(up)}; down ${summary(down)}`);
  }
}

export const benchmark: Benchmark = {
  summary: 'lab bring-up (to quorum with every vote) and teardown, fast and default corosync profiles',
  estimate: 'about 30 seconds (3 cycles of each profile: 2-5 s up, 0.1 s down)',
  declare: (command) => command.argument('[cycles]', 'bring-up and teardown cycles per profile', wholeNumber(1), 3),
  run: (_options, [cycles]) => run(cycles as number),
};
