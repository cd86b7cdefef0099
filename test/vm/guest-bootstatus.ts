import { monotonicClock } from '../../src/util/clock';
import { readSysfsBootStatus } from '../../src/watchdog/boot-status';
import { openKernelWatchdog } from '../../src/watchdog/kernel-device';
import { MuxCore } from '../../src/watchdog/mux-core';
import { directoryMarker } from '../../src/watchdog/restart-guard';
import { guestPlan } from './guest-plan';

/**
 * Runs inside the qemu guest with qemu's emulated i6300ESB: each boot reads the boot status from
 * sysfs (before anything opens the device, as the multiplexer does at start). A boot that was no
 * watchdog reset runs the multiplexer on the device and falls silent, so the watchdog resets the
 * guest; the boot after it reads the status again, checks it against WDIOC_GETBOOTSTATUS and
 * powers off. Every event is one "WDT {json}" line for the host.
 */
const say = (event: string, detail: Record<string, unknown> = {}) => process.stdout.write(`WDT ${JSON.stringify({ event, ...detail })}\n`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const sysfs = '/sys/class/watchdog/watchdog0';

async function main(): Promise<void> {
  const read = readSysfsBootStatus(sysfs);
  if ('problem' in read) throw new Error(read.problem);
  say('boot', { ...read.status });
  const log = { info: (m: string) => say('log', { m }), warn: (m: string) => say('log', { m }), error: (m: string) => say('log', { m }) };
  if (read.status.verdict === 'watchdog-reset') {
    const device = await openKernelWatchdog('/dev/watchdog');
    say('ioctl', { bootStatus: device.bootStatus(), identity: device.getSupport().identity });
    device.close({ magic: true });
    return;
  }
  const mux = new MuxCore({
    openDevice: () => openKernelWatchdog('/dev/watchdog'), deviceName: '/dev/watchdog', bootStatus: read.status,
    timeoutSeconds: guestPlan.muxTimeoutS, clock: monotonicClock, log, marker: directoryMarker('/run/wd.active'),
  });
  await mux.openLease({ client: 'lrm', deadlineMs: guestPlan.deadlineMs });
  for (let i = 0; i < 4; i++) {
    await sleep(guestPlan.checkInEveryMs);
    await mux.checkIn('lrm');
  }
  say('last-keepalive', { status: mux.status().bootStatus });
  setInterval(() => undefined, 60_000);
}

main().catch((err: unknown) => {
  say('error', { message: err instanceof Error ? err.message : String(err) });
  process.exitCode = 1;
});
