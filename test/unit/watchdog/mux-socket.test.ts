import assert from 'node:assert/strict';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connectUnix } from '../../../src/util/unix-socket';
import { openEmulatedWatchdog } from '../../../src/watchdog/emulated-device';
import { EmulatedWatchdogTimer } from '../../../src/watchdog/emulated-timer';
import { openWatchdogLease, readMuxStatus, reattachWatchdogLease } from '../../../src/watchdog/mux-client';
import { startWatchdogMux, stopWatchdogMux, type RunningMux } from '../../../src/watchdog/mux-daemon';
import { maxMuxConnections } from '../../../src/watchdog/mux-server';
import sinon from 'sinon';
import { main } from '../../../src/cli/main';
import { floodConnections } from '../../support/connection-flood';
import { captureLog } from './fake-device';

/** Runs the CLI in-process and returns its exit code and what it printed. */
async function runCli(argv: string[]): Promise<{ code: number; out: string }> {
  let out = '';
  const stdout = sinon.stub(process.stdout, 'write').callsFake((chunk: string | Uint8Array) => { out += String(chunk); return true; });
  const stderr = sinon.stub(process.stderr, 'write').callsFake((chunk: string | Uint8Array) => { out += String(chunk); return true; });
  try {
    return { code: await main(argv), out };
  } finally {
    stdout.restore();
    stderr.restore();
  }
}

