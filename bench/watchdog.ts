import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openEmulatedWatchdog } from '../src/watchdog/emulated-device';
import { EmulatedWatchdogTimer } from '../src/watchdog/emulated-timer';
import { openWatchdogLease } from '../src/watchdog/mux-client';
import { startWatchdogMux } from '../src/watchdog/mux-daemon';
import { wholeNumber, type Benchmark } from './benchmark';

const nowMs = () => Number(process.hrtime.bigint() / 1_000_000n);
const quiet = { info: () => undefined, warn: () => undefined, error: () => undefined };

/**
 * `npm run bench -- watchdog [RUNS] [TIMEOUT_S]`: the lab watchdog path without namespaces (no
 * root): a client checks in through the multiplexer's socket, falls silent, and the lab timer
 * fires. Prints last check-in → feeding stopped and → reset per run, and min/median/max.
 */
async function run(runs: number, timeoutSeconds: number): Promise<void> {
  const deadlineMs = Math.floor(timeoutSeconds * 1000 * 0.5);
  const totals: number[] = [];
  for (let i = 0; i < runs; i++) {
    const dir = await mkdtemp(join(tmpdir(), 'quorate-wdbench-'));
    let markReset: (at: number) => void = () => undefined;
    const resetAt = new Promise<number>((resolve) => { markReset = resolve; });
    const timer = await EmulatedWatchdogTimer.start({ host: 'bench', socketPath: join(dir, 't.sock'), log: quiet, reset: async () => markReset(nowMs()) });
    const mux = await startWatchdogMux({
      socketPath: join(dir, 'm.sock'), markerPath: join(dir, 'armed'), timeoutSeconds, deviceName: 'lab:bench',
      openDevice: () => openEmulatedWatchdog(join(dir, 't.sock')), log: quiet,
    });
    const lease = await openWatchdogLease({ client: 'bench', deadlineMs }, join(dir, 'm.sock'));
    for (let n = 0; n < 4; n++) {
      await new Promise((r) => setTimeout(r, deadlineMs / 4));
      await lease.checkIn();
    }
    const last = nowMs();
    const total = (await resetAt) - last;
    totals.push(total);
    process.stdout.write(`run ${i + 1}: last check-in → reset ${total} ms (${mux.core.status().tripped ?? 'feeding not stopped'})\n`);
    lease.abandon();
    mux.core.dispose();
    await mux.server.close();
    await timer.close();
    await rm(dir, { recursive: true, force: true });
  }
  const sorted = [...totals].sort((a, b) => a - b);
  process.stdout.write(`lab watchdog, timeout ${timeoutSeconds * 1000} ms, deadline ${deadlineMs} ms: ` +
    `min ${sorted[0]} / median ${sorted[Math.floor(sorted.length / 2)]} / max ${sorted.at(-1)} ms over ${runs} runs\n`);
}

export const benchmark: Benchmark = {
  summary: 'lab watchdog through the multiplexer without namespaces: last check-in → reset',
  estimate: 'about 10 seconds (5 runs of ~2 timeouts of 1 s)',
  declare: (command) => command
    .argument('[runs]', 'runs', wholeNumber(1), 5)
    .argument('[timeout]', 'watchdog timeout in seconds (the deadline is half of it)', wholeNumber(1), 1),
  run: (_options, [runs, timeout]) => run(runs as number, timeout as number),
};
