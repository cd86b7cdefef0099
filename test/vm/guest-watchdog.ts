import { monotonicClock } from '../../src/util/clock';
import { openKernelWatchdog } from '../../src/watchdog/kernel-device';
import { MuxCore } from '../../src/watchdog/mux-core';
import { directoryMarker } from '../../src/watchdog/restart-guard';
import { guestPlan } from './guest-plan';

/**
 * Runs inside the qemu guest (PID 1's child, console on the serial port): drives softdog
 * through our kernel device and multiplexer, then stops feeding so that the guest resets.
 * Every event is one "WDT {json}" line for the host to time.
 */
const say = (event: string, detail: Record<string, unknown> = {}) => process.stdout.write(`WDT ${JSON.stringify({ event, ...detail })}\n`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function main(): Promise<void> {
  // 1. Set and read back the timeout, keep alive, disarm with the magic close.
  const device = await openKernelWatchdog('/dev/watchdog');
  const set = device.setTimeout(guestPlan.firstTimeoutS);
  say('timeout', { asked: guestPlan.firstTimeoutS, set, read: device.getTimeout(), identity: device.getSupport().identity, bootStatus: device.bootStatus() });
  for (let i = 0; i < 4; i++) {
    device.keepalive();
    await sleep(guestPlan.checkInEveryMs);
  }
  say('kept-alive');
  device.close({ magic: true });
  say('disarmed');
  await sleep(guestPlan.firstTimeoutS * 1000 + 1500);
  say('alive-after-magic-close');

  // 2. The multiplexer on the kernel device: a client checks in, then falls silent.
  const log = { info: (m: string) => say('log', { m }), warn: (m: string) => say('log', { m }), error: (m: string) => say('log', { m }) };
  const mux = new MuxCore({
    openDevice: () => openKernelWatchdog('/dev/watchdog'), deviceName: '/dev/watchdog',
    timeoutSeconds: guestPlan.muxTimeoutS, clock: monotonicClock, log, marker: directoryMarker('/run/wd.active'),
  });
  const grant = await mux.openLease({ client: 'lrm', deadlineMs: guestPlan.deadlineMs });
  say('lease', { timeoutMs: grant.timeoutMs, device: mux.status().device });
  for (let i = 0; i < 4; i++) {
    await sleep(guestPlan.checkInEveryMs);
    const result = await mux.checkIn('lrm');
    if (!result.fed) throw new Error(`check-in not fed: ${String(result.tripped)}`);
  }
  say('last-keepalive');
  // Stay alive and silent: only the reset ends this.
  setInterval(() => undefined, 60_000);
}

main().catch((err: unknown) => {
  say('error', { message: err instanceof Error ? err.message : String(err) });
  process.exitCode = 1;
});
