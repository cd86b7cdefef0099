import assert from 'node:assert/strict';
import { NodeDaemon } from '../../../src/daemon/node-daemon';
import { ResourceRunner } from '../../../src/daemon/resources/runner';
import type { HaStore, StoreEffect } from '../../../src/daemon/store/store-seam';
import type { StoreView } from '../../../src/ha/env';
import { simulatorTimingDefaults } from '../../../src/ha/timings';
import { managerLockName } from '../../../src/ha/types';
import type { MembershipSnapshot } from '../../../src/quorum/types';
import { emptyHaConfig } from '../../../src/daemon/store/ha-adapter';
import { SimClock } from '../../../src/util/sim-clock';

/** The store seam with one lock another node stopped renewing, as its replica ages it. */
class ExpiringLockStore implements HaStore {
  readonly current = true;
  readonly diskProblem = null;
  holder = 'node1';
  acquiredAt: number | null = null;
  constructor(private readonly clock: SimClock, private renewedAt: number) {}
  view(): StoreView {
    return {
      config: emptyHaConfig(), managerStatus: null, lrmStatus: {}, commands: [],
      locks: { [managerLockName]: { holder: this.holder, ageMs: this.clock.now() - this.renewedAt } },
    };
  }
  apply(effect: StoreEffect): Promise<boolean> {
    if (effect.kind !== 'lock' || effect.lock !== managerLockName) return Promise.resolve(true);
    const expired = this.clock.now() - this.renewedAt >= simulatorTimingDefaults.lockLeaseMs;
    if (effect.op === 'acquire' && expired) {
      this.holder = 'node2';
      this.renewedAt = this.clock.now();
      this.acquiredAt ??= this.clock.now();
      return Promise.resolve(true);
    }
    if (effect.op === 'renew' && this.holder === 'node2') this.renewedAt = this.clock.now();
    return Promise.resolve(effect.op === 'renew' && this.holder === 'node2');
  }
  adopt(): boolean {
    return false;
  }
}

const snapshot: MembershipSnapshot = {
  localNodeId: 2, quorate: true, ringId: '1.1', expectedVotes: 2, totalVotes: 2, quorum: 2, qdevice: null,
  nodes: [{ nodeId: 1, name: 'node1', votes: 1, member: true }, { nodeId: 2, name: 'node2', votes: 1, member: true }],
};

function daemonOn(clock: SimClock, store: ExpiringLockStore): NodeDaemon {
  return new NodeDaemon({
    timings: simulatorTimingDefaults, clock, store,
    membership: { current: () => snapshot, onChange: () => () => undefined, close: () => undefined },
    log: { info: () => undefined, warn: () => undefined, error: () => undefined },
    watchdog: { armed: false, open: () => Promise.resolve(), update: () => Promise.resolve(), close: () => Promise.resolve(), handover: () => Promise.resolve(), reattach: () => Promise.resolve(false) },
    resources: new ResourceRunner([], 1000),
  });
}

describe('NodeDaemon: rounds timed to the locks', () => {
  it('reports how long its rounds take (for status and the scale benchmark)', async () => {
    const clock = new SimClock();
    const store = new ExpiringLockStore(clock, 0);
    // Each store write of a round takes 40 ms on this clock.
    const apply = store.apply.bind(store);
    store.apply = (effect) => {
      clock.advance(40);
      return apply(effect);
    };
    const daemon = daemonOn(clock, store);
    await daemon.start();
    try {
      for (let i = 0; i < 10 && daemon.self().rounds.count < 2; i++) {
        clock.advance(simulatorTimingDefaults.roundMs);
        await new Promise((r) => setImmediate(r));
      }
      const { rounds } = daemon.self();
      assert.ok(rounds.count >= 2, `${rounds.count} rounds`);
      assert.ok(rounds.lastMs >= 40 && rounds.lastMs % 40 === 0, `last round ${rounds.lastMs} ms`);
      assert.ok(rounds.maxMs >= rounds.lastMs);
    } finally {
      daemon.halt();
    }
  });

  it("runs a round just after another node's lock expires instead of up to a round later", async () => {
    const clock = new SimClock();
    // Expires at 15,000 - 900 = 14,100 ms, between the regular rounds at 14,000 and 15,000.
    const store = new ExpiringLockStore(clock, -900);
    const expiresAt = simulatorTimingDefaults.lockLeaseMs - 900;
    const daemon = daemonOn(clock, store);
    await daemon.start();
    try {
      for (let t = 0; t < 20_000 && store.acquiredAt === null; t += 10) {
        clock.advance(10);
        await new Promise((r) => setImmediate(r));
      }
      assert.ok(store.acquiredAt !== null, 'the manager lock was taken over');
      const late = store.acquiredAt - expiresAt;
      assert.ok(late >= 0 && late <= 100, `taken ${late} ms after it expired (regular rounds every ${simulatorTimingDefaults.roundMs} ms)`);
    } finally {
      daemon.halt();
    }
  });
});
