import assert from 'node:assert/strict';
import { injectAndMeasure, servingNode } from '../../../src/lab/failover';
import { findDualRuns, readJournal } from '../../../src/daemon/resources/lab-service-journal';
import { useDemoHa } from '../../support/demo-ha';

/**
 * Five nodes and the arbiter on real corosync with the whole HA stack (the integrated quorum
 * device, the multiplexer on a lab watchdog, the lab driver): corosync runs with the token its
 * token_coefficient gives five nodes, every daemon becomes quorate, and a service whose node
 * loses power answers from one of the other four. Reuses what ha-failover.test.ts builds on.
 */
describe('node daemon: five nodes, an HA service failing over (real corosync)', function () {
  const demo = useDemoHa({ nodes: 5 });

  it("runs corosync with token + 3 × token_coefficient and consensus 1.2 × that (corosync's defaults)", async () => {
    const { lab } = demo;
    const read = async (key: string): Promise<number> => {
      const result = await lab.exec('node5', ['corosync-cmapctl', '-g', key]);
      assert.equal(result.code, 0, result.stderr);
      return Number(/=\s*(\d+)\s*$/.exec(result.stdout.trim())?.[1]);
    };
    assert.equal(await read('runtime.config.totem.token'), 1000 + 3 * 650);
    assert.equal(await read('runtime.config.totem.consensus'), Math.round(1.2 * (1000 + 3 * 650)));
  });

  it('has all five nodes as members, and the HA master sees each of them online', async () => {
    const { ha } = demo;
    type Status = { nodes: { member: boolean }[]; ha: { store: { managerStatus?: { nodeStatus: Record<string, string> } } } };
    let status: Status | undefined;
    for (let attempt = 0; attempt < 100; attempt++) {
      const result = await ha.cli('node3', ['status', '--json']);
      assert.equal(result.code, 0, result.stderr);
      status = JSON.parse(result.stdout) as Status;
      if (Object.values(status.ha.store.managerStatus?.nodeStatus ?? {}).filter((s) => s === 'online').length === 5) break;
      await new Promise((r) => setTimeout(r, 300));
    }
    assert.equal(status?.nodes.filter((n) => n.member).length, 5);
    assert.deepEqual(status?.ha.store.managerStatus?.nodeStatus, Object.fromEntries(ha.nodes.map((n) => [n, 'online'])));
  });

  it('moves the service to another node when node1 loses power, and never runs it twice', async () => {
    const { ha, probe } = demo;
    assert.equal(await servingNode(probe, ha.nodes, 60_000), 'node1');
    const run = await injectAndMeasure(ha, probe, 'power-loss', 80_000);
    console.log(`      power loss of ${run.from}: answers from ${run.to ?? 'nobody'} after ${run.failoverMs ?? '-'} ms`);
    assert.equal(run.from, 'node1');
    assert.ok(run.to !== null && run.to !== 'node1', `answered from ${String(run.to)}`);
    assert.deepEqual(findDualRuns(readJournal(ha.journalPath)), [], 'no two instances ran at once (service journal)');
  });
});
