import assert from 'node:assert/strict';
import { singleFailures } from '../../../src/diag/quorum-failures';
import type { QuorumConfig } from '../../../src/diag/quorum-device';
import type { MembershipSnapshot } from '../../../src/quorum/types';

function snapshot(names: string[], quorum: number, expected: number): MembershipSnapshot {
  return {
    localNodeId: 1, quorate: true, ringId: '1.4', expectedVotes: expected, totalVotes: expected, quorum,
    nodes: names.map((name, i) => ({ nodeId: i + 1, name, votes: 1, member: true })),
    qdevice: null,
  };
}

const device = (algorithm: string, votes: number, tieBreaker = 'lowest'): QuorumConfig => ({
  twoNode: false, waitForAll: false,
  device: { model: 'net', host: '10.0.0.3', algorithm, tieBreaker, votes, timeoutMs: 3000 },
});

function byName(failures: ReturnType<typeof singleFailures>) {
  return Object.fromEntries(failures.map((f) => [f.failure, f]));
}

describe('diag quorum: single failures', () => {
  it('2 nodes + ffsplit arbiter: every single failure keeps a quorate side; a cut link leaves the tie to the lowest id', () => {
    const f = byName(singleFailures(snapshot(['node1', 'node2'], 2, 3), device('ffsplit', 1)));
    assert.deepEqual(Object.keys(f), ['node node1', 'node node2', 'arbiter', 'link node1-node2', 'link node1-arbiter', 'link node2-arbiter']);
    for (const outcome of Object.values(f)) assert.equal(outcome.survives, true, outcome.verdict);
    assert.deepEqual(f['node node1']?.outcomes, [[{ nodes: ['node2'], nodeVotes: 1, deviceVotes: 1, votes: 2, quorate: true }]]);
    const split = f['link node1-node2']?.outcomes[0] ?? [];
    assert.deepEqual(split.map((p) => [p.nodes[0], p.quorate]), [['node1', true], ['node2', false]]);
    assert.match(f['link node1-node2']?.verdict ?? '', /node1 keeps quorum \(1 node \+ 1 arbiter = 2 of 2 needed\); node2 loses/);
  });

  it('tie_breaker highest gives a split to node2', () => {
    const f = byName(singleFailures(snapshot(['node1', 'node2'], 2, 3), device('ffsplit', 1, 'highest')));
    assert.deepEqual(f['link node1-node2']?.outcomes[0]?.map((p) => p.quorate), [false, true]);
  });

  it('2 nodes without an arbiter: losing either node or the link loses quorum', () => {
    const noDevice: QuorumConfig = { twoNode: false, waitForAll: false, device: null };
    const f = singleFailures(snapshot(['node1', 'node2'], 2, 2), noDevice);
    assert.deepEqual(f.map((x) => [x.failure, x.survives]), [['node node1', false], ['node node2', false], ['link node1-node2', false]]);
    assert.match(f[0]?.verdict ?? '', /stops its HA services/);
  });

  it('3 nodes without an arbiter: each single failure keeps two nodes quorate, a cut link either way', () => {
    const f = byName(singleFailures(snapshot(['node1', 'node2', 'node3'], 2, 3), { twoNode: false, waitForAll: false, device: null }));
    assert.equal(Object.keys(f).length, 6);
    for (const outcome of Object.values(f)) assert.equal(outcome.survives, true, outcome.verdict);
    assert.deepEqual(f['link node1-node3']?.outcomes.map((o) => o.map((p) => p.nodes.join('+'))), [['node1', 'node2+node3'], ['node3', 'node1+node2']]);
  });

  it('3 nodes + lms arbiter (2 votes): a node alone with the arbiter stays quorate', () => {
    const f = byName(singleFailures(snapshot(['node1', 'node2', 'node3'], 3, 5), device('lms', 2)));
    assert.equal(f['arbiter']?.survives, true);
    const split = f['link node1-node2']?.outcomes[0] ?? [];
    assert.deepEqual(split.map((p) => [p.nodes.join('+'), p.votes, p.quorate]), [['node1', 1, false], ['node2+node3', 4, true]]);
  });

  it('an absent node is treated as already gone', () => {
    const s = snapshot(['node1', 'node2'], 2, 3);
    s.nodes[1] = { nodeId: 2, name: 'node2', votes: 1, member: false };
    const f = byName(singleFailures(s, device('ffsplit', 1)));
    assert.equal(f['arbiter']?.survives, false, 'node1 alone without the arbiter has 1 of 2 votes');
    assert.equal(f['node node1']?.survives, false);
  });
});
