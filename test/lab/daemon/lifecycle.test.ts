import assert from 'node:assert/strict';
import type { DaemonStatus } from '../../../src/daemon/operator/backend';
import type { ShutdownPolicy } from '../../../src/ha/types';
import { demoService } from '../../../src/lab/demo';
import { servingNode } from '../../../src/lab/failover';
import type { NodeHost } from '../../../src/lab/names';
import { findDualRuns, readJournal } from '../../../src/daemon/resources/lab-service-journal';
import { monotonicClock } from '../../../src/util/clock';
import { useDemoHa } from '../../support/demo-ha';

/**
 * The node lifecycle on real corosync: a daemon restart (SIGTERM with no system job queued, then
 * a new daemon) keeps the service running where it is, with the watchdog lease handed over; a
 * reboot (reboot.target queued at the lab's stand-in for systemd's job list) does what each
 * shutdown policy says; a SIGKILLed daemon still ends in a watchdog reset.
 */
describe('node daemon lifecycle: restart, reboot per shutdown policy, crash (real corosync)', function () {
  const demo = useDemoHa();

  const other = (node: NodeHost): NodeHost => (node === 'node1' ? 'node2' : 'node1');

  async function status(node: NodeHost): Promise<DaemonStatus | null> {
    const result = await demo.ha.cli(node, ['status', '--json']);
    try {
      return (JSON.parse(result.stdout) as { ha: DaemonStatus | null }).ha;
    } catch {
      return null;
    }
  }

  async function waitUntil(what: string, timeoutMs: number, done: () => Promise<boolean>): Promise<void> {
    const deadline = monotonicClock.now() + timeoutMs;
    while (!(await done())) {
      if (monotonicClock.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }

  const serviceOn = async (viewer: NodeHost) => (await status(viewer))?.store.managerStatus?.serviceStatus[demoService.sid];

  async function setPolicy(policy: ShutdownPolicy): Promise<void> {
    const set = await demo.ha.cli('node1', ['settings', 'shutdown-policy', policy]);
    assert.equal(set.code, 0, set.stderr);
  }

  /** Journal entries of the service since `from` (index), as `event node` strings. */
  function journalSince(from: number): string[] {
    return readJournal(demo.ha.journalPath).slice(from).map((e) => `${e.event} ${e.node}`);
  }

  it('a daemon restart keeps the service running on its node, the probe answered throughout', async () => {
    const node = await servingNode(demo.probe, demo.ha.nodes, 60_000);
    const journalFrom = readJournal(demo.ha.journalPath).length;
    const logFrom = (await demo.ha.log(node)).length;
    const { signalledAt, exitedAt } = await demo.ha.restartDaemon(node);
    await waitUntil(`${node}: the new daemon active with the service started there`, 30_000, async () => {
      const s = await status(node);
      const service = s?.store.managerStatus?.serviceStatus[demoService.sid];
      return s?.lrm.state === 'active' && service?.state === 'started' && service.node === node;
    });
    const answers = demo.probe.answers.filter((a) => a.at >= signalledAt);
    const others = answers.filter((a) => a.node !== node);
    const gaps = answers.slice(1).map((a, i) => a.at - answers[i]!.at);
    const log = (await demo.ha.log(node)).slice(logFrom);
    const handed = /client lrm handed its lease over/.test(log);
    const again = /client lrm checked in again (\d+) ms after its predecessor's last check-in \(deadline (\d+) ms\)/.exec(log);
    const reattached = /client lrm re-attached to its handed-over lease (\d+) ms after its last check-in/.exec(log);
    console.log(`      restart of ${node}'s daemon: old daemon exited ${exitedAt - signalledAt} ms after SIGTERM; `
      + `new one re-attached ${reattached?.[1] ?? '-'} ms and checked in ${again?.[1] ?? '-'} ms after the old one's last check-in (deadline ${again?.[2] ?? '-'} ms); `
      + `${answers.length} probe answers, longest gap ${Math.round(Math.max(0, ...gaps))} ms`);
    assert.ok(handed, 'the old daemon handed its lease over');
    assert.ok(again !== null && Number(again[1]) < Number(again[2]), 'the new daemon checked in within the deadline');
    assert.deepEqual(others, [], `every probe answer came from ${node}`);
    assert.deepEqual(journalSince(journalFrom), [], 'the service was neither stopped nor started');
    assert.equal(demo.ha.resets.length, 0, 'no watchdog reset');
  });

  /** Reboots the serving node under `policy`; returns the node and what happened meanwhile. */
  async function rebootUnder(policy: ShutdownPolicy, downMs: number) {
    await setPolicy(policy);
    const node = await servingNode(demo.probe, demo.ha.nodes, 60_000);
    const journalFrom = readJournal(demo.ha.journalPath).length;
    const start = monotonicClock.now();
    let stateWhileDown: string | undefined;
    const rebooting = demo.ha.reboot(node, downMs);
    // What the other node's manager makes of the service while the node is away.
    const watch = (async () => {
      await new Promise((r) => setTimeout(r, 1000));
      stateWhileDown = (await serviceOn(other(node)))?.state;
    })();
    const { exitedAt, bootedAt } = await rebooting;
    await watch;
    // Every node: waitReady's quorum check wants the nodes it is given to be all the ring has.
    await demo.ha.waitReady(demo.ha.nodes, 60_000);
    return { node, journalFrom, start, exitedAt, bootedAt, stateWhileDown };
  }

  for (const policy of ['conditional', 'freeze'] as const) {
    it(`reboot with shutdown policy ${policy}: the service stops, stays frozen and starts again on the same node`, async () => {
      const r = await rebootUnder(policy, 3000);
      const node = await servingNode(demo.probe, demo.ha.nodes, 60_000);
      console.log(`      ${policy}: ${r.node}'s daemon done ${r.exitedAt - r.start} ms after the SIGTERM; service state meanwhile '${r.stateWhileDown}'`);
      assert.equal(node, r.node);
      assert.equal(r.stateWhileDown, 'freeze');
      assert.equal(demo.probe.answers.filter((a) => a.at >= r.start && a.node === other(r.node)).length, 0, 'never answered from the other node');
      assert.deepEqual(journalSince(r.journalFrom), [`stopped ${r.node}`, `host-down ${r.node}`, `started ${r.node}`]);
    });
  }

  it('reboot with shutdown policy failover: the service stops and is recovered on the other node while the node is down', async () => {
    const r = await rebootUnder('failover', 25_000);
    const recovered = demo.probe.firstFrom(other(r.node), r.start);
    console.log(`      failover: answered from ${other(r.node)} ${recovered === undefined ? '-' : Math.round(recovered.at - r.exitedAt)} ms after ${r.node}'s daemon was done`);
    assert.ok(recovered !== undefined && recovered.at < r.bootedAt, 'answered from the other node before the rebooted one was back');
    assert.deepEqual(journalSince(r.journalFrom).slice(0, 3), [`stopped ${r.node}`, `host-down ${r.node}`, `started ${other(r.node)}`]);
  });

  it('reboot with shutdown policy migrate: the service leaves for the other node before the daemon exits', async () => {
    // Down long enough for the other node to start it even when the node's power-off costs it a
    // membership change and the arbiter's vote first (seen: more than 8 s).
    const r = await rebootUnder('migrate', 15_000);
    const moved = demo.probe.firstFrom(other(r.node), r.start);
    const journal = journalSince(r.journalFrom);
    console.log(`      migrate: ${r.node}'s daemon done ${r.exitedAt - r.start} ms after the SIGTERM; `
      + `answered from ${other(r.node)} ${moved === undefined ? '-' : Math.round(moved.at - r.start)} ms after it; journal ${journal.join(', ')}`);
    // A lab service moves by stop and start: the daemon exits once the manager placed it on the
    // other node, whose start may finish after that.
    assert.equal(journal[0], `stopped ${r.node}`, 'stopped by the daemon before the node went down');
    assert.ok(journal.indexOf(`started ${other(r.node)}`) > 0, 'started on the other node');
    assert.ok(moved !== undefined && moved.at < r.bootedAt, 'answered from the other node while the node was down');
  });

  it('a service killed outside HA is started again on its node by the monitor, not moved', async () => {
    const node = await servingNode(demo.probe, demo.ha.nodes, 60_000);
    const journal = readJournal(demo.ha.journalPath);
    const running = journal.filter((e) => e.event === 'started' && e.node === node).at(-1);
    assert.ok(running?.event === 'started', `${node} journaled the start of what it runs`);
    const logFrom = (await demo.ha.log(node)).length;
    const killedAt = monotonicClock.now();
    process.kill(running.pid, 'SIGKILL');
    // An answer already on its way when the kill came may still arrive: count from a moment later.
    const answer = await demo.probe.waitFor(node, killedAt + 500, 30_000);
    const log = (await demo.ha.log(node)).slice(logFrom);
    console.log(`      SIGKILL of the service on ${node}: answered again from ${node} after ${Math.round(answer.at - killedAt)} ms (monitor every 5 s)`);
    assert.match(log, /resource monitor: 'lab:[^']+' no longer runs here/);
    assert.match(log, /stopped outside HA: starting it again/);
    assert.deepEqual(journalSince(journal.length), [`started ${node}`], 'started again there, nowhere else');
    assert.equal(demo.probe.answers.some((a) => a.at >= killedAt && a.node === other(node)), false, `no answer from ${other(node)}`);
  });

  it('a SIGKILLed daemon still ends in a watchdog reset, and the service fails over', async () => {
    await setPolicy('conditional');
    const node = await servingNode(demo.probe, demo.ha.nodes, 60_000);
    const resetsBefore = demo.ha.resets.length;
    const killedAt = monotonicClock.now();
    process.kill(demo.ha.daemonPid(node)!, 'SIGKILL');
    await waitUntil(`${node}: watchdog reset`, 30_000, async () => demo.ha.resets.length > resetsBefore);
    const reset = demo.ha.resets.at(-1)!;
    const answer = await demo.probe.waitFor(other(node), killedAt, 60_000);
    console.log(`      SIGKILL of ${node}'s daemon: lab watchdog reset after ${reset.at - killedAt} ms, answered from ${other(node)} after ${Math.round(answer.at - killedAt)} ms`);
    assert.equal(reset.host, node);
    assert.deepEqual(findDualRuns(readJournal(demo.ha.journalPath)), [], 'no two instances ran at once (service journal)');
  });
});
