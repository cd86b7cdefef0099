import assert from 'node:assert/strict';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { NamespaceLab } from '../../../src/lab/namespace-lab';
import type { NodeHost } from '../../../src/lab/names';
import type { CmapChange, CmapEntry } from '../../../src/native/cmap';
import type { QuorumNotification } from '../../../src/native/quorum';
import type { VotequorumInfo } from '../../../src/native/votequorum';
import type { MembershipSnapshot } from '../../../src/quorum/types';
import { monotonicClock } from '../../../src/util/clock';
import { skipWithoutLab } from '../../support/lab';
import { stopProgram } from './host-programs';
import { Probe } from './probe-client';

const cli = join(__dirname, '../../../src/cli/main.js');
const nodes: NodeHost[] = ['node1', 'node2'];

/**
 * libquorum, libvotequorum, libcmap and the membership source through the addon, inside lab
 * nodes on real corosync (fast profile). One lab for all; the quorum device test stops
 * corosync-qdevice and so runs last.
 */
describe('native quorum, votequorum, cmap and status (real corosync)', function () {
  let lab: NamespaceLab;
  const probes = new Map<NodeHost, Probe>();
  const probe = (host: NodeHost) => probes.get(host)!;

  before(async function () {
    skipWithoutLab(this);
    lab = await NamespaceLab.up({ profile: 'fast' });
    console.log(`      lab bring-up: ${lab.upDurationMs} ms`);
    for (const host of nodes) {
      const p = await Probe.start(lab, host);
      probes.set(host, p);
      await p.call('quorum.open');
      await p.call('votequorum.open');
      await p.call('cmap.open');
    }
  });

  after(async () => {
    await Promise.all([...probes.values()].map((p) => p.stop()));
    await lab?.down();
  });

  it('per-node votes, expected votes and quorum match corosync-quorumtool', async () => {
    for (const host of nodes) {
      const tool = await lab.quorumStatus(host);
      assert.equal(tool.members.length, 2);
      for (const member of tool.members) {
        const info = await probe(host).call<VotequorumInfo>('votequorum.getInfo', { nodeId: member.nodeId });
        assert.equal(info.votes, member.votes, `${host}: votes of node ${member.nodeId}`);
      }
      const own = await probe(host).call<VotequorumInfo>('votequorum.getInfo', { nodeId: 0 });
      assert.equal(own.nodeId, tool.nodeId);
      assert.equal(own.expectedVotes, tool.expectedVotes);
      assert.equal(own.totalVotes, tool.totalVotes);
      assert.equal(own.quorum, tool.quorum);
      assert.equal(own.qdeviceVotes, tool.qdeviceVotes);
      assert.equal(own.flagSet.quorate, tool.quorate);
      assert.ok(own.flagSet.qdeviceCastVote, `${host}: the device votes`);
    }
  });

  it('quorate status --json inside node1 shows 2 nodes, quorate, the quorum device voting', async () => {
    const result = await lab.exec('node1', [process.execPath, cli, 'status', '--json']);
    assert.equal(result.code, 0, result.stderr);
    const status = JSON.parse(result.stdout) as MembershipSnapshot & { ha: unknown };
    assert.equal(status.ha, null, 'no HA daemon runs in this lab');
    assert.equal(status.localNodeId, 1);
    assert.equal(status.quorate, true);
    assert.deepEqual(status.nodes.map((n) => [n.nodeId, n.name, n.votes, n.member]), [[1, 'node1', 1, true], [2, 'node2', 1, true]]);
    assert.deepEqual(status.qdevice, { name: 'Qdevice', voting: true, votes: 1 });
    assert.equal(status.totalVotes, 3);
    assert.equal(status.expectedVotes, 3);
    const tool = await lab.quorumStatus('node1');
    assert.equal(status.ringId, tool.ringId);
    const text = await lab.exec('node1', [process.execPath, cli, 'status']);
    assert.match(text.stdout, /quorate:\s+yes/);
    assert.match(text.stdout, /HA daemon not running/);
  });

  it('quorate status where no corosync runs (the arbiter host) says so and exits 3', async () => {
    const result = await lab.exec('arbiter', [process.execPath, cli, 'status']);
    assert.equal(result.code, 3);
    assert.equal(result.stderr.trim(),
      'quorate: corosync is not running in this network namespace (CS_ERR_LIBRARY from cmap_initialize_map)');
  });

  it('cmap reads totem.token and the nodelist', async () => {
    const token = await probe('node1').call<CmapEntry>('cmap.get', { key: 'totem.token' });
    assert.deepEqual(token, { key: 'totem.token', type: 'uint32', value: 1000 });
    const list = await probe('node1').call<CmapEntry[]>('cmap.iterate', { prefix: 'nodelist.node.' });
    const names = list.filter((e) => e.key.endsWith('.name')).map((e) => e.value);
    assert.deepEqual(names, ['node1', 'node2']);
    const missing = probe('node1').call('cmap.get', { key: 'no.such.key' });
    await assert.rejects(missing, { name: 'CorosyncError', code: 'CS_ERR_NOT_EXIST' });
  });

  it('a tracked cmap key fires on change (corosync-cmapctl -s)', async () => {
    const key = 'quorate.test.tracked';
    await probe('node1').call('cmap.track', { key });
    const set = async (value: number) => {
      const r = await lab.exec('node1', ['corosync-cmapctl', '-s', key, 'u32', String(value)]);
      assert.equal(r.code, 0, r.stderr);
    };
    await set(7);
    const added = await probe('node1').waitFor<CmapChange>('cmap.change', (c) => c.key === key && c.kind === 'add', 5000);
    assert.equal(added.newValue?.value, 7);
    await set(8);
    const modified = await probe('node1').waitFor<CmapChange>('cmap.change', (c) => c.key === key && c.kind === 'modify', 5000);
    assert.equal(modified.newValue?.value, 8);
    assert.equal(modified.oldValue?.value, 7);
  });

  it('quorate flips on isolation: node2 (ffsplit loser) loses quorum, node1 keeps it, both regain it', async () => {
    const before = probe('node2').seen<QuorumNotification>('quorum.quorum').length;
    const at = monotonicClock.now();
    await lab.isolateNodes();
    try {
      const lost = await probe('node2').waitFor<QuorumNotification>('quorum.quorum', (q) => !q.quorate, 30_000, before);
      console.log(`      node2 quorum notify quorate=0 after ${monotonicClock.now() - at} ms`);
      assert.deepEqual(lost.members, [2]);
      const node1 = probe('node1').seen<QuorumNotification>('quorum.quorum');
      assert.ok(node1.every((q) => q.quorate), 'node1 (lowest id) never lost quorum');
    } finally {
      await lab.healIsolation();
    }
    const healedAt = monotonicClock.now();
    const afterLoss = probe('node2').seen<QuorumNotification>('quorum.quorum').findIndex((q) => !q.quorate);
    await probe('node2').waitFor<QuorumNotification>('quorum.quorum', (q) => q.quorate && q.members.length === 2, 30_000, afterLoss);
    console.log(`      node2 quorate with 2 members again ${monotonicClock.now() - healedAt} ms after healing`);
    await lab.waitQuorate({ timeoutMs: 30_000 });
  });

  it('a quorum device registered and polled through the addon adds its vote; master_wins, rename, unregister (corosync-qdevice stopped)', async () => {
    for (const host of nodes) stopProgram(lab, host, 'corosync-qdevice');
    const node1 = probe('node1');
    const own = () => node1.call<VotequorumInfo>('votequorum.getInfo', { nodeId: 0 });
    await waitUntil(async () => !(await own()).flagSet.qdeviceRegistered, 10_000, 'corosync-qdevice unregistered');
    const without = await own();
    assert.equal(without.totalVotes, 2);

    await node1.call('votequorum.register', { name: 'Qdevice' });
    await node1.call('votequorum.poll', { name: 'Qdevice', castVote: true });
    await waitUntil(async () => (await own()).totalVotes === 3, 10_000, 'the device vote counted');
    const voting = await own();
    assert.ok(voting.flagSet.qdeviceAlive && voting.flagSet.qdeviceCastVote);
    const tool = await lab.quorumStatus('node1');
    assert.equal(tool.totalVotes, 3);
    assert.equal(tool.qdeviceVotes, 1);

    await node1.call('votequorum.masterWins', { name: 'Qdevice', allow: true });
    await waitUntil(async () => (await own()).flagSet.qdeviceMasterWins, 10_000, 'master_wins set');
    await node1.call('votequorum.update', { oldName: 'Qdevice', newName: 'Arbiter' });
    // The rename travels through totem like every votequorum change: on a busy machine getinfo
    // may answer once more with the old name.
    await waitUntil(async () => (await own()).qdeviceName === 'Arbiter', 10_000, 'the device renamed');
    await assert.rejects(node1.call('votequorum.poll', { name: 'Qdevice', castVote: true }), { name: 'CorosyncError' });

    await node1.call('votequorum.poll', { name: 'Arbiter', castVote: false });
    await waitUntil(async () => (await own()).totalVotes === 2, 10_000, 'the vote withdrawn');
    await node1.call('votequorum.unregister', { name: 'Arbiter' });
    await waitUntil(async () => !(await own()).flagSet.qdeviceRegistered, 10_000, 'the device unregistered');
  });
});

async function waitUntil(check: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = monotonicClock.now() + timeoutMs;
  while (!(await check())) {
    if (monotonicClock.now() > deadline) throw new Error(`not reached within ${timeoutMs} ms: ${what}`);
    await sleep(100);
  }
}
