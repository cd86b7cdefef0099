import assert from 'node:assert/strict';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NamespaceLab } from '../../../src/lab/namespace-lab';
import type { HostName } from '../../../src/lab/names';
import type { RunResult } from '../../../src/util/run';
import { skipWithoutLab } from '../../support/lab';
import { type ScratchBootstrap, scratchBootstrap } from '../../support/scratch-bootstrap';

/** Debian's stock corosync.conf nodelist: one node on loopback, what a fresh `apt install corosync` runs. */
const stockConf = `totem {\n\tversion: 2\n\tcluster_name: debian\n}\nquorum {\n\tprovider: corosync_votequorum\n}\n` +
  `nodelist {\n\tnode {\n\t\tname: node1\n\t\tnodeid: 1\n\t\t# ring0_addr: 10.0.0.1\n\t\tring0_addr: 127.0.0.1\n\t}\n}\n`;

/**
 * scripts/bootstrap.sh really run inside a lab host (its netns, /run and /etc/corosync), from a
 * copy in a scratch tree whose every installing tool (apt-get, npm, npx, systemctl) is a stub that
 * only records its call: what the bootstrap would have done, without doing it.
 */
describe('bootstrap on a configured corosync cluster node (real corosync)', function () {
  let lab: NamespaceLab | undefined;
  let scratch: ScratchBootstrap | undefined;
  const calls = join(tmpdir(), `quorate-bootstrap-calls-${process.pid}`);

  before(async function () {
    skipWithoutLab(this);
    lab = await NamespaceLab.up({ profile: 'fast', qdevice: 'none', arbiter: 'none' });
    scratch = scratchBootstrap();
    for (const tool of ['apt-get', 'npm', 'npx', 'systemctl']) scratch.fake(tool, `echo "${tool} $*" >> "${calls}"`);
  });

  after(async () => {
    await lab?.down();
    scratch?.remove();
    rmSync(calls, { force: true });
  });

  beforeEach(() => rmSync(calls, { force: true }));

  /** /etc/corosync/corosync.conf as the host sees it. */
  const setConf = (host: HostName, text: string): void => writeFileSync(join(lab!.host(host).etcDir, 'corosync.conf'), text);
  const clusterConf = (): string => readFileSync(join(lab!.host('node1').dir, 'corosync.conf'), 'utf8');
  const bootstrap = (host: HostName, env: string[] = []): Promise<RunResult> => lab!.exec(host,
    ['env', `PATH=${scratch!.bin}:${process.env.PATH ?? ''}`, ...env, 'bash', scratch!.script]);
  const callsMade = (): string => { try { return readFileSync(calls, 'utf8'); } catch { return ''; } };

  it('refuses on a node whose corosync.conf has a nodelist and whose corosync has members, before installing anything', async () => {
    setConf('node1', clusterConf());
    const result = await bootstrap('node1');
    assert.equal(result.code, 1, result.stderr);
    assert.match(result.stderr, /refusing to run: this host is a node of a configured corosync cluster/);
    assert.match(result.stderr, /running corosync has 2 joined members/);
    assert.match(result.stderr, /QUORATE_BOOTSTRAP_STOP_COROSYNC=1/);
    assert.equal(callsMade(), '');
  });

  it('goes on when told explicitly with QUORATE_BOOTSTRAP_STOP_COROSYNC=1, and says so', async () => {
    setConf('node1', clusterConf());
    const result = await bootstrap('node1', ['QUORATE_BOOTSTRAP_STOP_COROSYNC=1']);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stderr, /QUORATE_BOOTSTRAP_STOP_COROSYNC=1: stopping corosync of a configured cluster \(2 joined members\)/);
    assert.match(callsMade(), /^npx --no-install tsc/m);
  });

  it('goes on as before with Debian\'s stock corosync.conf (one node on loopback) and its corosync running', async () => {
    setConf('node1', stockConf);
    const result = await bootstrap('node1');
    assert.equal(result.code, 0, result.stderr);
    assert.doesNotMatch(result.stderr, /refusing/);
    assert.match(callsMade(), /^npx --no-install tsc/m);
  });

  it('goes on as before with a cluster corosync.conf but no corosync running on the host', async () => {
    setConf('arbiter', clusterConf());
    const result = await bootstrap('arbiter');
    assert.equal(result.code, 0, result.stderr);
    assert.match(callsMade(), /^npx --no-install tsc/m);
  });
});
