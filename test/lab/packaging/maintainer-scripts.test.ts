import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const packaging = join(__dirname, '../../../../packaging');

interface ScriptRun {
  code: number | null;
  output: string;
  /** systemctl, deb-systemd-invoke and deb-systemd-helper calls, one per line. */
  calls: string[];
}

/**
 * The packages' maintainer scripts run for real, each in a mount namespace of its own with a
 * private /run (so /run/quorate and /run/systemd/system are the test's), and with systemctl,
 * deb-systemd-invoke and deb-systemd-helper as stubs that record their calls; `systemctl
 * is-active` answers for the units listed in ACTIVE_UNITS.
 */
describe('Debian maintainer scripts (private /run)', function () {
  let scratch = '';

  before(function () {
    if (process.getuid?.() !== 0 || spawnSync('unshare', ['--version']).status !== 0) {
      console.log('      skipped: needs root and unshare for a private /run');
      this.skip();
    }
    scratch = mkdtempSync(join(tmpdir(), 'quorate-maint-'));
    mkdirSync(join(scratch, 'bin'));
    const stub = (name: string, body: string): void => {
      writeFileSync(join(scratch, 'bin', name), `#!/bin/sh\necho "${name} $*" >> "$CALLS"\n${body}`);
      chmodSync(join(scratch, 'bin', name), 0o755);
    };
    stub('systemctl', 'if [ "$1" = is-active ]; then for u in $ACTIVE_UNITS; do [ "$u" = "$3" ] && exit 0; done; exit 3; fi\nexit 0\n');
    stub('deb-systemd-invoke', 'exit 0\n');
    stub('deb-systemd-helper', 'exit 0\n');
  });

  after(() => {
    if (scratch !== '') rmSync(scratch, { recursive: true, force: true });
  });

  /** Runs packaging/SCRIPT ARGS; `run` lists files to create under the private /run first. */
  function runScript(script: string, args: string[], options: { run?: string[]; active?: string[]; systemd?: boolean } = {}): ScriptRun {
    const calls = join(scratch, 'calls');
    rmSync(calls, { force: true });
    const setup = [
      'mount -t tmpfs tmpfs /run',
      ...(options.systemd === false ? [] : ['mkdir -p /run/systemd/system']),
      ...(options.run ?? []).map((f) => `mkdir -p "$(dirname /run/${f})" && touch /run/${f}`),
      `exec sh ${join(packaging, script)} "$@"`,
    ].join(' && ');
    const result = spawnSync('unshare', ['--mount', '--propagation', 'private', 'sh', '-c', setup, 'sh', ...args], {
      encoding: 'utf8',
      env: { ...process.env, PATH: `${join(scratch, 'bin')}:${process.env.PATH ?? ''}`, CALLS: calls, ACTIVE_UNITS: (options.active ?? []).join(' ') },
    });
    let recorded = '';
    try { recorded = readFileSync(calls, 'utf8'); } catch { /* no call */ }
    return { code: result.status, output: result.stdout + result.stderr, calls: recorded.trim().split('\n').filter((l) => l !== '') };
  }

  const startsOrRestarts = (calls: string[]): string[] => calls.filter((c) => / (start|restart|try-restart|reload-or-restart|enable)( |$)/.test(c));

  it('quorate postinst on a fresh install starts nothing and says what to do', () => {
    const run = runScript('quorate.postinst', ['configure', '']);
    assert.equal(run.code, 0, run.output);
    assert.deepEqual(startsOrRestarts(run.calls), []);
    assert.match(run.output, /installed, nothing started\. Write \/etc\/quorate\/quorate\.json/);
  });

  it('quorate postinst on an upgrade leaves a running daemon running and says so', () => {
    const run = runScript('quorate.postinst', ['configure', '0.0.9-1'], { active: ['quorate-daemon.service'] });
    assert.equal(run.code, 0, run.output);
    assert.deepEqual(startsOrRestarts(run.calls), []);
    assert.match(run.output, /upgraded from 0\.0\.9-1; quorate-daemon keeps running the old version with its HA services/);
    // A restart freezes the services and hands the watchdog lease over (quorate-daemon.service): it never stops them.
    assert.match(run.output, /systemctl restart quorate-daemon: its HA services keep running, frozen,\nquorate: while the new daemon takes over/);
    assert.doesNotMatch(run.output, /stopped/);
  });

  it('quorate prerm refuses removal while the watchdog is armed, and stops nothing', () => {
    const run = runScript('quorate.prerm', ['remove'], { run: ['quorate/watchdog-mux.active'], active: ['quorate-daemon.service'] });
    assert.equal(run.code, 1, run.output);
    assert.match(run.output, /not removed: the watchdog is armed \(\/run\/quorate\/watchdog-mux\.active exists\)/);
    assert.deepEqual(run.calls, []);
  });

  it('quorate prerm without an armed watchdog stops the daemon, then the multiplexer', () => {
    const run = runScript('quorate.prerm', ['remove']);
    assert.equal(run.code, 0, run.output);
    assert.deepEqual(run.calls, ['deb-systemd-invoke stop quorate-daemon.service', 'deb-systemd-invoke stop quorate-watchdog-mux.service']);
  });

  it('quorate prerm on an upgrade stops nothing, armed or not', () => {
    const run = runScript('quorate.prerm', ['upgrade', '0.1.1-1'], { run: ['quorate/watchdog-mux.active'] });
    assert.equal(run.code, 0, run.output);
    assert.deepEqual(run.calls, []);
  });

  it('quorate-arbiter postinst never restarts a running arbiter on upgrade', () => {
    const run = runScript('quorate-arbiter.postinst', ['configure', '0.0.9-1'], { active: ['quorate-arbiter.service'] });
    assert.equal(run.code, 0, run.output);
    assert.deepEqual(startsOrRestarts(run.calls), []);
    assert.match(run.output, /the running arbiter keeps the old version/);
  });

  it('quorate-arbiter prerm refuses removal while the arbiter runs, goes ahead when it is stopped', () => {
    const refused = runScript('quorate-arbiter.prerm', ['remove'], { active: ['quorate-arbiter.service'] });
    assert.equal(refused.code, 1, refused.output);
    assert.match(refused.output, /not removed: the arbiter is running and may hold the deciding vote/);
    const removed = runScript('quorate-arbiter.prerm', ['remove']);
    assert.equal(removed.code, 0, removed.output);
  });

  it('every script passes sh -n and starts nothing without systemd', () => {
    for (const script of ['quorate.postinst', 'quorate.prerm', 'quorate.postrm', 'quorate-arbiter.postinst', 'quorate-arbiter.prerm', 'quorate-arbiter.postrm']) {
      assert.equal(spawnSync('sh', ['-n', join(packaging, script)]).status, 0, script);
      const run = runScript(script, script.endsWith('postinst') ? ['configure', ''] : ['remove'], { systemd: false });
      assert.equal(run.code, 0, `${script}: ${run.output}`);
      assert.deepEqual(startsOrRestarts(run.calls), [], script);
    }
  });
});
