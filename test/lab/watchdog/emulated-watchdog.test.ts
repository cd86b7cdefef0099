import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { NamespaceLab } from '../../../src/lab/namespace-lab';
import { isAlive, namespacePidsSync } from '../../../src/lab/processes';
import { EmulatedWatchdogTimer, type EmulatedTimerExpiry } from '../../../src/watchdog/emulated-timer';
import { skipWithoutLab } from '../../support/lab';

const cli = join(__dirname, '../../../src/cli/main.js');
const leaseClient = join(__dirname, 'lease-client.js');
const nowMs = () => Number(process.hrtime.bigint() / 1_000_000n);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const timeoutSeconds = 2;
// Six check-in intervals of slack: a loaded 2-core CI machine can stall a process for several hundred ms.
const deadlineMs = 1500;
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

describe('lab watchdog: the multiplexer on a lab node, reset through the lab by an outside timer', function () {
  this.timeout(120_000);
  let lab: NamespaceLab;
  /** The lab's own directory lives under /run, which a host sees replaced by its private one. */
  let timerDir: string;
  let timer: EmulatedWatchdogTimer;
  /** When the timer began the lab's reset: its power-off kills every process of the host at once. */
  let resetStartedAt: number;
  let mux: ChildProcess;
  let muxLines: { at: number; text: string }[];
  const log = { info: () => undefined, warn: () => undefined, error: () => undefined };
  const host = 'node1';

  before(async function () {
    skipWithoutLab(this);
    timerDir = await mkdtemp(join(tmpdir(), 'quorate-labwd-'));
    lab = await NamespaceLab.up({ profile: 'fast', qdevice: 'none', arbiter: 'none' });
  });

  after(async () => {
    await lab?.down();
    if (timerDir !== undefined) await rm(timerDir, { recursive: true, force: true });
  });

  beforeEach(async () => {
    // The lab's reset keeps a host's /run where a real machine's tmpfs would be empty: drop the
    // multiplexer's files (socket, restart marker) as the boot would.
    await rm(join(lab.host(host).runDir, 'quorate'), { recursive: true, force: true });
    timer = await EmulatedWatchdogTimer.start({
      host, socketPath: join(timerDir, 'watchdog-node1.sock'), log,
      reset: () => {
        resetStartedAt = nowMs();
        return lab.reset(host, { bootDelayMs });
      },
    });
    mux = lab.spawn(host, [process.execPath, cli, 'watchdog-mux', '--socket', '/run/quorate/wd.sock', '--marker', '/run/quorate/wd.active',
      '--timeout', String(timeoutSeconds), '--lab-timer', join(timerDir, 'watchdog-node1.sock')], { stdio: ['ignore', 'pipe', 'pipe'] });
    muxLines = collectLines(mux);
    await waitFor('the multiplexer socket', () => stat(join(lab.host(host).runDir, 'quorate/wd.sock')).then(() => true, () => false));
  });

  afterEach(async () => {
    await timer.close();
    if (mux.exitCode === null && mux.signalCode === null) mux.kill('SIGKILL');
  });

  function startClient(durationMs: number, ending: 'close' | 'silent'): { lines: { at: number; text: string }[]; pid: number; killedAt: Promise<number> } {
    const child = lab.spawn(host, [process.execPath, leaseClient, '/run/quorate/wd.sock', 'lrm', String(deadlineMs), '250', String(durationMs), ending],
      { stdio: ['ignore', 'pipe', 'pipe'] });
    return { lines: collectLines(child), pid: child.pid ?? -1, killedAt: new Promise((resolve) => child.once('exit', () => resolve(nowMs()))) };
  }

  /** After a reset: nothing of before survives, and the node is back with only its corosync. */
  async function assertRebooted(): Promise<void> {
    assert.equal(isAlive(mux.pid ?? -1), false, 'the multiplexer is gone');
    const status = (await lab.status()).hosts.find((h) => h.name === host);
    assert.equal(status?.poweredOn, true);
    assert.deepEqual(status?.daemons.map((d) => d.program), ['corosync']);
    assert.equal(namespacePidsSync(lab.host(host).netns).length, 1, 'only corosync runs after the boot');
  }

  function lastCheckIn(lines: { text: string }[]): number {
    const checkIns = lines.map((l) => JSON.parse(l.text) as { event: string; at: number }).filter((e) => e.event === 'checkin');
    const last = checkIns.at(-1);
    assert.ok(last !== undefined, 'the client checked in');
    return last.at;
  }

  function nextExpiry(): Promise<EmulatedTimerExpiry> {
    return new Promise((resolve) => timer.onExpiry(resolve));
  }

  it('resets the host within the timeout after a client stops checking in', async () => {
    const expiry = nextExpiry();
    const client = startClient(1500, 'silent');
    const { silentMs, resetTookMs } = await expiry;
    const stoppedLine = muxLines.find((l) => l.text.includes('feeding stopped'));
    assert.ok(stoppedLine, 'the multiplexer logged that feeding stopped');
    assert.match(stoppedLine.text, /client lrm missed its deadline/);
    const last = lastCheckIn(client.lines);
    const killed = (await client.killedAt) - last;
    process.stdout.write(`      lab watchdog: last check-in → feeding stopped ${stoppedLine.at - last} ms (deadline ${deadlineMs}); ` +
      `last keep-alive → expiry ${silentMs} ms (timeout ${timeoutSeconds * 1000}); last check-in → host's processes killed ${killed} ms ` +
      `(bound ${deadlineMs + timeoutSeconds * 1000}); reset with ${bootDelayMs} ms boot delay took ${resetTookMs} ms\n`);
    assert.ok(killed <= deadlineMs + timeoutSeconds * 1000 + 500, `host reset ${killed} ms after the last check-in`);
    await assertRebooted();
  });

  it('keeps the host alive through a long run of check-ins', async function () {
    this.timeout(60_000);
    const runMs = 30_000;
    const client = startClient(runMs, 'close');
    await waitFor('the client to finish', () => client.lines.some((l) => l.text.includes('"closed"')), runMs + 10_000)
      .catch((err: Error) => {
        const tail = (lines: { text: string }[]) => lines.slice(-5).map((l) => l.text).join('\n');
        throw new Error(`${err.message}; expiries ${JSON.stringify(timer.expiries)}\nmultiplexer:\n${tail(muxLines)}\nclient:\n${tail(client.lines)}`);
      });
    const checkIns = client.lines.filter((l) => l.text.includes('"checkin"')).map((l) => JSON.parse(l.text) as { fed: boolean });
    process.stdout.write(`      lab watchdog: ${checkIns.length} check-ins over ${runMs} ms with a ${timeoutSeconds} s timeout, no reset\n`);
    assert.ok(checkIns.every((c) => c.fed), 'every check-in fed the device');
    assert.equal(timer.expiries.length, 0);
    assert.ok(isAlive(mux.pid ?? -1), 'the multiplexer still runs');
  });

  it('disarms with the magic close when the last lease closes', async () => {
    const client = startClient(500, 'close');
    await waitFor('the client to close', () => client.lines.some((l) => l.text.includes('"closed"')));
    assert.equal(timer.isArmed, false);
    await sleep(timeoutSeconds * 1000 + 1000);
    assert.equal(timer.expiries.length, 0, 'no reset after the timeout');
    assert.ok(isAlive(mux.pid ?? -1), 'the host still runs');
  });

  for (const [fault, signal] of [['killed', 'SIGKILL'], ['stopped', 'SIGSTOP']] as const) {
    it(`resets the host when the multiplexer is ${fault} while a client checks in`, async () => {
      const client = startClient(60_000, 'silent');
      await waitFor('check-ins', () => client.lines.filter((l) => l.text.includes('"checkin"')).length >= 3);
      const expiry = nextExpiry();
      const faultAt = nowMs();
      mux.kill(signal);
      const { silentMs } = await expiry;
      const reset = resetStartedAt - faultAt;
      process.stdout.write(`      lab watchdog: multiplexer ${fault} → host reset ${reset} ms (last keep-alive → expiry ${silentMs} ms)\n`);
      assert.ok(reset <= timeoutSeconds * 1000 + 500);
      assert.equal(isAlive(client.pid), false, 'the client went down with the host');
      await assertRebooted();
    });
  }
});
