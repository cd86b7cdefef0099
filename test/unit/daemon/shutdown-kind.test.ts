import assert from 'node:assert/strict';
import { detectShutdownKind, queuedShutdown } from '../../../src/daemon/shutdown-kind';

const log = { lines: [] as string[], info(m: string) { this.lines.push(`info ${m}`); }, warn(m: string) { this.lines.push(`warn ${m}`); }, error(m: string) { this.lines.push(`error ${m}`); } };

describe('the kind of shutdown, from systemd queued jobs', () => {
  it('reads a reboot, a power-off and a plain daemon stop from `systemctl list-jobs --no-legend --full` lines', () => {
    // The shape systemd 252 prints while the daemon's stop job runs inside a reboot.
    const reboot = [
      '  1 reboot.target                start waiting',
      '  4 quorate-daemon.service       stop  running',
      '  2 systemd-reboot.service       start waiting',
      '  3 shutdown.target              start waiting',
    ].join('\n');
    assert.equal(queuedShutdown(reboot), 'reboot');
    assert.equal(queuedShutdown('7 kexec.target start waiting\n'), 'reboot');
    assert.equal(queuedShutdown('9 poweroff.target start waiting\n8 shutdown.target start waiting\n'), 'poweroff');
    assert.equal(queuedShutdown('5 halt.target start waiting\n'), 'poweroff');
    assert.equal(queuedShutdown('3 shutdown.target start waiting\n'), 'poweroff', 'some system shutdown: not a daemon stop');
    assert.equal(queuedShutdown('12 quorate-daemon.service restart running\n'), null);
    assert.equal(queuedShutdown(''), null);
    assert.equal(queuedShutdown('13 reboot.target stop waiting\n'), null, 'only a start job of the target counts');
    assert.equal(queuedShutdown('No jobs running.\n'), null);
  });

  it('asks the configured command, and takes a stop it cannot classify for a power-off', async () => {
    assert.equal(await detectShutdownKind(['sh', '-c', 'echo "1 reboot.target start waiting"'], log), 'reboot');
    assert.equal(await detectShutdownKind(['true'], log), 'daemon-stop');
    assert.equal(await detectShutdownKind(['sh', '-c', 'echo "Failed to connect to bus" >&2; exit 1'], log), 'poweroff');
    assert.match(log.lines.at(-1) ?? '', /^warn cannot tell the kind of shutdown from `sh -c .*` \(exit code 1: Failed to connect to bus\): treating it as a power-off/);
    assert.equal(await detectShutdownKind(['/nonexistent/systemctl'], log), 'poweroff');
  });
});
