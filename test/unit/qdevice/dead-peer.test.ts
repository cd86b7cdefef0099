import assert from 'node:assert/strict';
import { ArbiterClient } from '../../../src/qdevice/arbiter/client';
import { DeadPeerSweep } from '../../../src/qdevice/arbiter/dead-peer';
import { SimClock } from '../../../src/util/sim-clock';

describe('arbiter dead-peer detection (one sweep for every client)', () => {
  const transport = { send: () => undefined, close: () => undefined };
  const client = (limitMs: number) => Object.assign(new ArbiterClient('peer', transport), { deadPeerLimitMs: limitMs });

  it('drops only the clients silent longer than their own limit; a message restarts the silence', () => {
    const clock = new SimClock();
    const clients = new Set([client(1500), client(3000), client(0)]);
    const dropped: number[] = [];
    const sweep = new DeadPeerSweep(clients, (c) => { dropped.push(c.deadPeerLimitMs); c.disconnected = true; }, clock);
    const [fast, slow, off] = [...clients] as [ArbiterClient, ArbiterClient, ArbiterClient];
    try {
      for (const c of clients) sweep.stamp(c);
      clock.advance(1400);
      sweep.stamp(slow);
      sweep.sweep();
      assert.deepEqual(dropped, []);
      clock.advance(200);
      sweep.sweep();
      assert.deepEqual(dropped, [1500]);
      assert.ok(fast.disconnected);
      clock.advance(100_000);
      sweep.sweep();
      assert.deepEqual(dropped, [1500, 3000], 'the stamped client lasts its own limit; limit 0 is never dropped');
      assert.ok(!off.disconnected);
    } finally {
      sweep.stop();
    }
  });

  it('drops a client that has not completed INIT in time, though it keeps sending; one that did stays', () => {
    const clock = new SimClock();
    const [talker, joined] = [client(0), client(0)] as [ArbiterClient, ArbiterClient];
    const clients = new Set([talker, joined]);
    const reasons: string[] = [];
    const sweep = new DeadPeerSweep(clients, (c, reason) => { reasons.push(reason); c.disconnected = true; }, clock, 30000);
    try {
      for (const c of clients) sweep.connected(c);
      joined.initReceived = true;
      for (let t = 0; t < 29; t++) {
        clock.advance(1000);
        sweep.stamp(talker);
        sweep.sweep();
      }
      assert.deepEqual(reasons, []);
      clock.advance(1001);
      sweep.stamp(talker);
      sweep.sweep();
      assert.deepEqual(reasons, ['client did not complete INIT within 30000ms of connecting, disconnecting']);
      assert.ok(talker.disconnected && !joined.disconnected);
    } finally {
      sweep.stop();
    }
  });
});
