import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { NamespaceLab } from '../../../src/lab/namespace-lab';
import { namespacePidsSync } from '../../../src/lab/processes';
import type { QuorumStatus } from '../../../src/lab/quorum-status';
import { monotonicClock } from '../../../src/util/clock';
import { quorateAlone as alone, skipWithoutLab } from '../../support/lab';

const notQuorate = (s: QuorumStatus) => !s.quorate;

/** Each fault on one lab (fast profile); every test leaves the lab healthy for the next. */
describe('lab faults (real corosync, fast profile)', function () {
  let lab: NamespaceLab;
  let faultAt = 0;
  const since = () => `+${((monotonicClock.now() - faultAt) / 1000).toFixed(2)} s`;

  before(async function () {
    skipWithoutLab(this);
    lab = await NamespaceLab.up({ profile: 'fast' });
    console.log(`      lab bring-up: ${lab.upDurationMs} ms`);
  });

  after(async () => {
    await lab?.down();
  });

  afterEach(async () => {
    if (lab === undefined) return;
    // Back to health: whatever a test broke, the next one starts from a quorate lab.
    await lab.healIsolation();
    for (const host of ['node1', 'node2', 'arbiter'] as const) {
      if (!lab.isPoweredOn(host)) await lab.powerOn(host);
      else if (host === 'arbiter' && namespacePidsSync(lab.hosts.arbiter.netns).length === 0) await lab.startArbiter();
      await lab.restoreLink(host);
      lab.resume(host);
    }
    await lab.waitQuorate({ timeoutMs: 30_000 });
  });

  it('cutLink(node1): node2 stays quorate alone, node1 loses quorum; restoreLink heals', async () => {
    faultAt = monotonicClock.now();
    await lab.cutLink('node1');
    const [survivor] = await Promise.all([
      lab.waitForQuorum('node2', alone).then((s) => { console.log(`      node2 quorate alone ${since()}`); return s; }),
      lab.waitForQuorum('node1', notQuorate).then(() => console.log(`      node1 lost quorum ${since()}`)),
    ]);
    assert.equal(survivor.qdeviceVotes, 1);
    faultAt = monotonicClock.now();
    await lab.restoreLink('node1');
    await lab.waitQuorate();
    console.log(`      quorate together again ${since()} after restoreLink`);
  });

  it('isolateNodes with ffsplit: node1 (lowest id) keeps quorum, node2 loses it, both reach the arbiter', async () => {
    faultAt = monotonicClock.now();
    await lab.isolateNodes();
    await Promise.all([
      lab.waitForQuorum('node1', alone).then(() => console.log(`      node1 quorate alone ${since()}`)),
      lab.waitForQuorum('node2', (s) => !s.quorate && s.nodes === 1).then(() => console.log(`      node2 lost quorum ${since()}`)),
    ]);
    const clients = await lab.arbiterClients();
    assert.match(clients, /Node ID 1:/);
    assert.match(clients, /Node ID 2:/);
    await lab.healIsolation();
    await lab.waitQuorate();
  });

  it('powerOff(node1) kills every process at once and removes its shm files; powerOn boots it', async () => {
    const before = namespacePidsSync(lab.hosts.node1.netns);
    assert.ok(before.length >= 2, 'corosync and qdevice run on node1');
    faultAt = monotonicClock.now();
    await lab.powerOff('node1');
    console.log(`      powerOff took ${since()}`);
    assert.equal(lab.isPoweredOn('node1'), false);
    assert.deepEqual(namespacePidsSync(lab.hosts.node1.netns), []);
    const shm = readdirSync('/dev/shm').filter((f) => f.startsWith('qb-') && f.split('-').slice(1, 4).some((t) => before.includes(Number(t))));
    assert.deepEqual(shm, []);
    const addresses = await lab.exec('node1', ['ip', '-o', '-4', 'addr', 'show']);
    assert.doesNotMatch(addresses.stdout, new RegExp(lab.hosts.node1.address.replaceAll('.', '\\.')));
    await lab.waitForQuorum('node2', alone);
    console.log(`      node2 quorate alone ${since()}`);
    faultAt = monotonicClock.now();
    await lab.powerOn('node1');
    assert.equal(lab.isPoweredOn('node1'), true);
    await lab.waitQuorate();
    console.log(`      node1 powered on and quorate with node2 ${since()}`);
  });

  it('reset(node1) powers off, waits the boot delay and powers on', async () => {
    const pidsBefore = namespacePidsSync(lab.hosts.node1.netns);
    faultAt = monotonicClock.now();
    await lab.reset('node1', { bootDelayMs: 500 });
    const elapsed = monotonicClock.now() - faultAt;
    assert.ok(elapsed >= 500, `reset waited ${elapsed} ms`);
    const pidsAfter = namespacePidsSync(lab.hosts.node1.netns);
    assert.equal(pidsAfter.filter((p) => pidsBefore.includes(p)).length, 0, 'fresh processes after the reset');
    await lab.waitQuorate();
    console.log(`      reset with 0.5 s boot delay, quorate again ${since()}`);
  });

  it('pause(node2) stops its processes: node1 goes on alone; resume lets node2 rejoin', async () => {
    faultAt = monotonicClock.now();
    const paused = lab.pause('node2');
    assert.ok(paused.length >= 2);
    await lab.waitForQuorum('node1', alone);
    console.log(`      node1 quorate alone ${since()} after pausing node2`);
    lab.resume('node2');
    await lab.waitQuorate();
  });

  it('pause(host, program) stops only that program', async () => {
    const paused = lab.pause('node1', 'corosync-qdevice');
    try {
      assert.ok(paused.length >= 1);
      const corosync = (await lab.status()).hosts.find((h) => h.name === 'node1')?.daemons.find((d) => d.program === 'corosync');
      assert.ok(corosync !== undefined && !paused.includes(corosync.pid));
      assert.equal((await lab.quorumStatus('node1')).quorate, true, 'corosync still answers');
    } finally {
      lab.resume('node1', 'corosync-qdevice');
    }
  });

  it('stopArbiter: nodes stay quorate and lose the device vote; startArbiter brings it back', async () => {
    faultAt = monotonicClock.now();
    await lab.stopArbiter();
    const status = await lab.waitForQuorum('node1', (s) => s.totalVotes === 2);
    assert.equal(status.quorate, true);
    await lab.waitQuorate({ deviceVote: false, timeoutMs: 5000 });
    console.log(`      votes 3 -> 2 ${since()} after stopArbiter`);
    assert.deepEqual(namespacePidsSync(lab.hosts.arbiter.netns), []);
    faultAt = monotonicClock.now();
    await lab.startArbiter();
    await lab.waitQuorate();
    console.log(`      device vote back ${since()} after startArbiter`);
  });

  it('powerOff(arbiter) drops the device vote; powerOn(arbiter) starts qnetd again', async () => {
    await lab.powerOff('arbiter');
    await lab.waitForQuorum('node2', (s) => s.quorate && s.totalVotes === 2);
    await lab.powerOn('arbiter');
    await lab.waitQuorate();
    assert.equal((await lab.status()).hosts.find((h) => h.name === 'arbiter')?.daemons[0]?.alive, true);
  });
});
