import assert from 'node:assert/strict';
import sinon from 'sinon';
import type { RawCmapEntry, RawCmapEvent, RawCmapHandle, RawVotequorumEvent, RawVotequorumHandle, RawVotequorumInfo } from '../../../src/native/addon';
import { Cmap } from '../../../src/native/cmap';
import { Votequorum } from '../../../src/native/votequorum';
import { renderMembership } from '../../../src/cli/status';
import { CorosyncMembership } from '../../../src/quorum/corosync-membership';
import type { MembershipSnapshot } from '../../../src/quorum/types';

const quorate = 2;
const deviceRegistered = 64;
const deviceAlive = 128;
const deviceVotes = 256;

/** votequorum and cmap as the raw addon would answer them, for a cluster the test edits. */
function fakeCorosync() {
  const cluster = {
    local: 1,
    flags: quorate | deviceRegistered | deviceAlive | deviceVotes,
    members: new Set([1, 2]),
    totalVotes: 3,
    cmap: new Map<string, RawCmapEntry['value']>([
      ['nodelist.node.0.nodeid', 1], ['nodelist.node.0.name', 'node1'], ['nodelist.node.0.ring0_addr', '10.0.0.1'],
      ['nodelist.node.1.nodeid', 2], ['nodelist.node.1.ring0_addr', '10.0.0.2'],
      ['nodelist.node.2.nodeid', 3], ['nodelist.node.2.name', 'node3'], ['nodelist.node.2.quorum_votes', 2],
      ['quorum.device.model', 'net'],
    ]),
  };
  let vqEvent: (e: RawVotequorumEvent) => void = () => undefined;
  let cmapEvent: (e: RawCmapEvent) => void = () => undefined;
  const closed: string[] = [];
  const info = (nodeId: number): RawVotequorumInfo => {
    const id = nodeId === 0 ? cluster.local : nodeId;
    if (id === 3) throw Object.assign(new Error('votequorum_getinfo failed'), { code: 'CS_ERR_NOT_EXIST' });
    return {
      nodeId: id, state: cluster.members.has(id) ? 1 : 2, votes: 1, expectedVotes: 4, highestExpected: 4,
      totalVotes: cluster.totalVotes, quorum: 3, flags: cluster.flags, qdeviceVotes: 1, qdeviceName: 'Qdevice',
    };
  };
  const entry = (key: string): RawCmapEntry => {
    const value = cluster.cmap.get(key);
    if (value === undefined) throw Object.assign(new Error('cmap_get failed'), { code: 'CS_ERR_NOT_EXIST' });
    return { key, type: typeof value === 'string' ? 11 : 6, value };
  };
  const votequorum = new Votequorum((onEvent) => {
    vqEvent = onEvent;
    return { getInfo: info, trackStart: () => undefined, close: () => closed.push('votequorum') } as unknown as RawVotequorumHandle;
  });
  const cmap = new Cmap((onEvent) => {
    cmapEvent = onEvent;
    return {
      get: entry,
      iterate: (prefix: string) => [...cluster.cmap.keys()].filter((k) => k.startsWith(prefix)).sort().map(entry),
      trackAdd: () => 1,
      close: () => closed.push('cmap'),
    } as unknown as RawCmapHandle;
  });
  return { cluster, votequorum, cmap, closed, vq: (e: RawVotequorumEvent) => vqEvent(e), cmapChange: (e: RawCmapEvent) => cmapEvent(e) };
}

