import { Lab } from '../src/lab/lab';
import type { LabProfile } from '../src/lab/corosync-config';
import { monotonicClock } from '../src/util/clock';

/**
 * `npm run bench -- lab [CYCLES]`: full lab cycles per profile: bring-up until every node is
 * quorate with the device vote, then teardown. Prints min / median / max per phase.
 */
function summary(values: number[]): string {
  const sorted = [...values].sort((a, b) => a - b);
  const median = sorted[Math.floor(sorted.length / 2)] ?? 0;
  return `min ${sorted[0] ?? 0} ms, median ${median} ms, max ${sorted[sorted.length - 1] ?? 0} ms`;
}

export async function run(args: string[]): Promise<void> {
  const cycles = Number(args[0] ?? 3);
  if (!Number.isInteger(cycles) || cycles < 1) throw new Error(`invalid cycle count ${String(args[0])}`);
  for (const profile of ['fast', 'default'] as LabProfile[]) {
    const up: number[] = [];
    const down: number[] = [];
    for (let i = 0; i < cycles; i++) {
      const lab = await Lab.up({ profile });
      up.push(lab.upDurationMs ?? 0);
      const downStart = monotonicClock.now();
      await lab.down();
      down.push(monotonicClock.now() - downStart);
    }
    console.log(`lab ${profile} profile, ${cycles} cycles: up ${summary(up)}; down ${summary(down)}`);
  }
}
