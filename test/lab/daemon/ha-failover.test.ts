import assert from 'node:assert/strict';
import { injectAndMeasure, restore, servingNode } from '../../../src/lab/failover';
import { findDualRuns, readJournal } from '../../../src/daemon/resources/lab-service-journal';
import { useDemoHa } from '../../support/demo-ha';

/**
 * The node daemon on real corosync in the lab, with the integrated quorum device client, the
 * watchdog multiplexer on a lab watchdog and the lab driver: an HA service added through the
 * operator CLI runs on its node and answers a probe outside the cluster; when that node loses
 * power the service answers from the other node. Timings are the benchmark's business
 * (`npm run bench -- failover`); this checks what happens, and prints the time it took.
 */
describe('node daemon: an HA service failing over (real corosync)', function () {
  const demo = useDemoHa();

  it('runs the service on its configured node, where it answers the probe', async () => {
    assert.equal(await servingNode(demo.probe, demo.ha.nodes, 60_000), 'node1');
  });

  it('diag quorum tells, from the daemon, what losing node1 would do to the service', async () => {
    const result = await demo.ha.cli('node1', ['diag', 'quorum', '--json']);
    assert.equal(result.code, 0, result.stderr);
    const report = JSON.parse(result.stdout) as { haServices: string; failures: { failure: string; services: { sid: string; fate: string; nodes: string[] }[] }[] };
    assert.equal(report.haServices, 'the HA daemon on this node');
    const lossOfNode1 = report.failures.find((f) => f.failure === 'node node1');
    assert.deepEqual(lossOfNode1?.services, [{ sid: 'lab:web', fate: 'fails over', nodes: ['node2'], text: "lab:web fails over to node2 once node1's lock lease has run out" }]);
  });

  it('moves the service to node2 when node1 loses power, and never runs it on both', async () => {
    const run = await injectAndMeasure(demo.ha, demo.probe, 'power-loss', 60_000);
    console.log(`      power loss of ${run.from}: answers from ${run.to ?? 'nobody'} after ${run.failoverMs ?? '-'} ms`);
    assert.equal(run.from, 'node1');
    assert.equal(run.to, 'node2');
    assert.deepEqual(findDualRuns(readJournal(demo.ha.journalPath)), [], 'no two instances ran at once (service journal)');
  });

  it('keeps the service on node2 when node1 comes back', async () => {
    const back = { fault: 'power-loss' as const, from: 'node1' as const, to: 'node2' as const, failoverMs: 0, outageMs: 0 };
    await restore(demo.ha, back);
    assert.equal(await servingNode(demo.probe, demo.ha.nodes, 30_000), 'node2');
  });
});
