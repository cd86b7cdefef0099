import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openLabWatchdog } from '../../../src/watchdog/lab-device';
import { LabWatchdogTimer } from '../../../src/watchdog/lab-timer';
import { connectUnix } from '../../../src/watchdog/unix-socket';
import { ManualClock } from '../../support/manual-clock';
import { captureLog } from './fake-device';

/** The lab's emulated watchdog hardware, on a manual clock: /dev/watchdog semantics. */
describe('lab watchdog timer', () => {
  let dir: string;
  let clock: ManualClock;
  let timer: LabWatchdogTimer;
  let resets: number;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'quorate-labtimer-'));
    clock = new ManualClock();
    resets = 0;
    timer = await LabWatchdogTimer.start({ host: 'h1', socketPath: join(dir, 't.sock'), log: captureLog(), clock, reset: async () => { resets++; } });
  });

  afterEach(async () => {
    await timer.close();
    await rm(dir, { recursive: true, force: true });
  });

  const settle = () => new Promise((r) => setTimeout(r, 20));

  it('arms on open with the 60 s default, takes a new timeout and reads it back', async () => {
    const device = await openLabWatchdog(join(dir, 't.sock'));
    await settle();
    assert.equal(timer.isArmed, true);
    assert.equal(await device.getTimeout(), 60);
    assert.equal(await device.setTimeout(5), 5);
    assert.equal(await device.getTimeout(), 5);
    await assert.rejects(device.setTimeout(0), /settimeout: seconds must be an integer 1-65535/);
    await device.magicClose();
  });

  it('expires exactly one timeout after the last keep-alive and resets the host', async () => {
    const device = await openLabWatchdog(join(dir, 't.sock'));
    await device.setTimeout(5);
    clock.advance(4000);
    await device.keepAlive();
    clock.advance(4999);
    assert.equal(resets, 0);
    clock.advance(1);
    await settle();
    assert.equal(resets, 1);
    assert.deepEqual(timer.expiries.map((e) => [e.host, e.silentMs, e.timeoutMs]), [['h1', 5000, 5000]]);
    assert.equal(timer.isArmed, false, 'the host boots with the watchdog off');
  });

  it('is single-open, and keeps counting after a close without the magic close', async () => {
    const opener = await connectUnix(join(dir, 't.sock'));
    opener.write('{"op":"settimeout","seconds":3}\n');
    await settle();
    const busy = await openLabWatchdog(join(dir, 't.sock'));
    await assert.rejects(busy.getTimeout(), /already open \(device busy\)|closed/);
    opener.destroy();
    await settle();
    assert.equal(timer.isArmed, true);
    clock.advance(3000);
    await settle();
    assert.equal(resets, 1);
  });

  it('disarms on the magic close', async () => {
    const device = await openLabWatchdog(join(dir, 't.sock'));
    await device.setTimeout(2);
    await device.magicClose();
    clock.advance(10_000);
    await settle();
    assert.equal(resets, 0);
    assert.equal(timer.isArmed, false);
  });
});
