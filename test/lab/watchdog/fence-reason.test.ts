import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { NodeFences } from '../../../src/daemon/fence-report';
import { addDemoService, demoService } from '../../../src/lab/demo';
import { servingNode } from '../../../src/lab/failover';
import { LabHaCluster } from '../../../src/lab/ha-cluster';
import { NamespaceLab } from '../../../src/lab/namespace-lab';
import { ServiceProbe } from '../../../src/lab/service-probe';
import { monotonicClock } from '../../../src/util/clock';
import type { MuxStatus } from '../../../src/watchdog/mux-core';
import { skipWithoutLab } from '../../support/lab';

/**
 * "Why was this node reset?" on real corosync with the lab watchdog: node1's daemon, which runs
 * the service, is stopped (SIGSTOP), its lease misses the deadline, the multiplexer writes why
 * and the lab watchdog resets the host; after it boots its daemon publishes the record, and
 * `quorate status` on node2 shows node1's last fence.
 */
describe('watchdog: the reason of a reset, written before it and shown after it (real corosync, lab watchdog)', function () {
  let lab: NamespaceLab;
  let ha: LabHaCluster;
  let probe: ServiceProbe;

  before(async function () {
    skipWithoutLab(this);
    lab = await NamespaceLab.up({ profile: 'fast', qdevice: 'integrated' });
    // Down long enough for node2 to take the service over (a node back sooner takes it up again itself).
    ha = await LabHaCluster.start(lab, { bootDelayMs: 15_000, restartAfterReset: true });
    await addDemoService(ha);
    probe = await ServiceProbe.start(lab, demoService.address, demoService.port);
    assert.equal(await servingNode(probe, ha.nodes, 60_000), 'node1');
  });

  after(async () => {
    await probe?.stop();
    await ha?.stop();
    await lab?.down();
  });

  it("records node1's missed deadline before the reset, and node2's quorate status shows it after node1 is back", async () => {
    const stoppedAt = new Date();
    process.kill(ha.daemonPid('node1')!, 'SIGSTOP');
    const deadline = monotonicClock.now() + 90_000;
    let fences: Record<string, NodeFences> | undefined;
    while (fences?.node1?.last === undefined) {
      assert.ok(monotonicClock.now() < deadline, `node2 shows no fence of node1; resets seen: ${JSON.stringify(ha.resets)}`);
      await new Promise((r) => setTimeout(r, 500));
      const status = await ha.cli('node2', ['status', '--json']);
      fences = (JSON.parse(status.stdout || '{}') as { ha?: { fences?: Record<string, NodeFences> } }).ha?.fences;
    }
    assert.deepEqual(ha.resets.map((r) => r.host), ['node1'], 'the lab watchdog reset node1');
    const { last, servicesElsewhere: elsewhere } = fences.node1;
    assert.ok(last !== undefined);
    assert.equal(last.client, 'lrm');
    assert.equal(last.condition, 'deadline-missed');
    assert.match(last.reason, /^client lrm missed its deadline by \d+ ms/);
    assert.ok(Date.parse(last.at) >= stoppedAt.getTime() - 1000, 'feeding stopped after the SIGSTOP');
    assert.deepEqual(fences.node1.resets, { 'deadline-missed': 1 });
    assert.ok(elsewhere !== undefined, 'the master noted when node1\'s service ran elsewhere');
    assert.deepEqual(elsewhere.services, ['lab:web']);
    const afterMs = Date.parse(elsewhere.at) - Date.parse(last.at);
    console.log(`      node1: feeding stopped at ${last.at}, its service ran on node2 ${afterMs} ms later`);
    assert.ok(afterMs > 0, 'after the fence, not before');
    // The device's own word, read by the rebooted node's multiplexer before it opened the device.
    const { bootStatus, ...written } = last;
    assert.deepEqual(bootStatus, { bits: 0x20, identity: 'quorate lab watchdog', verdict: 'watchdog-reset', source: join(ha.dir, 'node1', 'watchdog-sysfs') });
    const mux = JSON.parse((await ha.cli('node1', ['watchdog', 'status', '--json'])).stdout) as MuxStatus;
    assert.deepEqual(mux.bootStatus, bootStatus);
    assert.match(await ha.log('node1'), /warn \[watchdog-mux\] this boot followed a reset by the watchdog: boot status 0x20/);
    // The record on node1's disk, and the journal line before the reset.
    assert.deepEqual(JSON.parse(readFileSync(join(ha.dir, 'node1', 'last-fence.json'), 'utf8')), written);
    assert.match(await ha.log('node1'), /error \[watchdog-mux\] fence record: deadline-missed \(client lrm\) at /);
    const text = await ha.cli('node2', ['status']);
    assert.match(text.stdout, /last fence of +feeding stopped at +condition +client +services elsewhere after +watchdog reset +reason\n.*node1 +\S+ +deadline-missed +lrm +\d+\.\d s \(lab:web\) +confirmed +client lrm missed its deadline/);
  });
});
