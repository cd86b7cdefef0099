import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkConfig } from '../../../src/diag/config-checks';
import { parseCorosyncConf } from '../../../src/diag/corosync-conf';
import { daemonTimingDefaults } from '../../../src/daemon/config';

const vagrantDir = join(__dirname, '../../../../vagrant');

describe('vagrant/ test bed files', () => {
  it('every provisioning and VM lab script parses as shell', () => {
    const scripts = ['provision', 'vmlab'].flatMap((dir) => readdirSync(join(vagrantDir, dir)).filter((f) => f.endsWith('.sh')).map((f) => `${dir}/${f}`));
    assert.deepEqual(scripts.sort(), ['provision/arbiter.sh', 'provision/common.sh', 'provision/install-quorate.sh', 'provision/make-authkey.sh', 'provision/node.sh',
      'vmlab/build-image.sh', 'vmlab/guest-setup.sh']);
    for (const script of scripts) {
      const result = spawnSync('bash', ['-n', join(vagrantDir, script)], { encoding: 'utf8' });
      assert.equal(result.status, 0, `${script}: ${result.stderr}`);
    }
  });

  it("the cluster's corosync.conf passes quorate diag config with the daemon's default timings", () => {
    const report = checkConfig(parseCorosyncConf(readFileSync(join(vagrantDir, 'files/corosync.conf'), 'utf8')), daemonTimingDefaults);
    assert.deepEqual(report.checks.filter((c) => c.level !== 'ok'), []);
  });

  it('vagrant validate accepts the Vagrantfile (provider blocks ignored: no provider exists here)', function () {
    this.timeout(120_000);
    if (spawnSync('vagrant', ['--version']).status !== 0) {
      console.log('      skipped: vagrant is not installed (Debian: apt-get install vagrant; not part of bootstrap)');
      this.skip();
    }
    // A private VAGRANT_HOME and dot-file directory: validate must not touch the user's boxes, plugins or the checkout.
    const home = mkdtempSync(join(tmpdir(), 'quorate-vagrant-'));
    try {
      const result = spawnSync('vagrant', ['validate', '--ignore-provider'], {
        cwd: vagrantDir, encoding: 'utf8', timeout: 110_000, env: { ...process.env, VAGRANT_HOME: home, VAGRANT_DOTFILE_PATH: join(home, 'dot'), VAGRANT_CHECKPOINT_DISABLE: '1' },
      });
      assert.equal(result.status, 0, `${result.stdout}${result.stderr}`);
      assert.match(result.stdout, /Vagrantfile validated successfully/);
    } finally {
      rmSync(home, { recursive: true, force: true });
    }
  });
});
