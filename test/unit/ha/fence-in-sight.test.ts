import assert from 'node:assert/strict';
import { fenceProvenInSight, trackFenceSightings, type FenceSighting } from '../../../src/ha/fence-in-sight';
import { simulatorTimingDefaults } from '../../../src/ha/timings';
import type { NodeState } from '../../../src/ha/types';

const t = simulatorTimingDefaults; // Q_stale 6 s, W 5 s, clock margin 1 s

describe('fencing a node back in sight (fence-in-sight)', () => {
  const round = (sightings: Record<string, FenceSighting>, now: number, state: NodeState, inSight: boolean): boolean => {
    trackFenceSightings(sightings, { now, storedStates: { node3: state }, inSight: () => inSight, timings: t });
    return fenceProvenInSight(sightings, 'node3', now, t);
  };

  it('proves the fence only Q_stale after it was stored, seen in sight, and W + clock margin later', () => {
    const s: Record<string, FenceSighting> = {};
    assert.equal(round(s, 20_000, 'fence', true), false);
    assert.equal(round(s, 25_000, 'fence', true), false); // in sight, but the fence may not have reached it yet
    assert.equal(round(s, 26_000, 'fence', true), false); // seen now: it has the fence at the latest now
    assert.equal(s.node3?.seenAt, 26_000);
    assert.equal(round(s, 31_000, 'fence', false), false);
    assert.equal(round(s, 32_000, 'fence', false), true); // out of sight again does not undo what was seen
  });

  it('does not count rounds in which the node is out of sight', () => {
    const s: Record<string, FenceSighting> = {};
    for (let now = 20_000; now <= 40_000; now += 1000) assert.equal(round(s, now, 'fence', false), false);
    assert.equal(s.node3?.seenAt, undefined);
    assert.equal(round(s, 41_000, 'fence', true), false);
    assert.equal(round(s, 47_000, 'fence', true), true);
  });

  it('forgets a node whose fence is no longer stored, so a later fence starts over', () => {
    const s: Record<string, FenceSighting> = {};
    round(s, 20_000, 'fence', true);
    round(s, 26_000, 'fence', true);
    round(s, 27_000, 'unknown', true);
    assert.deepEqual(s, {});
    assert.equal(round(s, 40_000, 'fence', true), false);
    assert.equal(s.node3?.storedAt, 40_000);
  });
});
