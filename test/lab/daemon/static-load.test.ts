import assert from 'node:assert/strict';
import type { DaemonStatus } from '../../../src/daemon/operator/backend';
import { findDualRuns, readJournal } from '../../../src/daemon/resources/lab-service-journal';
import { LabHaCluster } from '../../../src/lab/ha-cluster';
import { NamespaceLab } from '../../../src/lab/namespace-lab';
import { monotonicClock } from '../../../src/util/clock';
import { skipWithoutLab } from '../../support/lab';

/**
 * Placement by static load on real corosync: three nodes whose daemons publish different
 * capacities (node3 is small), four services that each need 2 cores and 1 GiB, all on node1.
 * When node1 loses power, recovery by count would split them between node2 and node3; by load
 * node2 (8 cores, 16 GiB) stays the least loaded after each of the four, so it takes them all.
 */
describe('placement by static load: recovery spreads by capacity, not by count (real corosync)', function () {
  let lab: NamespaceLab;
  let ha: LabHaCluster;
  const sids = [1, 2, 3, 4].map((i) => `lab:load${i}`);

  before(async function () {
    skipWithoutLab(this);
    lab = await NamespaceLab.up({ profile: 'fast', qdevice: 'integrated', nodes: 3 });
    ha = await LabHaCluster.start(lab, {
      capacities: { node1: { cores: 8, memoryMiB: 16384 }, node2: { cores: 8, memoryMiB: 16384 }, node3: { cores: 2, memoryMiB: 2048 } },
    });
  });

  after(async () => {
    await ha?.stop();
    await lab?.down();
  });

  async function status(): Promise<DaemonStatus> {
    const result = await ha.cli('node2', ['status', '--json']);
    assert.equal(result.code, 0, result.stderr);
    return (JSON.parse(result.stdout) as { ha: DaemonStatus }).ha;
  }

  async function waitFor(what: string, timeoutMs: number, done: (s: DaemonStatus) => boolean): Promise<DaemonStatus> {
    const deadline = monotonicClock.now() + timeoutMs;
    for (;;) {
      const s = await status().catch(() => null);
      if (s !== null && done(s)) return s;
      if (monotonicClock.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms; last status: ${JSON.stringify(s?.store.managerStatus?.serviceStatus)}`);
      await new Promise((r) => setTimeout(r, 500));
    }
  }

  const runningOn = (s: DaemonStatus): Record<string, string> => Object.fromEntries(sids.map((sid) => {
    const service = s.store.managerStatus?.serviceStatus[sid];
    return [sid, service?.state === 'started' && service.running === true ? service.node : '-'];
  }));

  it('publishes each node\'s configured capacity, and moves all four services of a lost node1 to node2', async () => {
    for (const [i, sid] of sids.entries()) {
      const added = await ha.cli('node1', ['resource', 'add', sid, '--node', 'node1', '--cores', '2', '--memory', '1024',
        '--param', `address=10.213.0.${110 + i}/24`, '--param', 'port=8080']);
      assert.equal(added.code, 0, added.stderr);
    }
    const before = await waitFor('all four running on node1', 60_000, (s) => Object.values(runningOn(s)).every((n) => n === 'node1'));
    assert.deepEqual(Object.fromEntries(Object.entries(before.store.lrmStatus).map(([node, l]) => [node, l.capacity])), {
      node1: { cores: 8, memoryMiB: 16384 }, node2: { cores: 8, memoryMiB: 16384 }, node3: { cores: 2, memoryMiB: 2048 },
    });
    assert.deepEqual(before.store.config.resources[sids[0]!]?.needs, { cores: 2, memoryMiB: 1024 });
    const list = await ha.cli('node2', ['resource', 'list']);
    assert.match(list.stdout, /lab:load1 .* 2 cores, 1024 MiB/);
    const cutAt = monotonicClock.now();
    await ha.powerOff('node1');
    const after = await waitFor('all four recovered', 90_000, (s) => Object.values(runningOn(s)).every((n) => n !== '-' && n !== 'node1'));
    console.log(`      node1's power cut: ${JSON.stringify(runningOn(after))} after ${Math.round(monotonicClock.now() - cutAt)} ms`);
    assert.deepEqual(runningOn(after), Object.fromEntries(sids.map((sid) => [sid, 'node2'])), 'by count two would go to node3');
    assert.deepEqual(findDualRuns(readJournal(ha.journalPath)), [], 'no two instances ran at once (service journal)');
  });
});
