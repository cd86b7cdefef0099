import assert from 'node:assert/strict';
import { chaosFaultKinds, chaosSchedule, isClusterWide, parseChaosKinds } from '../../../src/lab/chaos-schedule';

describe('chaos schedule: seeded, overlapping, one fault per node at a time', () => {
  const options = { seed: 42, nodes: 3, faults: 200, kinds: chaosFaultKinds };

  it('the same seed gives the same schedule; another seed another', () => {
    assert.deepEqual(chaosSchedule(options), chaosSchedule(options));
    assert.notDeepEqual(chaosSchedule(options), chaosSchedule({ ...options, seed: 43 }));
  });

  it('draws every kind, and faults overlap in time', () => {
    const schedule = chaosSchedule(options);
    assert.equal(schedule.length, 200);
    assert.deepEqual(new Set(schedule.map((f) => f.kind)), new Set(chaosFaultKinds));
    const overlapping = schedule.filter((f, i) => schedule.slice(0, i).some((g) => g.kind !== 'operator' && f.kind !== 'operator' && g.startMs + g.durationMs > f.startMs));
    assert.ok(overlapping.length > 20, `${overlapping.length} overlapping`);
  });

  it('a node is held by one fault at a time; a cluster-wide fault holds every node', () => {
    const schedule = chaosSchedule(options).filter((f) => f.kind !== 'operator' && f.kind !== 'arbiter-down');
    for (const [i, f] of schedule.entries()) {
      for (const g of schedule.slice(0, i)) {
        const sameNode = isClusterWide(f.kind) || isClusterWide(g.kind) || f.node === g.node;
        if (sameNode) assert.ok(g.startMs + g.durationMs <= f.startMs, `#${g.index} ${g.kind} ${g.node ?? ''} still holds when #${f.index} ${f.kind} ${f.node ?? ''} starts`);
      }
    }
  });

  it('every kind is usable alone', () => {
    for (const kind of chaosFaultKinds) {
      const schedule = chaosSchedule({ ...options, faults: 5, kinds: [kind] });
      assert.deepEqual(schedule.map((f) => f.kind), [kind, kind, kind, kind, kind]);
    }
  });

  it('--kinds: an unknown kind or none is refused by name', () => {
    assert.deepEqual(parseChaosKinds('link-cut,disk-full'), ['link-cut', 'disk-full']);
    assert.throws(() => parseChaosKinds('link-cut,meteor'), /unknown fault kind 'meteor': expected power-loss, /);
    assert.throws(() => parseChaosKinds(','), /no fault kind given/);
  });
});
