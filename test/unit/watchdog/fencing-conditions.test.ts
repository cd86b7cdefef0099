import assert from 'node:assert/strict';
import type { MembershipSnapshot, MembershipSource } from '../../../src/quorum/types';
import { arbiterVoteCondition, guardLease, quorumCondition } from '../../../src/watchdog/fencing-conditions';
import { captureLog } from './fake-device';

/** A MembershipSource at the seam whose snapshot a test changes. */
function membership(initial: Partial<MembershipSnapshot> = {}) {
  let snapshot: MembershipSnapshot = {
    localNodeId: 1, quorate: true, ringId: '1.4', expectedVotes: 3, totalVotes: 3, quorum: 2, nodes: [],
    qdevice: { name: 'arbiter', voting: true, votes: 1 }, ...initial,
  };
  const listeners = new Set<(s: MembershipSnapshot) => void>();
  const source: MembershipSource = {
    current: () => snapshot,
    onChange: (l) => { listeners.add(l); return () => listeners.delete(l); },
    close: () => listeners.clear(),
  };
  return {
    source,
    listeners,
    change(patch: Partial<MembershipSnapshot>) {
      snapshot = { ...snapshot, ...patch };
      for (const l of listeners) l(snapshot);
    },
  };
}

function fakeLease() {
  const calls: string[] = [];
  return {
    calls,
    checkIn: async () => { calls.push('checkin'); return { fed: true, tripped: null }; },
    reportLoss: async (reason: string) => { calls.push(`loss ${reason}`); },
    close: async () => { calls.push('close'); },
    handOver: async () => { calls.push('handover'); },
  };
}

describe('watchdog fencing conditions', () => {
  it('checks in while quorate and reports the loss the moment quorum goes', async () => {
    const m = membership();
    const lease = fakeLease();
    const guarded = guardLease(lease, [quorumCondition(m.source)], captureLog());
    assert.deepEqual(await guarded.checkIn(), { fed: true, tripped: null });
    m.change({ quorate: false, totalVotes: 1 });
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(lease.calls, ['checkin', 'loss quorum lost: partition not quorate (1 of 2 votes needed)']);
    const after = await guarded.checkIn();
    assert.equal(after.fed, false);
    m.change({ quorate: true, totalVotes: 3 });
    assert.equal((await guarded.checkIn()).fed, false, 'regaining quorum does not resume feeding');
    assert.equal(lease.calls.filter((c) => c === 'checkin').length, 1);
  });

  it('reports a lost arbiter vote, and ignores the arbiter when none is configured', async () => {
    const m = membership();
    const lease = fakeLease();
    guardLease(lease, [arbiterVoteCondition(m.source)], captureLog());
    m.change({ qdevice: { name: 'arbiter', voting: false, votes: 1 } });
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(lease.calls, ['loss arbiter-vote lost: arbiter arbiter no longer votes for this partition']);
    const none = membership({ qdevice: null });
    assert.equal(arbiterVoteCondition(none.source).check(), null);
  });

  it('skips check-ins while a condition pauses, without reporting a loss, and resumes after it', async () => {
    const lease = fakeLease();
    let paused: string | null = 'waiting for the arbiter';
    const condition = { name: 'vote', check: () => null, pause: () => paused, onChange: () => () => undefined };
    const guarded = guardLease(lease, [condition], captureLog());
    assert.deepEqual(await guarded.checkIn(), { fed: false, tripped: null, paused: 'waiting for the arbiter' });
    paused = null;
    assert.deepEqual(await guarded.checkIn(), { fed: true, tripped: null });
    assert.deepEqual(lease.calls, ['checkin']);
  });

  it('unsubscribes on a clean close', async () => {
    const m = membership();
    const lease = fakeLease();
    const guarded = guardLease(lease, [quorumCondition(m.source), arbiterVoteCondition(m.source)], captureLog());
    assert.equal(m.listeners.size, 2);
    await guarded.close();
    assert.equal(m.listeners.size, 0);
    assert.deepEqual(lease.calls, ['close']);
  });

  it('unsubscribes on a handover: a quorum loss afterwards is not reported by the stopped client', async () => {
    const m = membership();
    const lease = fakeLease();
    const guarded = guardLease(lease, [quorumCondition(m.source)], captureLog());
    await guarded.handOver();
    m.change({ quorate: false, totalVotes: 1 });
    await new Promise((r) => setImmediate(r));
    assert.equal(m.listeners.size, 0);
    assert.deepEqual(lease.calls, ['handover']);
  });
});
