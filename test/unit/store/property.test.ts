import assert from 'node:assert/strict';
import { NotRecordedError, NotWritableError, WriteAbortedError } from '../../../src/store/errors';
import type { ClusterStore } from '../../../src/store/store';
import { diskFaults } from './faulty-disk';
import { kv, leaseMs, SimCluster } from './sim-cluster';

/**
 * Random schedules on the simulated CPG with fixed seeds and a bounded budget: writes, lock
 * requests, partial delivery, partitions, heals, crashes (kill -9: what a node applied but had
 * not yet written is lost), crashes right after a delivery (the node restarts one write behind
 * while the others go on, or lose quorum), disk faults (full, read-only, EIO) and their repair,
 * restarts and time. Quorum is
 * the majority rule. Checked after every action: all synchronised members of one partition hold
 * the same state (so two holders of a lock inside one partition are impossible); at the end,
 * after healing and restarting everyone: one state everywhere and no acknowledged write lost.
 */
const seeds = 40;
const actionsPerSeed = 80;

function tolerated(err: unknown): boolean {
  return err instanceof NotWritableError || err instanceof WriteAbortedError || err instanceof NotRecordedError;
}

function assertPartitionsAgree(c: SimCluster, seed: number, step: number): void {
  const byView = new Map<string, ClusterStore[]>();
  for (const s of c.up()) {
    const st = s.status();
    if (st.syncing) continue;
    const key = st.members.join(',');
    byView.set(key, [...(byView.get(key) ?? []), s]);
  }
  for (const [view, stores] of byView) {
    const states = stores.map((s) => JSON.stringify(s.snapshot().locks) + s.status().digest);
    assert.equal(new Set(states).size, 1, `seed ${seed} step ${step}: members ${view} disagree`);
  }
}

describe('cluster store properties on random schedules', function () {
  this.timeout(120_000);

  for (const size of [2, 3]) {
    it(`${size} nodes, ${seeds} seeds x ${actionsPerSeed} actions: partitions agree, all converge, no acknowledged write lost`, async () => {
      let totalAcked = 0;
      let totalAborted = 0;
      const started = performance.now();
      for (let seed = 1; seed <= seeds; seed++) {
        const c = new SimCluster(seed * 7919 + size, size);
        try {
          const acked = new Map<string, string>();
          const inflight: Array<Promise<void>> = [];
          let n = 0;
          const rnd = (k: number) => c.net.randomInt(k);
          const ids = [...Array(size).keys()].map((i) => i + 1);
          await c.settle();
          for (let step = 0; step < actionsPerSeed; step++) {
            const up = ids.filter((id) => c.stores.has(id));
            const action = rnd(100);
            if (action < 45 && up.length > 0) {
              const id = up[rnd(up.length)] as number;
              const key = `w${n++}`;
              inflight.push(c.node(id).put(kv, key, `${id}`).then(() => { acked.set(key, `${id}`); }, (err: unknown) => {
                assert.ok(tolerated(err), String(err));
                totalAborted++;
              }));
            } else if (action < 55 && up.length > 0) {
              const id = up[rnd(up.length)] as number;
              const op = rnd(2) === 0 ? c.node(id).acquireLock('manager') : c.node(id).releaseLock('manager');
              inflight.push(op.then(() => undefined, (err: unknown) => { assert.ok(tolerated(err), String(err)); }));
            } else if (action < 75) {
              for (let k = rnd(4); k > 0; k--) c.net.step();
            } else if (action < 82) {
              const cut = ids.filter(() => rnd(2) === 0);
              c.net.partition([cut, ids.filter((id) => !cut.includes(id))]);
            } else if (action < 88) {
              c.net.heal();
            } else if (action < 90 && up.length > 0) {
              c.crash(up[rnd(up.length)] as number);
            } else if (action < 92 && up.length > 0) {
              // Delivered, then killed before its deferred write: this node comes back behind.
              c.net.step();
              c.crash(up[rnd(up.length)] as number);
            } else if (action < 94) {
              const id = ids[rnd(size)] as number;
              c.disk(id).set(rnd(2) === 0 ? null : diskFaults[rnd(diskFaults.length)] ?? null, rnd(400));
            } else if (action < 97) {
              const down = ids.filter((id) => !c.stores.has(id));
              if (down.length > 0) c.start(down[rnd(down.length)] as number);
            } else {
              c.clock.advance(rnd(leaseMs));
            }
            await new Promise((r) => setImmediate(r));
            assertPartitionsAgree(c, seed, step);
          }
          c.net.heal();
          for (const id of ids) c.disk(id).set(null);
          for (const id of ids) if (!c.stores.has(id)) c.start(id);
          await c.settle();
          // Nodes whose disk refused record again at their next retry.
          c.clock.advance(leaseMs);
          await c.settle();
          await Promise.all(inflight);
          for (const s of c.up()) assert.equal(s.status().diskProblem, null, `seed ${seed}: node ${s.nodeId} does not record again`);
          assertPartitionsAgree(c, seed, actionsPerSeed);
          const digests = new Set(c.up().map((s) => s.status().digest));
          assert.equal(digests.size, 1, `seed ${seed}: nodes end with different states`);
          for (const [key, value] of acked) assert.equal(c.node(1).get(kv, key), value, `seed ${seed}: acknowledged write ${key} lost`);
          totalAcked += acked.size;
        } finally {
          c.destroy();
        }
      }
      process.stdout.write(`      store property (${size} nodes): ${totalAcked} acknowledged, ${totalAborted} refused/aborted writes over ${seeds} seeds in ${Math.round(performance.now() - started)} ms\n`);
      assert.ok(totalAcked > seeds, 'the schedules must acknowledge writes to test anything');
    });
  }
});

