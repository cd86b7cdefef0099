import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runFenceAgent, type FenceAction, type FenceResult } from '../../../src/fence/agent';
import { parseFencing, type FenceDevice } from '../../../src/fence/config';
import { FenceMonitor, type DeviceHealth } from '../../../src/fence/monitor';
import { bmcFenceDevice } from '../../../src/lab/bmc';
import { NamespaceLab } from '../../../src/lab/namespace-lab';
import type { NodeHost } from '../../../src/lab/names';
import { newLabId } from '../../../src/lab/names';
import { namespacePidsSync } from '../../../src/lab/processes';
import { skipWithoutLab } from '../../support/lab';

const cli = join(__dirname, '../../../src/cli/main.js');

/**
 * Real fence_ipmilan (Debian's fence-agents) against the lab's ipmi_sim BMCs, run from the lab's
 * switch as a fencing node's agent would reach them.
 */
describe('lab BMCs with fence_ipmilan (real ipmi_sim, real corosync)', function () {
  let lab: NamespaceLab | undefined;
  let dir: string;
  let client: { netns: string };

  before(async function () {
    skipWithoutLab(this);
    const missing = ['/usr/bin/ipmi_sim', '/usr/sbin/fence_ipmilan'].filter((p) => !existsSync(p));
    if (missing.length > 0) {
      console.log(`      skipped: ${missing.join(', ')} missing (apt-get install openipmi fence-agents)`);
      this.skip();
    }
    dir = mkdtempSync(join(tmpdir(), 'quorate-fence-lab-'));
    lab = await NamespaceLab.up({ name: `t-${newLabId()}`, profile: 'fast', qdevice: 'none', arbiter: 'none', bmc: true });
    client = await lab.client();
  });

  after(async () => {
    if (lab !== undefined) {
      // BMC hooks power nodes in processes of their own: tear down what the state file says.
      lab.reloadState();
      await lab.down();
    }
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  });

  const device = (node: NodeHost): FenceDevice => bmcFenceDevice((lab as NamespaceLab).bmc(node));
  const agent = (node: NodeHost, action: FenceAction): Promise<FenceResult> =>
    runFenceAgent(device(node), action, { agentDir: '/usr/sbin', secrets: { password: (lab as NamespaceLab).bmc(node).password }, wrapper: ['ip', 'netns', 'exec', client.netns] });
  const powerOf = (result: FenceResult): string | undefined => result.ok ? result.power : `failed: ${result.reason}`;
  const poweredOn = (node: NodeHost): boolean => {
    (lab as NamespaceLab).reloadState();
    return (lab as NamespaceLab).isPoweredOn(node);
  };

  it('status on; off is a power loss of the node; status off; on boots it back into the membership', async () => {
    const l = lab as NamespaceLab;
    assert.equal(powerOf(await agent('node1', 'status')), 'on');

    const off = await agent('node1', 'off');
    assert.equal(off.ok, true, JSON.stringify(off));
    assert.equal(poweredOn('node1'), false, 'the lab records the power loss');
    assert.deepEqual(namespacePidsSync(l.host('node1').netns), [], 'nothing runs on node1 any more');
    await l.waitForQuorum('node2', (s) => s.nodes === 1);
    const status = await agent('node1', 'status');
    assert.deepEqual([powerOf(status), status.exitCode], ['off', 2], 'fence-agents exit 2 for status off');

    const on = await agent('node1', 'on');
    assert.equal(on.ok, true, JSON.stringify(on));
    assert.equal(poweredOn('node1'), true);
    await l.waitQuorate({ nodes: ['node1', 'node2'], deviceVote: false });
  });

  it('quorate fence test reads the config and the root-only secrets file and reports each level', () => {
    const bmc = (lab as NamespaceLab).bmc('node1');
    const secretsFile = join(dir, 'fence-secrets.json');
    writeFileSync(secretsFile, JSON.stringify({ 'ipmi-node1': { password: bmc.password } }), { mode: 0o600 });
    const config = join(dir, 'quorate.json');
    writeFileSync(config, JSON.stringify({ node: 'node2', fencing: { secretsFile, nodes: { node1: [device('node1')] } } }));
    const test = spawnSync('ip', ['netns', 'exec', client.netns, process.execPath, cli, 'fence', 'test', 'node1', '--config', config, '--json'], { encoding: 'utf8', timeout: 60_000 });
    assert.equal(test.status, 0, test.stderr);
    const result = JSON.parse(test.stdout) as { ok: boolean; levels: FenceResult[] };
    assert.equal(result.ok, true);
    assert.equal(result.levels[0] === undefined ? undefined : powerOf(result.levels[0]), 'on');
  });

  it('a BMC that died with its node: the agent fails with a clear error', async () => {
    const l = lab as NamespaceLab;
    l.reloadState();
    await l.setBmcFault('node2', 'dies-with-node');
    await l.powerOff('node2');
    for (const action of ['status', 'off'] as const) {
      const result = await agent('node2', action);
      assert.equal(result.ok, false, JSON.stringify(result));
      assert.match(result.ok ? '' : result.reason, /Connection timed out \(exit 1\)/);
    }
    await l.powerOn('node2');
    assert.equal(powerOf(await agent('node2', 'status')), 'on', 'the BMC returns with the power');
  });

  it('an unreachable BMC: the agent fails, the node keeps running', async () => {
    const l = lab as NamespaceLab;
    await l.setBmcFault('node1', 'unreachable');
    const result = await agent('node1', 'status');
    assert.equal(result.ok, false, JSON.stringify(result));
    assert.match(result.ok ? '' : result.reason, /Connection timed out/);
    assert.equal(poweredOn('node1'), true);
    await l.setBmcFault('node1', 'alive');
    assert.equal(powerOf(await agent('node1', 'status')), 'on');
  });

  it("the fence monitor (node2's view) reports node1's unreachable BMC as failed before it is needed, and ok once it answers", async () => {
    const l = lab as NamespaceLab;
    const fencing = parseFencing({ nodes: { node1: [device('node1')], node2: [device('node2')] } });
    const check = (d: FenceDevice) => runFenceAgent(d, 'status', { agentDir: '/usr/sbin', secrets: { password: l.bmc(d.name === 'ipmi-node1' ? 'node1' : 'node2').password }, wrapper: ['ip', 'netns', 'exec', client.netns] });
    const rounds: DeviceHealth[][] = [];
    const monitor = (): Promise<DeviceHealth[]> => new Promise((resolve) => {
      const m = new FenceMonitor({ fencing, self: 'node2', intervalMs: 60_000, jitter: 0.1, check, report: (h) => { m.stop(); rounds.push(h); resolve(h); } });
      m.start();
    });
    await l.setBmcFault('node1', 'unreachable');
    try {
      const [failed] = await monitor();
      assert.deepEqual([failed?.device, failed?.node, failed?.ok], ['ipmi-node1', 'node1', false], JSON.stringify(failed));
      assert.match(failed?.reason ?? '', /Connection timed out/);
    } finally {
      await l.setBmcFault('node1', 'alive');
    }
    const [ok] = await monitor();
    assert.deepEqual([ok?.device, ok?.ok, ok?.power], ['ipmi-node1', true, 'on']);
    assert.equal(rounds.flat().length, 2, 'node2 checks only the device it would use, never its own');
  });
});
