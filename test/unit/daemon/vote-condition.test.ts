import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { integratedVoteCondition, type RingSource, type VoteSource } from '../../../src/daemon/vote-condition';
import type { QdeviceVoteState } from '../../../src/qdevice/client';
import type { RingId } from '../../../src/qdevice/protocol/tlv';
import type { MembershipSnapshot, MembershipSource } from '../../../src/quorum/types';
import type { CpgRing } from '../../../src/store/transport';

const ring1: RingId = { nodeId: 1, seq: 4n };
const ring2: RingId = { nodeId: 1, seq: 8n };

/** The client seam: a vote state the test sets, announced like QuorumDevice announces it. */
class FakeDevice extends EventEmitter implements VoteSource {
  state: QdeviceVoteState = { connected: true, vote: 'ack', lastAckAt: 0, ringId: ring1, ackedRingId: ring1 };
  countsUntil = Infinity;
  ackCountsUntil(): number {
    return this.countsUntil;
  }
  set(vote: QdeviceVoteState['vote'], ackedRingId: RingId | null = this.state.ackedRingId): void {
    this.state = { ...this.state, vote, ackedRingId };
    this.emit('state', this.state);
  }
}

/** The CPG seam: the ring the store's messages are delivered in, changed by the test. */
class FakeRing implements RingSource {
  private listeners = new Set<() => void>();
  constructor(private ring: CpgRing | null = { ringId: ring1, members: [1] }) {}
  currentRing(): CpgRing | null {
    return this.ring;
  }
  onRingChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
  announce(ring: CpgRing): void {
    this.ring = ring;
    for (const listener of this.listeners) listener();
  }
}

function membershipWith(members: number): MembershipSource {
  const snapshot: MembershipSnapshot = {
    localNodeId: 1, quorate: true, ringId: '1.1', expectedVotes: 3, totalVotes: members + 1, quorum: 2,
    qdevice: { name: 'Qdevice', voting: true, votes: 1 },
    nodes: [1, 2].map((id) => ({ nodeId: id, name: `node${id}`, votes: 1, member: id <= members })),
  };
  return { current: () => snapshot, onChange: () => () => undefined, close: () => undefined };
}

describe('integrated quorum device vote as a fencing condition', () => {
  let now = 0;
  const clock = () => now;

  it('holds with the ACK, and pauses the feeding while an answer is awaited within the grace', () => {
    const device = new FakeDevice();
    const condition = integratedVoteCondition(device, membershipWith(1), new FakeRing(), 1500, clock);
    assert.equal(condition.check(), null);
    assert.equal(condition.pause?.(), null);
    device.set('waiting');
    now += 1000;
    assert.equal(condition.check(), null);
    assert.match(condition.pause?.() ?? '', /vote for ring 1\.4 is waiting for 1000 ms/);
    device.set('ack');
    now += 5000;
    assert.equal(condition.check(), null);
    assert.equal(condition.pause?.(), null);
  });

  it('fails once the answer is awaited longer than the grace, or on a NACK', () => {
    now = 0;
    const device = new FakeDevice();
    const condition = integratedVoteCondition(device, membershipWith(1), new FakeRing(), 1500, clock);
    device.set('waiting');
    now += 1600;
    assert.match(condition.check() ?? '', /vote for ring 1\.4 is waiting for 1600 ms.*1 of 2 votes/);
    assert.equal(condition.pause?.(), null, 'past the grace it is a loss, not a pause');
    const other = new FakeDevice();
    const nacked = integratedVoteCondition(other, membershipWith(1), new FakeRing(), 1500, clock);
    other.set('nack');
    assert.match(nacked.check() ?? '', /vote for ring 1\.4 is nack/);
  });

  it('does not need the vote while the partition\'s nodes alone reach quorum', () => {
    const device = new FakeDevice();
    const condition = integratedVoteCondition(device, membershipWith(2), new FakeRing({ ringId: ring1, members: [1, 2] }), 1500, clock);
    device.set('nack');
    now += 10_000;
    assert.equal(condition.check(), null);
  });

  it('counts an ACK only for the ring CPG delivers in, from the moment CPG announces a new ring', () => {
    now = 0;
    const device = new FakeDevice();
    const ring = new FakeRing({ ringId: ring1, members: [1, 2] });
    const condition = integratedVoteCondition(device, membershipWith(2), ring, 1500, clock);
    assert.equal(condition.pause?.(), null);
    // The cut: CPG's new ring comes before votequorum's news and before the client asks the arbiter.
    ring.announce({ ringId: ring2, members: [1] });
    now += 200;
    assert.equal(device.state.vote, 'ack', 'the client still holds the ACK for the old ring');
    assert.match(condition.pause?.() ?? '', /vote for ring 1\.8 is waiting \(the ACK held is for ring 1\.4\) for 200 ms and the ring's nodes have 1 of 2 votes/);
    now += 1400;
    assert.match(condition.check() ?? '', /waiting .*for 1600 ms/, 'never acknowledged for the new ring: lost after the grace');
  });

  it('resumes with an ACK given for the new ring', () => {
    now = 0;
    const device = new FakeDevice();
    const ring = new FakeRing({ ringId: ring1, members: [1] });
    const condition = integratedVoteCondition(device, membershipWith(1), ring, 1500, clock);
    ring.announce({ ringId: ring2, members: [1] });
    device.set('waiting');
    now += 900;
    assert.notEqual(condition.pause?.(), null);
    device.set('ack', ring2);
    assert.equal(condition.pause?.(), null);
    assert.equal(condition.check(), null);
  });

  it('stops counting an ACK the arbiter has not confirmed within its dead-peer limit, and resumes with an answer', () => {
    now = 0;
    const device = new FakeDevice();
    const condition = integratedVoteCondition(device, membershipWith(1), new FakeRing(), 1500, clock);
    device.countsUntil = 1700;
    now = 1699;
    assert.equal(condition.pause?.(), null);
    now = 1700;
    assert.match(condition.pause?.() ?? '', /is waiting \(the ACK is unconfirmed: no answer from the arbiter within its dead-peer limit\) for 0 ms/);
    device.countsUntil = 3600;
    now = 2000;
    assert.equal(condition.pause?.(), null);
    assert.equal(condition.check(), null);
    now = 3600 + 1500;
    assert.notEqual(condition.check(), null, 'no answer within the grace: lost for good');
  });

  it('needs the vote while CPG has announced no ring yet', () => {
    const device = new FakeDevice();
    const condition = integratedVoteCondition(device, membershipWith(2), new FakeRing(null), 1500, clock);
    assert.match(condition.pause?.() ?? '', /ring \(none announced yet\) is waiting/);
  });

  it('tells its listener when the grace runs out without an answer', async () => {
    const device = new FakeDevice();
    const condition = integratedVoteCondition(device, membershipWith(1), new FakeRing(), 30, () => performance.now());
    let calls = 0;
    const unsubscribe = condition.onChange(() => {
      calls += 1;
    });
    device.set('waiting');
    assert.equal(calls, 1);
    await new Promise((r) => setTimeout(r, 80));
    assert.equal(calls, 2, 'judged again when the grace ran out');
    assert.notEqual(condition.check(), null);
    unsubscribe();
  });
});
