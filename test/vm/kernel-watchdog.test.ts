import assert from 'node:assert/strict';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { guestPlan } from './guest-plan';

const repo = join(__dirname, '../../..');
const nowMs = () => Number(process.hrtime.bigint() / 1_000_000n);
/** The guest boots in about 5 s under TCG and runs its plan in about 12 s. */
const guestBudgetMs = 90_000;

interface ConsoleLine { at: number; text: string }
interface GuestEvent { at: number; event: string; [key: string]: unknown }

function buildGuest(entry: string): Promise<{ cacheDir: string } | { unavailable: string }> {
  return new Promise((resolve, reject) => {
    execFile('bash', [join(repo, 'scripts/build-watchdog-guest.sh'), entry], { cwd: repo, maxBuffer: 1 << 20 },
      (err, stdout, stderr) => {
        if (err === null) resolve({ cacheDir: stdout.trim().split('\n').at(-1) ?? '' });
        else if (err.code === 3) resolve({ unavailable: stderr.trim() });
        else reject(new Error(`guest build failed: ${stderr.trim() || err.message}`));
      });
  });
}

interface GuestRun {
  started: number;
  exitedAt: number;
  lines: ConsoleLine[];
  events: GuestEvent[];
  transcript: () => string;
  find: (name: string) => GuestEvent;
}

/**
 * Boots the guest until qemu exits (a reset under -no-reboot, or the guest's power-off), killed
 * after guestBudgetMs. `watchdog` picks the driver (quorate.wdt= on the kernel command line).
 */
async function runGuest(cacheDir: string, watchdog: 'softdog' | 'i6300esb', track: (child: ChildProcess) => void): Promise<GuestRun> {
  const lines: ConsoleLine[] = [];
  const started = nowMs();
  const child = spawn('qemu-system-x86_64', [
    '-accel', 'tcg,tb-size=128', '-m', '512', '-smp', '1', '-nodefaults',
    '-display', 'none', '-monitor', 'none', '-serial', 'stdio',
    // softdog's reset ends qemu (timed by the host); the i6300ESB's reboots the guest, which reads why.
    ...(watchdog === 'softdog' ? ['-no-reboot'] : ['-device', 'i6300esb', '-action', 'watchdog=reset']),
    '-kernel', join(cacheDir, 'vmlinux'), '-initrd', join(cacheDir, 'initramfs.cpio'),
    '-append', `console=ttyS0 quiet panic=-1 rdinit=/init quorate.wdt=${watchdog}`,
  ], { stdio: ['ignore', 'pipe', 'pipe'] });
  track(child);
  for (const stream of [child.stdout, child.stderr]) createInterface({ input: stream }).on('line', (text) => lines.push({ at: nowMs(), text }));
  const killer = setTimeout(() => child.kill('SIGKILL'), guestBudgetMs);
  const exitedAt = await new Promise<number>((resolve) => child.once('exit', () => resolve(nowMs())));
  clearTimeout(killer);
  const transcript = () => lines.map((l) => l.text).join('\n');
  const events: GuestEvent[] = lines.filter((l) => l.text.startsWith('WDT ')).map((l) => ({ at: l.at, ...(JSON.parse(l.text.slice(4)) as { event: string }) }));
  const find = (name: string) => {
    const event = events.find((e) => e.event === name);
    assert.ok(event, `guest event ${name} missing; console:\n${transcript()}`);
    return event;
  };
  return { started, exitedAt, lines, events, transcript, find };
}

/**
 * The kernel path for real: a Debian kernel with softdog under qemu (software emulation; KVM is
 * unusable on these machines), our addon and multiplexer inside. -no-reboot turns the watchdog's
 * reset into qemu's exit, which the host times. And qemu's emulated i6300ESB, whose driver reports
 * WDIOF_CARDRESET after its reset: the device's own confirmation of why the guest rebooted.
 */
