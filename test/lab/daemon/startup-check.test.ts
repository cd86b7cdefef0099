import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NamespaceLab } from '../../../src/lab/namespace-lab';
import { skipWithoutLab } from '../../support/lab';

const cli = join(__dirname, '../../../src/cli/main.js');

/**
 * `quorate daemon check` inside a lab node on real corosync with a quorum device: the values it
 * reads through cmap match corosync-cmapctl, and a lease too short for them is refused with every
 * term named. The watchdog read-back is left out (--no-mux): no multiplexer runs in this lab.
 */
describe('daemon start-up check (real corosync)', function () {
  let lab: NamespaceLab;
  let dir: string;

  before(async function () {
    skipWithoutLab(this);
    dir = mkdtempSync(join(tmpdir(), 'quorate-daemon-check-'));
    lab = await NamespaceLab.up({ profile: 'fast' });
    console.log(`      lab bring-up: ${lab.upDurationMs} ms`);
  });

  after(async () => {
    await lab?.down();
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  });

  function config(name: string, lockLeaseMs: number): string {
    const path = join(dir, `${name}.json`);
    writeFileSync(path, JSON.stringify({ node: 'node1', timings: { lockLeaseMs } }));
    return path;
  }

  async function cmapctl(key: string): Promise<number> {
    const result = await lab.exec('node1', ['corosync-cmapctl', '-g', key]);
    assert.equal(result.code, 0, result.stderr);
    return Number(result.stdout.trim().split(' = ').pop());
  }

  it('reads token, consensus and the device timeouts in force, as corosync-cmapctl shows them', async () => {
    const result = await lab.exec('node1', [process.execPath, cli, 'daemon', 'check', '--no-mux', '--json',
      '--config', config('long', 600_000)]);
    assert.equal(result.code, 0, result.stderr);
    const check = JSON.parse(result.stdout) as { ok: boolean; corosync: { tokenMs: number; consensusMs: number; device?: { timeoutMs: number } } };
    assert.equal(check.ok, true);
    assert.equal(check.corosync.tokenMs, await cmapctl('runtime.config.totem.token'));
    assert.equal(check.corosync.consensusMs, await cmapctl('runtime.config.totem.consensus'));
    assert.ok(check.corosync.device !== undefined, 'the lab configures a quorum device');
    assert.equal(check.corosync.device.timeoutMs, await cmapctl('quorum.device.timeout'));
  });

  it('refuses a lease that does not cover them, naming each term', async () => {
    const result = await lab.exec('node1', [process.execPath, cli, 'daemon', 'check', '--no-mux', '--config', config('short', 2000)]);
    assert.equal(result.code, 1);
    for (const term of ['Q_renew', 'W 6000', 'renew_interval', 'feed_window', 'clock_margin', 'device timeout', 'sync_timeout']) {
      assert.match(result.stderr, new RegExp(term), `missing ${term} in: ${result.stderr}`);
    }
  });
});