describe('CorosyncMembership (votequorum and cmap at the raw-handle seam)', () => {
  it('combines the cmap nodelist with votequorum per node, and the device state', () => {
    const fake = fakeCorosync();
    const membership = new CorosyncMembership(fake.votequorum, fake.cmap);
    fake.vq({ type: 'nodelist', ringId: { nodeId: 1, seq: 0x2an }, members: [1, 2] });
    const s = membership.current();
    assert.equal(s.localNodeId, 1);
    assert.equal(s.quorate, true);
    assert.equal(s.ringId, '1.2a');
    assert.deepEqual([s.expectedVotes, s.totalVotes, s.quorum], [4, 3, 3]);
    assert.deepEqual(s.nodes, [
      { nodeId: 1, name: 'node1', votes: 1, member: true },
      { nodeId: 2, name: '10.0.0.2', votes: 1, member: true },
      // never seen by votequorum: its configured votes, not a member
      { nodeId: 3, name: 'node3', votes: 2, member: false },
    ]);
    assert.deepEqual(s.qdevice, { name: 'Qdevice', voting: true, votes: 1 });
  });

  it('tells listeners about every change, and that quorum is gone when corosync goes away', () => {
    const fake = fakeCorosync();
    const membership = new CorosyncMembership(fake.votequorum, fake.cmap);
    const seen: MembershipSnapshot[] = [];
    membership.onChange((s) => seen.push(s));
    fake.cluster.members.delete(2);
    fake.cluster.flags = deviceRegistered | deviceAlive;
    fake.cluster.totalVotes = 1;
    fake.vq({ type: 'quorum', quorate: false, nodes: [{ nodeId: 1, state: 1 }] });
    assert.equal(seen.at(-1)?.quorate, false);
    assert.equal(seen.at(-1)?.nodes[1]?.member, false);
    assert.equal(seen.at(-1)?.qdevice?.voting, false);

    fake.cluster.cmap.set('nodelist.node.1.name', 'node2');
    fake.cmapChange({ type: 'track', trackId: 1, event: 4, key: 'nodelist.node.1.name', newValue: null, oldValue: null });
    assert.equal(seen.at(-1)?.nodes[1]?.name, 'node2');

    fake.cluster.flags = quorate;
    fake.vq({ type: 'quorum', quorate: true, nodes: [] });
    assert.equal(seen.at(-1)?.quorate, true);
    fake.vq({ type: 'error', error: new Error('lost the connection to corosync') });
    assert.equal(seen.at(-1)?.quorate, false, 'a broken connection never leaves quorate=true behind');
    assert.ok(seen.at(-1)?.nodes.every((n) => !n.member));
    assert.equal(membership.connectionError?.message, 'lost the connection to corosync');
    assert.equal(membership.current().quorate, false);
    membership.close();
    assert.deepEqual(fake.closed, ['votequorum', 'cmap']);
    assert.throws(() => membership.current(), /closed/);
  });

  it('re-reads on its poll and publishes a vote change that came with no notification, once', () => {
    const clock = sinon.useFakeTimers();
    try {
      const fake = fakeCorosync();
      fake.cluster.flags = quorate | deviceRegistered | deviceAlive;
      fake.cluster.totalVotes = 2;
      const membership = new CorosyncMembership(fake.votequorum, fake.cmap, 500);
      const seen: MembershipSnapshot[] = [];
      membership.onChange((s) => seen.push(s));
      assert.equal(membership.current().totalVotes, 2);
      // A device poll cast the vote: corosync raises the totals but sends no event.
      fake.cluster.flags = quorate | deviceRegistered | deviceAlive | deviceVotes;
      fake.cluster.totalVotes = 3;
      clock.tick(500);
      assert.equal(seen.length, 1);
      assert.equal(seen[0]?.totalVotes, 3);
      assert.equal(seen[0]?.qdevice?.voting, true);
      clock.tick(1500);
      assert.equal(seen.length, 1, 'an unchanged snapshot is not published again');
      membership.close();
      assert.equal(clock.countTimers(), 0, 'close stops the poll');
    } finally {
      clock.restore();
    }
  });

  it('has no quorum device when corosync.conf configures none', () => {
    const fake = fakeCorosync();
    fake.cluster.cmap.delete('quorum.device.model');
    const membership = new CorosyncMembership(fake.votequorum, fake.cmap);
    assert.equal(membership.current().qdevice, null);
  });

  it('renders the status text with the local node marked and the device row', () => {
    const fake = fakeCorosync();
    const membership = new CorosyncMembership(fake.votequorum, fake.cmap);
    fake.vq({ type: 'nodelist', ringId: { nodeId: 1, seq: 5n }, members: [1, 2] });
    const text = renderMembership(membership.current());
    assert.match(text, /^quorate:\s+yes$/m);
    assert.match(text, /^ring id:\s+1\.5$/m);
    assert.match(text, /^votes:\s+3 of 4 expected, quorum 3$/m);
    assert.match(text, /^1\s+node1 \(local\)\s+1\s+member$/m);
    assert.match(text, /^0\s+Qdevice\s+1\s+voting$/m);
  });
});
