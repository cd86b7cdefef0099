import assert from 'node:assert/strict';
import { pickWinner, type Candidate } from '../../../src/store/heal-rule';

const c = (nodeId: number, over: Partial<Candidate>): Candidate =>
  ({ nodeId, epoch: 1, epochMembers: [nodeId], version: 1, digest: `d${nodeId}`, demoted: false, current: true, ...over });

describe('store heal rule', () => {
  it('prefers the higher epoch over a higher version', () => {
    assert.equal(pickWinner([c(1, { epoch: 2, version: 1 }), c(2, { epoch: 1, version: 99 })]).nodeId, 1);
  });
  it('at equal epochs of two partitions, a demoted state (lost quorum since) loses even with more writes', () => {
    assert.equal(pickWinner([c(1, { demoted: true, version: 50 }), c(2, { version: 3 })]).nodeId, 2);
  });
  it('in one partition-epoch the most advanced copy wins, demoted or not: a copy a write behind never rolls it back', () => {
    const epochMembers = [1, 2];
    assert.equal(pickWinner([c(1, { epochMembers, demoted: true, version: 8 }), c(2, { epochMembers, version: 7 })]).nodeId, 1);
    // ... and stands for its epoch against another partition's copy.
    assert.equal(pickWinner([c(2, { epochMembers, version: 7 }), c(1, { epochMembers, demoted: true, version: 8 }), c(3, { epochMembers: [3], demoted: true, version: 20 })]).nodeId, 1);
  });
  it('a demoted state with a newer epoch still wins: its partition wrote last', () => {
    assert.equal(pickWinner([c(1, { demoted: true, epoch: 3 }), c(2, { epoch: 2 })]).nodeId, 1);
  });
  it('then the larger partition, then the higher version, then the lower node id', () => {
    assert.equal(pickWinner([c(1, { epochMembers: [1], version: 9 }), c(2, { epochMembers: [2, 3] })]).nodeId, 2);
    assert.equal(pickWinner([c(1, { version: 2 }), c(2, { version: 3 })]).nodeId, 2);
    assert.equal(pickWinner([c(3, {}), c(2, {})]).nodeId, 2);
  });
});