/** The multiplexer, its socket and client library, driving a lab timer whose reset is recorded. */
describe('watchdog multiplexer over its socket, with a lab timer', () => {
  let dir: string;
  let timer: EmulatedWatchdogTimer;
  let mux: RunningMux | null;
  let resets: number;
  const log = captureLog();

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'quorate-wd-'));
    resets = 0;
    timer = await EmulatedWatchdogTimer.start({
      host: 'h1', socketPath: join(dir, 'timer.sock'), log,
      reset: async () => { resets++; },
    });
    mux = await startWatchdogMux({
      socketPath: join(dir, 'mux.sock'), markerPath: join(dir, 'armed'), timeoutSeconds: 2,
      deviceName: 'lab:h1', openDevice: () => openEmulatedWatchdog(join(dir, 'timer.sock')), log,
    });
  });

  afterEach(async () => {
    if (mux !== null) {
      mux.core.dispose();
      await mux.server.close();
    }
    await timer.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('grants a lease with the timeout read back from the device and feeds on check-ins', async () => {
    const lease = await openWatchdogLease({ client: 'lrm', deadlineMs: 1000 }, join(dir, 'mux.sock'));
    assert.equal(lease.grant.timeoutMs, 2000);
    assert.equal(lease.grant.resetBoundMs, 3000);
    assert.equal(timer.isArmed, true);
    assert.deepEqual(await lease.checkIn(), { fed: true, tripped: null });
    const status = await readMuxStatus(join(dir, 'mux.sock'));
    assert.equal(status.device, 'lab:h1');
    assert.equal(status.timeoutMs, 2000);
    assert.deepEqual(status.leases.map((l) => l.client), ['lrm']);
    await lease.close();
    assert.equal(timer.isArmed, false, 'the last lease closed: magic close');
    assert.equal((await readMuxStatus(join(dir, 'mux.sock'))).armed, false);
  });

  it('reports its state through quorate watchdog status, as text and JSON', async () => {
    const lease = await openWatchdogLease({ client: 'lrm', deadlineMs: 1000 }, join(dir, 'mux.sock'));
    const text = await runCli(['watchdog', 'status', '--socket', join(dir, 'mux.sock')]);
    assert.equal(text.code, 0);
    assert.match(text.out, /timeout: +2000 ms \(in force, read back from the device\)/);
    assert.match(text.out, /reset bound: +3000 ms/);
    assert.match(text.out, /^lrm +1000 /m);
    assert.match(text.out, /this boot: +not a watchdog reset: boot status 0x0 from lab:/, 'asked of the device when the lease opened it');
    const json = await runCli(['watchdog', 'status', '--json', '--socket', join(dir, 'mux.sock')]);
    assert.equal((JSON.parse(json.out) as { timeoutMs: number }).timeoutMs, 2000);
    await lease.close();
    const missing = await runCli(['watchdog', 'status', '--socket', join(dir, 'none.sock')]);
    assert.equal(missing.code, 3);
    assert.match(missing.out, /watchdog multiplexer not reachable: cannot connect to .*none\.sock: ENOENT/);
  });

  it('makes the socket root-only and refuses a second multiplexer while the device is armed', async () => {
    assert.equal((await stat(join(dir, 'mux.sock'))).mode & 0o777, 0o600);
    const lease = await openWatchdogLease({ client: 'lrm', deadlineMs: 1000 }, join(dir, 'mux.sock'));
    await assert.rejects(
      startWatchdogMux({ socketPath: join(dir, 'mux2.sock'), markerPath: join(dir, 'armed'), timeoutSeconds: 2, deviceName: 'lab:h1', openDevice: () => openEmulatedWatchdog(join(dir, 'timer.sock')), log }),
      /watchdog still armed by a previous multiplexer \(marker .*armed exists\): refusing to start/,
    );
    await lease.close();
  });

  it('answers bad requests with errors naming the problem and keeps the connection', async () => {
    const socket = await connectUnix(join(dir, 'mux.sock'));
    const lines: string[] = [];
    socket.setEncoding('utf8');
    socket.on('data', (d: string) => lines.push(...d.split('\n').filter((l) => l !== '')));
    socket.write('not json\n{"op":"fly"}\n{"op":"checkin"}\n{"op":"open","client":"x"}\n{"op":"status"}\n');
    await new Promise((r) => setTimeout(r, 200));
    socket.destroy();
    const replies = lines.map((l) => JSON.parse(l) as { ok: boolean; error?: string });
    assert.match(replies[0]?.error ?? '', /malformed message \(not JSON\): not json/);
    assert.match(replies[1]?.error ?? '', /unknown op "fly"/);
    assert.match(replies[2]?.error ?? '', /holds no lease: send "open" first/);
    assert.match(replies[3]?.error ?? '', /"deadlineMs" must be a number/);
    assert.equal(replies[4]?.ok, true);
  });

  it('a process holding every connection cannot lock the LRM out: idle connections make room, lease holders are kept', async () => {
    const socketPath = join(dir, 'mux.sock');
    const crm = await openWatchdogLease({ client: 'crm', deadlineMs: 1000 }, socketPath);
    const flood = await floodConnections(socketPath, maxMuxConnections);
    const lrm = await openWatchdogLease({ client: 'lrm', deadlineMs: 1000 }, socketPath);
    assert.deepEqual(await lrm.checkIn(), { fed: true, tripped: null });
    assert.deepEqual(await crm.checkIn(), { fed: true, tripped: null }, 'the lease holder was not the one closed');
    assert.match(await flood.firstClosed, /closed to make room/);
    flood.end();
    await lrm.close();
    await crm.close();
  });

  it('stops feeding when a client disconnects with its lease open, and the timer resets the host', async function () {
    this.timeout(10_000);
    const lease = await openWatchdogLease({ client: 'lrm', deadlineMs: 1000 }, join(dir, 'mux.sock'));
    lease.abandon();
    const expiry = await new Promise<{ silentMs: number }>((resolve) => timer.onExpiry(resolve));
    assert.equal(resets, 1);
    assert.ok(expiry.silentMs >= 2000 && expiry.silentMs < 2500, `expired after ${expiry.silentMs} ms`);
    assert.match((await readMuxStatus(join(dir, 'mux.sock'))).tripped ?? '', /client lrm disconnected without closing its lease/);
  });

  it('hands a lease over across connections: the successor re-attaches, checks in and closes cleanly', async () => {
    const socket = join(dir, 'mux.sock');
    assert.equal(await reattachWatchdogLease({ client: 'lrm', deadlineMs: 1000 }, socket), null, 'nothing handed over yet');
    const first = await openWatchdogLease({ client: 'lrm', deadlineMs: 1000 }, socket);
    await first.checkIn();
    await first.handOver();
    assert.equal((await readMuxStatus(socket)).leases[0]?.handedOver, true);
    const second = await reattachWatchdogLease({ client: 'lrm', deadlineMs: 1000 }, socket);
    assert.ok(second !== null);
    assert.ok(second.grant.silentMs < 1000, `re-attached ${second.grant.silentMs} ms after the last check-in`);
    assert.deepEqual(await second.checkIn(), { fed: true, tripped: null });
    await second.close();
    const status = await readMuxStatus(socket);
    assert.equal(status.tripped, null);
    assert.equal(status.armed, false, 'the last clean close disarms');
    assert.equal(resets, 0);
  });

  it('exits without the magic close when stopped with a lease open', async () => {
    await openWatchdogLease({ client: 'lrm', deadlineMs: 1000 }, join(dir, 'mux.sock'));
    const running = mux;
    mux = null;
    assert.ok(running !== null);
    assert.equal(await stopWatchdogMux(running, log), 1);
    assert.equal(timer.isArmed, true, 'the device keeps counting down');
  });
});
