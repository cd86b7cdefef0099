import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { integratedVoteCondition, type VoteSource } from '../../../src/daemon/vote-condition';
import type { QdeviceVoteState } from '../../../src/qdevice/client';
import type { MembershipSnapshot, MembershipSource } from '../../../src/quorum/types';

/** The client seam: a vote state the test sets, announced like QuorumDevice announces it. */
class FakeDevice extends EventEmitter implements VoteSource {
  state: QdeviceVoteState = { connected: true, vote: 'ack', lastAckAt: 0, ringId: null };
  set(vote: QdeviceVoteState['vote']): void {
    this.state = { ...this.state, vote };
    this.emit('state', this.state);
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
    const condition = integratedVoteCondition(device, membershipWith(1), 1500, clock);
    assert.equal(condition.check(), null);
    assert.equal(condition.pause?.(), null);
    device.set('waiting');
    now += 1000;
    assert.equal(condition.check(), null);
    assert.match(condition.pause?.() ?? '', /vote is waiting for 1000 ms/);
    device.set('ack');
    now += 5000;
    assert.equal(condition.check(), null);
    assert.equal(condition.pause?.(), null);
  });

  it('fails once the answer is awaited longer than the grace, or on a NACK', () => {
    now = 0;
    const device = new FakeDevice();
    const condition = integratedVoteCondition(device, membershipWith(1), 1500, clock);
    device.set('waiting');
    now += 1600;
    assert.match(condition.check() ?? '', /vote is waiting for 1600 ms.*1 of 2 votes/);
    assert.equal(condition.pause?.(), null, 'past the grace it is a loss, not a pause');
    const other = new FakeDevice();
    const nacked = integratedVoteCondition(other, membershipWith(1), 1500, clock);
    other.set('nack');
    assert.match(nacked.check() ?? '', /vote is nack/);
  });

  it('does not need the vote while the partition\'s nodes alone reach quorum', () => {
    const device = new FakeDevice();
    const condition = integratedVoteCondition(device, membershipWith(2), 1500, clock);
    device.set('nack');
    now += 10_000;
    assert.equal(condition.check(), null);
  });

  it('tells its listener when the grace runs out without an answer', async () => {
    const device = new FakeDevice();
    const condition = integratedVoteCondition(device, membershipWith(1), 30, () => performance.now());
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
