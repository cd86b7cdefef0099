import assert from 'node:assert/strict';
import { MuxCore, MuxError } from '../../../src/watchdog/mux-core';
import { SimClock } from '../../../src/util/sim-clock';
import { FakeDevice, captureLog, memoryMarker } from './fake-device';

function setup(options: { timeoutSeconds?: number; roundTo?: number } = {}) {
  const clock = new SimClock();
  const device = new FakeDevice(clock, options.roundTo);
  const log = captureLog();
  const marker = memoryMarker();
  let opens = 0;
  const mux = new MuxCore({
    openDevice: async () => {
      opens++;
      device.magicClosed = false;
      return device;
    },
    deviceName: 'fake0',
    timeoutSeconds: options.timeoutSeconds ?? 10,
    clock,
    log,
    marker,
  });
  return { clock, device, log, marker, mux, opens: () => opens };
}

describe('watchdog multiplexer logic', () => {
  it('reports the boot status given at start, else asks the device when it opens', async () => {
    const given = { bits: 0x20, identity: 'i6300ESB timer', verdict: 'watchdog-reset' as const, source: '/sys/class/watchdog/watchdog0' };
    const clock = new SimClock();
    const withSysfs = new MuxCore({ openDevice: async () => new FakeDevice(clock), deviceName: 'fake0', timeoutSeconds: 10, clock, log: captureLog(), marker: memoryMarker(), bootStatus: given });
    assert.deepEqual(withSysfs.status().bootStatus, given);
    const { mux, device, log } = setup();
    assert.equal(mux.status().bootStatus, null, 'not read before the device opens');
    device.bootBits = 0x20;
    await mux.openLease({ client: 'lrm', deadlineMs: 4000 });
    assert.deepEqual(mux.status().bootStatus, { bits: 0x20, identity: 'Fake Watchdog', verdict: 'watchdog-reset', source: 'fake0' });
    assert.ok(log.lines.some((l) => l === 'warn this boot followed a reset by the watchdog: boot status 0x20 from fake0 (Fake Watchdog)'), log.lines.join('\n'));
  });

  it('arms the device on the first lease and reports the timeout read back from it', async () => {
    const { mux, device, marker } = setup({ timeoutSeconds: 7, roundTo: 5 });
    const grant = await mux.openLease({ client: 'lrm', deadlineMs: 4000 });
    assert.equal(device.timeoutS, 10);
    assert.equal(grant.timeoutMs, 10_000);
    assert.equal(grant.resetBoundMs, 14_000);
    assert.equal(marker.present, true);
    const status = mux.status();
    assert.equal(status.armed, true);
    assert.equal(status.timeoutMs, 10_000);
    assert.equal(status.resetBoundMs, 14_000);
  });

  it('feeds only on check-ins, never while time merely passes', async () => {
    const { mux, device, clock } = setup();
    await mux.openLease({ client: 'lrm', deadlineMs: 5000 });
    const feedsAfterOpen = device.feeds.length;
    clock.advance(3000);
    assert.equal(device.feeds.length, feedsAfterOpen, 'no feed without a check-in');
    const result = await mux.checkIn('lrm');
    assert.deepEqual(result, { fed: true, tripped: null });
    assert.equal(device.feeds.at(-1), 3000);
  });

  it('keeps feeding through a long run of on-time check-ins from several clients', async () => {
    const { mux, device, clock } = setup();
    await mux.openLease({ client: 'lrm', deadlineMs: 5000 });
    await mux.openLease({ client: 'crm', deadlineMs: 8000 });
    for (let t = 0; t < 600; t++) {
      clock.advance(1000);
      await mux.checkIn('lrm');
      if (t % 4 === 0) await mux.checkIn('crm');
    }
    assert.equal(mux.status().tripped, null);
    const gaps = device.feeds.slice(1).map((f, i) => f - (device.feeds[i] ?? 0));
    assert.ok(Math.max(...gaps) <= 1000);
  });

  it('stops feeding for good when any lease misses its deadline, even if the others check in', async () => {
    const { mux, device, clock, log } = setup();
    await mux.openLease({ client: 'lrm', deadlineMs: 5000 });
    await mux.openLease({ client: 'qdevice', deadlineMs: 3000 });
    clock.advance(2000);
    await mux.checkIn('lrm');
    clock.advance(1001); // qdevice silent 3001 ms
    const feeds = device.feeds.length;
    const result = await mux.checkIn('lrm');
    assert.equal(result.fed, false);
    assert.match(result.tripped ?? '', /client qdevice missed its deadline by 1 ms/);
    clock.advance(500);
    assert.equal((await mux.checkIn('qdevice')).fed, false, 'a late check-in does not resume feeding');
    assert.equal(device.feeds.length, feeds);
    assert.ok(log.lines.some((l) => /^error feeding stopped: client qdevice missed its deadline/.test(l)));
    assert.ok(log.lines.some((l) => /resets the host within 10000 ms/.test(l)));
  });

  it('notices a missed deadline from its timer and warns before it', async () => {
    const { mux, clock, log } = setup();
    await mux.openLease({ client: 'lrm', deadlineMs: 4000 });
    clock.advance(2500);
    assert.ok(log.lines.some((l) => l === 'warn client lrm late by 2000 ms: feeding stops in 2000 ms unless it checks in (deadline 4000 ms)'));
    assert.equal(mux.status().tripped, null);
    clock.advance(1501);
    assert.match(mux.status().tripped ?? '', /client lrm missed its deadline by 1 ms \(silent 4001 ms, deadline 4000 ms\)/);
  });

  it('accepts a check-in exactly at the deadline', async () => {
    const { mux, clock } = setup();
    await mux.openLease({ client: 'lrm', deadlineMs: 4000 });
    clock.advance(4000);
    assert.deepEqual(await mux.checkIn('lrm'), { fed: true, tripped: null });
  });

  it('disarms with the magic close only when the last lease closes', async () => {
    const { mux, device, marker } = setup();
    await mux.openLease({ client: 'lrm', deadlineMs: 5000 });
    await mux.openLease({ client: 'crm', deadlineMs: 5000 });
    await mux.closeLease('lrm');
    assert.equal(device.magicClosed, false);
    await mux.closeLease('crm');
    assert.equal(device.magicClosed, true);
    assert.equal(marker.present, false);
    assert.equal(mux.status().armed, false);
  });

  it('re-arms the device when a lease opens after a disarm', async () => {
    const { mux, opens } = setup();
    await mux.openLease({ client: 'lrm', deadlineMs: 5000 });
    await mux.closeLease('lrm');
    await mux.openLease({ client: 'lrm', deadlineMs: 5000 });
    assert.equal(opens(), 2);
    assert.equal(mux.status().armed, true);
  });

  it('counts a disconnect with an open lease as missed and never disarms afterwards', async () => {
    const { mux, device } = setup();
    await mux.openLease({ client: 'lrm', deadlineMs: 5000 });
    await mux.openLease({ client: 'crm', deadlineMs: 5000 });
    await mux.disconnected('lrm');
    assert.match(mux.status().tripped ?? '', /client lrm disconnected without closing its lease/);
    await mux.closeLease('crm');
    assert.equal(device.magicClosed, false, 'fencing is under way: no magic close');
  });

  it('a handed-over lease survives its connection, feeds nothing, and its successor keeps the old last check-in', async () => {
    const { mux, device, clock, log } = setup();
    await mux.openLease({ client: 'lrm', deadlineMs: 5000 });
    clock.advance(1000);
    await mux.checkIn('lrm');
    assert.deepEqual(await mux.handOver('lrm'), { deadlineMs: 5000, silentMs: 0 });
    await mux.disconnected('lrm');
    assert.equal(mux.status().tripped, null, 'a handed-over lease may lose its connection');
    assert.deepEqual(mux.status().leases, [{ client: 'lrm', deadlineMs: 5000, silentMs: 0, handedOver: true }]);
    await assert.rejects(mux.checkIn('lrm'), /client lrm handed its lease over: re-attach to it first/);
    await assert.rejects(mux.openLease({ client: 'lrm', deadlineMs: 5000 }), /handed its lease over: re-attach to it instead/);
    const feeds = device.feeds.length;
    clock.advance(3000);
    const grant = await mux.reattach({ client: 'lrm', deadlineMs: 4000 });
    assert.deepEqual(grant, { client: 'lrm', deadlineMs: 4000, timeoutMs: 10_000, resetBoundMs: 14_000, silentMs: 3000 });
    assert.equal(device.feeds.length, feeds, 're-attaching feeds nothing');
    assert.ok(log.lines.includes('info client lrm re-attached to its handed-over lease 3000 ms after its last check-in (deadline 4000 ms)'));
    // The deadline still counts from the predecessor's last check-in: 1000 ms are left, not 4000.
    clock.advance(1001);
    assert.match(mux.status().tripped ?? '', /client lrm missed its deadline by 1 ms \(silent 4001 ms, deadline 4000 ms\)/);
  });

  it('a successor that re-attaches in time and checks in keeps the device fed', async () => {
    const { mux, device, clock, log } = setup();
    await mux.openLease({ client: 'lrm', deadlineMs: 5000 });
    await mux.handOver('lrm');
    await mux.disconnected('lrm');
    clock.advance(2000);
    await mux.reattach({ client: 'lrm', deadlineMs: 5000 });
    clock.advance(1000);
    assert.deepEqual(await mux.checkIn('lrm'), { fed: true, tripped: null });
    assert.ok(log.lines.includes("info client lrm checked in again 3000 ms after its predecessor's last check-in (deadline 5000 ms)"));
    assert.equal(device.feeds.at(-1), 3000);
    clock.advance(4000);
    assert.deepEqual(await mux.checkIn('lrm'), { fed: true, tripped: null }, 'the deadline counts from the new check-in');
  });

  it('stops feeding for good when nobody re-attaches to a handed-over lease within its deadline', async () => {
    const { mux, clock } = setup();
    await mux.openLease({ client: 'lrm', deadlineMs: 5000 });
    await mux.handOver('lrm');
    await mux.disconnected('lrm');
    clock.advance(5001);
    assert.match(mux.status().tripped ?? '', /client lrm missed its deadline by 1 ms/);
    await assert.rejects(mux.reattach({ client: 'lrm', deadlineMs: 5000 }), /feeding stopped .*: no lease to re-attach until the host resets/);
    assert.equal(await mux.reattach({ client: 'crm', deadlineMs: 5000 }), null, 'nothing was handed over by crm');
  });

  it('stops feeding when a client reports a loss', async () => {
    const { mux } = setup();
    await mux.openLease({ client: 'lrm', deadlineMs: 5000 });
    await mux.reportLoss('lrm', 'quorum lost');
    assert.equal(mux.status().tripped, 'client lrm reports: quorum lost');
    assert.equal((await mux.checkIn('lrm')).fed, false);
  });

  it('refuses bad leases with errors that name the problem', async () => {
    const { mux, device } = setup();
    await assert.rejects(mux.openLease({ client: 'lrm', deadlineMs: 9000 }), /deadline 9000 ms of client lrm is too long for the device timeout of 10000 ms: at most 8000 ms/);
    assert.equal(device.magicClosed, true, 'a refused first lease leaves the device disarmed');
    await assert.rejects(mux.openLease({ client: 'bad name', deadlineMs: 1000 }), /invalid client name "bad name"/);
    await assert.rejects(mux.openLease({ client: 'lrm', deadlineMs: -5 }), /invalid deadline for client lrm: -5/);
    await mux.openLease({ client: 'lrm', deadlineMs: 5000 });
    await assert.rejects(mux.openLease({ client: 'lrm', deadlineMs: 5000 }), /client lrm already holds a lease/);
    await assert.rejects(mux.checkIn('crm'), (err: unknown) => err instanceof MuxError && /client crm holds no lease/.test(err.message));
    await mux.reportLoss('lrm', 'lock lost');
    await assert.rejects(mux.openLease({ client: 'crm', deadlineMs: 1000 }), /feeding stopped .*: no new lease until the host resets/);
  });

  it('clears the marker when the device cannot be opened', async () => {
    const clock = new SimClock();
    const marker = memoryMarker();
    const mux = new MuxCore({
      openDevice: async () => { throw new Error('ENOENT /dev/watchdog'); },
      deviceName: '/dev/watchdog', timeoutSeconds: 10, clock, log: captureLog(), marker,
    });
    await assert.rejects(mux.openLease({ client: 'lrm', deadlineMs: 1000 }), /cannot open the watchdog device \/dev\/watchdog: ENOENT/);
    assert.equal(marker.present, false);
  });

  it('disarms again when the device refuses the timeout, and warns about a device without magic close', async () => {
    const refusing = setup();
    refusing.device.setTimeout = () => { throw new RangeError('EINVAL'); };
    await assert.rejects(refusing.mux.openLease({ client: 'lrm', deadlineMs: 1000 }), /cannot set up the watchdog device fake0: EINVAL/);
    assert.equal(refusing.device.magicClosed, true);
    assert.equal(refusing.marker.present, false);
    const noMagic = setup();
    noMagic.device.support = { options: 0x8080, firmwareVersion: 0, identity: 'Old Card' };
    await noMagic.mux.openLease({ client: 'lrm', deadlineMs: 1000 });
    assert.ok(noMagic.log.lines.includes('warn fake0 (Old Card) does not support the magic close: a clean close will not disarm it'));
  });
});
