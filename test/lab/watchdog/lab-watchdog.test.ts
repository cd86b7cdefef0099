import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { LabWatchdogTimer, type LabExpiry } from '../../../src/watchdog/lab-timer';
import { NetnsHost } from './netns-host';

const cli = join(__dirname, '../../../src/cli/main.js');
const leaseClient = join(__dirname, 'lease-client.js');
const nowMs = () => Number(process.hrtime.bigint() / 1_000_000n);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const timeoutSeconds = 2;
const deadlineMs = 1000;
const bootDelayMs = 500;

/** Lines a child prints, each stamped with the monotonic time it arrived. */
function collectLines(child: ChildProcess): { at: number; text: string }[] {
  const lines: { at: number; text: string }[] = [];
  for (const stream of [child.stdout, child.stderr]) {
    if (stream !== null) createInterface({ input: stream }).on('line', (text) => lines.push({ at: nowMs(), text }));
  }
  return lines;
}

async function waitFor(what: string, condition: () => Promise<boolean> | boolean, timeoutMs = 10_000): Promise<void> {
  const start = nowMs();
  while (!(await condition())) {
    if (nowMs() - start > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await sleep(25);
  }
}

describe('lab watchdog: the multiplexer in a namespace host, reset by an outside timer', function () {
  let base: string;
  let host: NetnsHost;
  let timer: LabWatchdogTimer;
  let mux: ChildProcess;
  let muxLines: { at: number; text: string }[];
  const log = { info: () => undefined, warn: () => undefined, error: () => undefined };

  before(async function () {
    if (process.getuid?.() !== 0) this.skip();
    base = await mkdtemp(join(tmpdir(), 'quorate-labwd-'));
  });

  after(async () => {
    if (base !== undefined) await rm(base, { recursive: true, force: true });
  });

  const cleanUpOnExit = () => host.destroySync();

  beforeEach(async () => {
    host = new NetnsHost(`qwd${process.pid}`, '10.213.0.1', base);
    process.once('exit', cleanUpOnExit);
    await host.boot();
    timer = await LabWatchdogTimer.start({
      host: host.namespace, socketPath: join(base, 'watchdog.sock'), log, reset: () => host.reset({ bootDelayMs }),
    });
    mux = host.spawn([process.execPath, cli, 'watchdog-mux', '--socket', '/run/quorate/wd.sock', '--marker', '/run/quorate/wd.active',
      '--timeout', String(timeoutSeconds), '--lab-timer', join(base, 'watchdog.sock')]);
    muxLines = collectLines(mux);
    await waitFor('the multiplexer socket', () => stat(join(host.runDir, 'quorate/wd.sock')).then(() => true, () => false));
  });

  afterEach(async () => {
    process.removeListener('exit', cleanUpOnExit);
    await timer.close();
    await host.destroy();
  });

  function startClient(durationMs: number, ending: 'close' | 'silent'): { at: number; text: string }[] {
    return collectLines(host.spawn([process.execPath, leaseClient, '/run/quorate/wd.sock', 'lrm', String(deadlineMs), '250', String(durationMs), ending]));
  }

  function lastCheckIn(lines: { text: string }[]): number {
    const checkIns = lines.map((l) => JSON.parse(l.text) as { event: string; at: number }).filter((e) => e.event === 'checkin');
    const last = checkIns.at(-1);
    assert.ok(last !== undefined, 'the client checked in');
    return last.at;
  }

  function nextExpiry(): Promise<LabExpiry & { doneAt: number }> {
    return new Promise((resolve) => timer.onExpiry((e) => resolve({ ...e, doneAt: nowMs() })));
  }

  it('resets the host within the timeout after a client stops checking in', async () => {
    const expiry = nextExpiry();
    const client = startClient(1500, 'silent');
    const { silentMs, resetTookMs, doneAt } = await expiry;
    const stoppedLine = muxLines.find((l) => l.text.includes('feeding stopped'));
    assert.ok(stoppedLine, 'the multiplexer logged that feeding stopped');
    assert.match(stoppedLine.text, /client lrm missed its deadline/);
    const last = lastCheckIn(client);
    const total = doneAt - last;
    process.stdout.write(`      lab watchdog: last check-in → feeding stopped ${stoppedLine.at - last} ms (deadline ${deadlineMs}); ` +
      `last keep-alive → expiry ${silentMs} ms (timeout ${timeoutSeconds * 1000}); reset took ${resetTookMs} ms; ` +
      `last check-in → host reset ${total} ms (bound ${deadlineMs + timeoutSeconds * 1000})\n`);
    assert.ok(total <= deadlineMs + timeoutSeconds * 1000 + 500, `reset ${total} ms after the last check-in`);
    assert.deepEqual(await host.pids(), [], 'every process of the host is gone');
    assert.deepEqual(await host.addresses(), [], 'its address is gone');
    await waitFor('the host to boot again', () => host.isUp);
    assert.deepEqual(await host.addresses(), ['10.213.0.1']);
    assert.deepEqual(await host.pids(), [], 'it boots with nothing running');
  });

  it('keeps the host alive through a long run of check-ins', async function () {
    this.timeout(60_000);
    const runMs = 30_000;
    const client = startClient(runMs, 'close');
    await waitFor('the client to finish', () => client.some((l) => l.text.includes('"closed"')), runMs + 10_000);
    const checkIns = client.filter((l) => l.text.includes('"checkin"')).map((l) => JSON.parse(l.text) as { fed: boolean });
    process.stdout.write(`      lab watchdog: ${checkIns.length} check-ins over ${runMs} ms with a ${timeoutSeconds} s timeout, no reset\n`);
    assert.ok(checkIns.every((c) => c.fed), 'every check-in fed the device');
    assert.equal(timer.expiries.length, 0);
    assert.ok((await host.pids()).includes(mux.pid ?? -1), 'the multiplexer still runs');
  });

  it('disarms with the magic close when the last lease closes', async () => {
    const client = startClient(500, 'close');
    await waitFor('the client to close', () => client.some((l) => l.text.includes('"closed"')));
    assert.equal(timer.isArmed, false);
    await sleep(timeoutSeconds * 1000 + 1000);
    assert.equal(timer.expiries.length, 0, 'no reset after the timeout');
    assert.ok((await host.pids()).length > 0, 'the host still runs');
  });

  for (const [fault, signal] of [['killed', 'SIGKILL'], ['stopped', 'SIGSTOP']] as const) {
    it(`resets the host when the multiplexer is ${fault} while a client checks in`, async () => {
      const client = startClient(60_000, 'silent');
      await waitFor('check-ins', () => client.filter((l) => l.text.includes('"checkin"')).length >= 3);
      const expiry = nextExpiry();
      const faultAt = nowMs();
      mux.kill(signal);
      const { silentMs, doneAt } = await expiry;
      process.stdout.write(`      lab watchdog: multiplexer ${fault} → host reset ${doneAt - faultAt} ms (last keep-alive → expiry ${silentMs} ms)\n`);
      assert.ok(doneAt - faultAt <= timeoutSeconds * 1000 + 500);
      assert.deepEqual(await host.pids(), []);
    });
  }
});