describe("kernel watchdog: softdog and qemu's i6300ESB in a qemu guest driven by our code", function () {
  this.timeout(240_000);
  let qemu: ChildProcess | null = null;

  after(() => {
    if (qemu !== null && qemu.exitCode === null) qemu.kill('SIGKILL');
  });

  it('sets and reads back the timeout, keeps alive, disarms, and resets the guest when feeding stops', async function () {
    const built = await buildGuest('dist/test/vm/guest-watchdog.js');
    if ('unavailable' in built) {
      process.stdout.write(`      kernel watchdog test skipped: ${built.unavailable}\n`);
      this.skip();
    }
    const { started, exitedAt, lines, events, transcript, find } = await runGuest(built.cacheDir, 'softdog', (child) => { qemu = child; });
    const up = lines.find((l) => l.text.includes('GUEST up'));
    const timeout = find('timeout');
    assert.equal(timeout.set, guestPlan.firstTimeoutS);
    assert.equal(timeout.read, guestPlan.firstTimeoutS, 'GETTIMEOUT returns the timeout set');
    assert.equal(timeout.identity, 'Software Watchdog', 'WDIOC_GETSUPPORT names softdog');
    find('kept-alive');
    find('alive-after-magic-close');
    assert.equal(find('lease').timeoutMs, guestPlan.muxTimeoutS * 1000);
    const last = find('last-keepalive');
    assert.ok(!lines.some((l) => l.text.includes('GUEST entry exited')), `the guest program ended instead of being reset:\n${transcript()}`);
    const stopped = events.find((e) => e.event === 'log' && String(e.m).includes('feeding stopped'));
    const resetMs = exitedAt - last.at;
    process.stdout.write(`      kernel watchdog (softdog, TCG): boot ${up === undefined ? '?' : up.at - started} ms; ` +
      `last keep-alive → reset ${resetMs} ms (timeout ${guestPlan.muxTimeoutS * 1000} ms); ` +
      `feeding stopped ${stopped === undefined ? '?' : stopped.at - last.at} ms after it (deadline ${guestPlan.deadlineMs} ms); ` +
      `whole run ${exitedAt - started} ms\n`);
    assert.ok(resetMs >= guestPlan.muxTimeoutS * 1000 - 200, `reset came ${resetMs} ms after the last keep-alive: too early`);
    assert.ok(resetMs <= guestPlan.muxTimeoutS * 1000 + 1500, `reset came ${resetMs} ms after the last keep-alive`);
  });

  it("confirms a reset by the watchdog from the device's own boot status (qemu's i6300ESB: WDIOF_CARDRESET in sysfs and by ioctl)", async function () {
    const built = await buildGuest('dist/test/vm/guest-bootstatus.js');
    if ('unavailable' in built) {
      process.stdout.write(`      boot status test skipped: ${built.unavailable}\n`);
      this.skip();
    }
    const run = await runGuest(built.cacheDir, 'i6300esb', (child) => { qemu = child; });
    const boots = run.events.filter((e) => e.event === 'boot');
    assert.equal(boots.length, 2, `two boots, the second after the watchdog's reset; console:\n${run.transcript()}`);
    assert.deepEqual(boots.map((b) => [b.bits, b.identity, b.verdict, b.source]), [
      [0, 'i6300ESB timer', 'not-watchdog', '/sys/class/watchdog/watchdog0'],
      [0x20, 'i6300ESB timer', 'watchdog-reset', '/sys/class/watchdog/watchdog0'],
    ]);
    assert.deepEqual(run.find('ioctl').bootStatus, 0x20, 'WDIOC_GETBOOTSTATUS agrees with sysfs');
    assert.ok(run.lines.some((l) => l.text.includes('GUEST entry exited 0')), `the second boot ended cleanly:\n${run.transcript()}`);
    const last = run.find('last-keepalive');
    process.stdout.write(`      i6300ESB (TCG): last keep-alive → second boot's reading ${boots[1]!.at - last.at} ms (timeout ${guestPlan.muxTimeoutS * 1000} ms); whole run ${run.exitedAt - run.started} ms\n`);
  });
});
