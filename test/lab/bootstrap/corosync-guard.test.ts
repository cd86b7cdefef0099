import assert from 'node:assert/strict';
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Lab } from '../../../src/lab/lab';
import type { HostName } from '../../../src/lab/names';
import type { RunResult } from '../../../src/lab/run';
import { skipWithoutLab } from '../../support/lab';

const scripts = join(__dirname, '../../../../scripts');

/** Debian's stock corosync.conf nodelist: one node on loopback, what a fresh `apt install corosync` runs. */
const stockConf = `totem {\n\tversion: 2\n\tcluster_name: debian\n}\nquorum {\n\tprovider: corosync_votequorum\n}\n` +
  `nodelist {\n\tnode {\n\t\tname: node1\n\t\tnodeid: 1\n\t\t# ring0_addr: 10.0.0.1\n\t\tring0_addr: 127.0.0.1\n\t}\n}\n`;

/**
 * scripts/bootstrap.sh really run inside a lab host (its netns, /run and /etc/corosync), from a
 * copy in a scratch tree whose every installing tool (apt-get, npm, npx, systemctl) is a stub that
 * only records its call: what the bootstrap would have done, without doing it.
 */
describe('bootstrap on a configured corosync cluster node (real corosync)', function () {
  let lab: Lab | undefined;
  let scratch = '';

  before(async function () {
    skipWithoutLab(this);
    lab = await Lab.up({ profile: 'fast', qdevice: 'none', arbiter: 'none' });
    scratch = mkdtempSync(join(tmpdir(), 'quorate-bootstrap-'));
    mkdirSync(join(scratch, 'tree', 'scripts'), { recursive: true });
    for (const file of ['bootstrap.sh', 'corosync-guard.sh']) copyFileSync(join(scripts, file), join(scratch, 'tree', 'scripts', file));
    mkdirSync(join(scratch, 'bin'));
    for (const tool of ['apt-get', 'npm', 'npx', 'systemctl']) {
      writeFileSync(join(scratch, 'bin', tool), `#!/bin/sh\necho "${tool} $*" >> "${join(scratch, 'calls')}"\n`);
      chmodSync(join(scratch, 'bin', tool), 0o755);
    }
  });

  after(async () => {
    await lab?.down();
    if (scratch !== '') rmSync(scratch, { recursive: true, force: true });
  });

  beforeEach(() => rmSync(join(scratch, 'calls'), { force: true }));

  /** /etc/corosync/corosync.conf as the host sees it. */
  const setConf = (host: HostName, text: string): void => writeFileSync(join(lab!.host(host).etcDir, 'corosync.conf'), text);
  const clusterConf = (): string => readFileSync(join(lab!.host('node1').dir, 'corosync.conf'), 'utf8');
  const bootstrap = (host: HostName, env: string[] = []): Promise<RunResult> => lab!.exec(host,
    ['env', `PATH=${join(scratch, 'bin')}:${process.env.PATH ?? ''}`, ...env, 'bash', join(scratch, 'tree', 'scripts', 'bootstrap.sh')]);
  const calls = (): string => { try { return readFileSync(join(scratch, 'calls'), 'utf8'); } catch { return ''; } };

  it('refuses on a node whose corosync.conf has a nodelist and whose corosync has members, before installing anything', async () => {
    setConf('node1', clusterConf());
    const result = await bootstrap('node1');
    assert.equal(result.code, 1, result.stderr);
    assert.match(result.stderr, /refusing to run: this host is a node of a configured corosync cluster/);
    assert.match(result.stderr, /running corosync has 2 joined members/);
    assert.match(result.stderr, /QUORATE_BOOTSTRAP_STOP_COROSYNC=1/);
    assert.equal(calls(), '');
  });

  it('goes on when told explicitly with QUORATE_BOOTSTRAP_STOP_COROSYNC=1, and says so', async () => {
    setConf('node1', clusterConf());
    const result = await bootstrap('node1', ['QUORATE_BOOTSTRAP_STOP_COROSYNC=1']);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stderr, /QUORATE_BOOTSTRAP_STOP_COROSYNC=1: stopping corosync of a configured cluster \(2 joined members\)/);
    assert.match(calls(), /^npx --no-install tsc/m);
  });

  it('goes on as before with Debian\'s stock corosync.conf (one node on loopback) and its corosync running', async () => {
    setConf('node1', stockConf);
    const result = await bootstrap('node1');
    assert.equal(result.code, 0, result.stderr);
    assert.doesNotMatch(result.stderr, /refusing/);
    assert.match(calls(), /^npx --no-install tsc/m);
  });

  it('goes on as before with a cluster corosync.conf but no corosync running on the host', async () => {
    setConf('arbiter', clusterConf());
    const result = await bootstrap('arbiter');
    assert.equal(result.code, 0, result.stderr);
    assert.match(calls(), /^npx --no-install tsc/m);
  });
});