/**
 * Full-cluster restart where the nodes stop one by one (the survivors kept quorate, as a quorum
 * device keeps the last node of a two-node cluster) and the first ones back are quorate before
 * the node with the newest state returns. The current-copy rule must refuse their writes until
 * a current copy or the whole cluster is back, so the newest node's acknowledged writes are kept.
 */
describe('cluster store: full restart with the newest node back last', function () {
  this.timeout(120_000);

  for (const size of [2, 3]) {
    it(`${size} nodes, ${seeds} seeds: a quorate early subset refuses writes; no acknowledged write lost`, async () => {
      let refusedEarly = 0;
      for (let seed = 1; seed <= seeds; seed++) {
        const c = new SimCluster(seed * 104_729 + size, size);
        try {
          const acked = new Map<string, string>();
          let n = 0;
          const ids = [...Array(size).keys()].map((i) => i + 1);
          const shuffled = (list: number[]) => list.map((id) => ({ id, k: c.net.randomInt(1_000_000) })).sort((a, b) => a.k - b.k).map((x) => x.id);
          const write = async (id: number): Promise<boolean> => {
            const key = `w${n++}`;
            const outcome = c.node(id).put(kv, key, `${id}`).then(() => { acked.set(key, `${id}`); return true; }, (err: unknown) => { assert.ok(tolerated(err), String(err)); return false; });
            await c.settle();
            return outcome;
          };
          await c.settle();
          for (const id of ids) assert.ok(await write(id), `seed ${seed}: a write on the whole cluster was refused`);
          const stopOrder = shuffled(ids);
          for (const [i, id] of stopOrder.entries()) {
            c.crash(id);
            const survivors = stopOrder.slice(i + 1);
            for (const s of survivors) c.quorum.force(s, true);
            await c.settle();
            for (const s of survivors) await write(s);
          }
          const newest = stopOrder.at(-1) as number;
          const early = shuffled(ids.filter((id) => id !== newest)).slice(0, 1 + c.net.randomInt(size - 1));
          for (const id of early) {
            c.quorum.force(id, true);
            c.start(id);
          }
          await c.settle();
          for (const id of early) {
            assert.equal(c.node(id).current, false, `seed ${seed}: node ${id} counts as current without the newest node`);
            assert.equal(await write(id), false, `seed ${seed}: node ${id} accepted a write before the newest node ${newest} returned`);
            refusedEarly++;
          }
          for (const id of ids) if (!c.stores.has(id)) c.start(id);
          for (const id of ids) c.quorum.force(id, null);
          await c.settle();
          assert.ok(await write(newest), `seed ${seed}: writes stay refused after the whole cluster returned`);
          assert.equal(new Set(c.up().map((s) => s.status().digest)).size, 1, `seed ${seed}: nodes end with different states`);
          for (const [key, value] of acked) assert.equal(c.node(1).get(kv, key), value, `seed ${seed}: acknowledged write ${key} lost`);
        } finally {
          c.destroy();
        }
      }
      process.stdout.write(`      full restart (${size} nodes): ${refusedEarly} writes of early, quorate, not-current nodes refused over ${seeds} seeds\n`);
    });
  }
});
