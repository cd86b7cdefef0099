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

function buildGuest(): Promise<{ cacheDir: string } | { unavailable: string }> {
  return new Promise((resolve, reject) => {
    execFile('bash', [join(repo, 'scripts/build-watchdog-guest.sh'), 'dist/test/vm/guest-watchdog.js'], { cwd: repo, maxBuffer: 1 << 20 },
      (err, stdout, stderr) => {
        if (err === null) resolve({ cacheDir: stdout.trim().split('\n').at(-1) ?? '' });
        else if (err.code === 3) resolve({ unavailable: stderr.trim() });
        else reject(new Error(`guest build failed: ${stderr.trim() || err.message}`));
      });
  });
}

/**
 * The kernel path for real: a Debian kernel with softdog under qemu (software emulation; KVM is
 * unusable on these machines), our addon and multiplexer inside. -no-reboot turns the watchdog's
 * reset into qemu's exit, which the host times.
 */
describe('kernel watchdog: softdog in a qemu guest driven by our code', function () {
  this.timeout(240_000);
  let qemu: ChildProcess | null = null;

  after(() => {
    if (qemu !== null && qemu.exitCode === null) qemu.kill('SIGKILL');
  });

  it('sets and reads back the timeout, keeps alive, disarms, and resets the guest when feeding stops', async function () {
    const built = await buildGuest();
    if ('unavailable' in built) {
      process.stdout.write(`      kernel watchdog test skipped: ${built.unavailable}\n`);
      this.skip();
    }
    const lines: ConsoleLine[] = [];
    const started = nowMs();
    const child = spawn('qemu-system-x86_64', [
      '-accel', 'tcg,tb-size=128', '-m', '512', '-smp', '1', '-no-reboot', '-nodefaults',
      '-display', 'none', '-monitor', 'none', '-serial', 'stdio',
      '-kernel', join(built.cacheDir, 'vmlinux'), '-initrd', join(built.cacheDir, 'initramfs.cpio'),
      '-append', 'console=ttyS0 quiet panic=-1 rdinit=/init',
    ], { stdio: ['ignore', 'pipe', 'pipe'] });
    qemu = child;
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
});
