import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openEmulatedWatchdog } from '../../../src/watchdog/emulated-device';
import { EmulatedWatchdogTimer } from '../../../src/watchdog/emulated-timer';
import { SimClock } from '../../../src/util/sim-clock';
import { captureLog } from './fake-device';

/** The lab's emulated watchdog hardware, on a manual clock: /dev/watchdog semantics. */
describe('lab watchdog timer', () => {
  let dir: string;
  let clock: SimClock;
  let timer: EmulatedWatchdogTimer;
  let resets: number;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'quorate-labtimer-'));
    clock = new SimClock();
    resets = 0;
    timer = await EmulatedWatchdogTimer.start({ host: 'h1', socketPath: join(dir, 't.sock'), log: captureLog(), clock, reset: async () => { resets++; } });
  });

  afterEach(async () => {
    await timer.close();
    await rm(dir, { recursive: true, force: true });
  });

  const settle = () => new Promise((r) => setTimeout(r, 20));

  it('arms on open with the 60 s default and takes a new timeout', async () => {
    const device = await openEmulatedWatchdog(join(dir, 't.sock'));
    assert.equal(timer.isArmed, true);
    assert.equal(device.getTimeout(), 60);
    assert.equal(device.bootStatus(), 0);
    assert.equal(device.getSupport().identity, 'quorate lab watchdog');
    assert.equal(device.setTimeout(5), 5);
    assert.equal(device.getTimeout(), 5);
    assert.throws(() => device.setTimeout(0), /watchdog timeout must be an integer number of seconds in 1\.\.65535, got 0/);
    device.close({ magic: true });
  });

  it('expires one timeout after the last keep-alive, resets the host, and says so at the next open', async () => {
    const device = await openEmulatedWatchdog(join(dir, 't.sock'));
    device.setTimeout(5);
    await settle();
    clock.advance(4000);
    device.keepalive();
    await settle();
    clock.advance(4999);
    assert.equal(resets, 0);
    clock.advance(1);
    await settle();
    assert.equal(resets, 1);
    assert.deepEqual(timer.expiries.map((e) => [e.host, e.silentMs, e.timeoutMs]), [['h1', 5000, 5000]]);
    assert.equal(timer.isArmed, false, 'the host boots with the watchdog off');
    const reopened = await openEmulatedWatchdog(join(dir, 't.sock'));
    assert.equal(reopened.bootStatus(), 0x20, 'WDIOF_CARDRESET');
    reopened.close({ magic: true });
  });

  it('keeps a sysfs-like boot status: 0 at start, WDIOF_CARDRESET after its reset, 0 after any other boot', async () => {
    const sysfs = join(dir, 'sysfs');
    const withSysfs = await EmulatedWatchdogTimer.start({ host: 'h2', socketPath: join(dir, 's.sock'), sysfsDir: sysfs, log: captureLog(), clock, reset: async () => undefined });
    try {
      const read = (file: string) => readFileSync(join(sysfs, file), 'utf8');
      assert.deepEqual([read('bootstatus'), read('identity')], ['0\n', 'quorate lab watchdog\n']);
      const device = await openEmulatedWatchdog(join(dir, 's.sock'));
      device.setTimeout(1);
      await settle();
      clock.advance(1000);
      await settle();
      assert.equal(read('bootstatus'), '32\n');
      withSysfs.bootedOtherwise();
      assert.equal(read('bootstatus'), '0\n');
    } finally {
      await withSysfs.close();
    }
  });

  it('is single-open, and keeps counting after a close without the magic close', async () => {
    const device = await openEmulatedWatchdog(join(dir, 't.sock'));
    device.setTimeout(3);
    await assert.rejects(openEmulatedWatchdog(join(dir, 't.sock')), /already open \(device busy\)/);
    device.close({ magic: false });
    await settle();
    assert.equal(timer.isArmed, true);
    clock.advance(3000);
    await settle();
    assert.equal(resets, 1);
  });

  it('disarms on the magic close', async () => {
    const device = await openEmulatedWatchdog(join(dir, 't.sock'));
    device.setTimeout(2);
    device.close({ magic: true });
    await settle();
    clock.advance(10_000);
    await settle();
    assert.equal(resets, 0);
    assert.equal(timer.isArmed, false);
  });
});
