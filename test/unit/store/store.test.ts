import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { NotRecordedError, NotWritableError, WriteAbortedError } from '../../../src/store/errors';
import { logFileName, stateFilePath } from '../../../src/store/persistence';
import { diskFaults } from './faulty-disk';
import { commands, kv, leaseMs, SimCluster } from './sim-cluster';

describe('cluster store on the simulated CPG', () => {
  let c: SimCluster;
  afterEach(() => c.destroy());

  async function ready(seed: number, size: number): Promise<SimCluster> {
    c = new SimCluster(seed, size);
    await c.settle();
    return c;
  }

  it('concurrent writes from every node apply in one order on all members and resolve with their version', async () => {
    await ready(1, 3);
    const writes = [1, 2, 3].flatMap((id) => [0, 1, 2].map((i) => c.node(id).put(kv, 'k', `${id}.${i}`)));
    await c.settle();
    const versions = await Promise.all(writes);
    assert.equal(new Set(versions).size, 9);
    const digests = c.up().map((s) => s.status().digest);
    assert.equal(new Set(digests).size, 1);
    assert.equal(c.node(1).get(kv, 'k'), c.node(3).get(kv, 'k'));
  });

  it('refuses writes outside a quorate partition with a clear error, reads stay local', async () => {
    await ready(2, 3);
    await c.write(1, 'a', 'x');
    c.net.partition([[1], [2, 3]]);
    await c.settle();
    await assert.rejects(c.node(1).put(kv, 'a', 'y'), (err: unknown) => err instanceof NotWritableError && /not in a quorate partition/.test(err.message));
    assert.equal(c.node(1).get(kv, 'a'), 'x');
  });

  it('a write racing a membership change is applied everywhere or rejected and absent everywhere', async () => {
    const outcomes = new Set<string>();
    for (let seed = 100; seed < 116; seed++) {
      await ready(seed, 3);
      const w = c.node(2).put(kv, 'raced', 'x').then(() => 'applied', (err: unknown) => {
        assert.ok(err instanceof WriteAbortedError);
        return 'aborted';
      });
      c.crash(3);
      await c.settle();
      const outcome = await w;
      outcomes.add(outcome);
      for (const s of c.up()) assert.equal(s.get(kv, 'raced'), outcome === 'applied' ? 'x' : undefined);
      c.destroy();
    }
    assert.deepEqual([...outcomes].sort(), ['aborted', 'applied']);
    c = new SimCluster(0, 1);
  });

  it('a node that rejoins adopts the cluster state and never resurrects its own stale one', async () => {
    await ready(4, 3);
    await c.write(3, 'a', 'old');
    c.crash(3);
    await c.settle();
    const w2 = c.node(1).put(kv, 'a', 'new');
    const w3 = c.node(1).delete(kv, 'a');
    await c.settle();
    await Promise.all([w2, w3]);
    c.start(3);
    await c.settle();
    assert.equal(c.node(3).get(kv, 'a'), undefined);
    assert.equal(c.node(3).status().digest, c.node(1).status().digest);
  });

  it('quorum-device split: the isolated node that stayed quorate for a while loses its writes on heal', async () => {
    await ready(5, 2);
    c.quorum.force(1, true);
    c.quorum.force(2, true);
    await c.write(1, 'a', 'base');
    c.net.partition([[1], [2]]);
    await c.settle();
    // Both sides believe they are quorate (Q_stale): both write.
    const stale = [c.node(1).put(kv, 'a', 'isolated-1'), c.node(1).put(kv, 'b', 'isolated-2')];
    const real = c.node(2).put(kv, 'a', 'genuine');
    await c.settle();
    await Promise.all([...stale, real]);
    c.quorum.force(1, false); // the device vote times out on node 1
    await c.settle();
    c.quorum.force(1, true);
    c.net.heal();
    await c.settle();
    for (const id of [1, 2]) {
      assert.equal(c.node(id).get(kv, 'a'), 'genuine');
      assert.equal(c.node(id).get(kv, 'b'), undefined);
    }
  });

  it('a node restarting one acknowledged write behind, while the other lost quorum, does not roll the cluster back', async () => {
    await ready(16, 2);
    await c.write(1, 'a', 'old');
    const w = c.node(1).put(kv, 'a', 'acknowledged');
    c.net.run();
    c.crash(2); // applied, killed before its deferred write: its disk is one write behind
    await c.settle();
    await w;
    assert.equal(c.node(1).status().demoted, true, 'node 1 lost quorum');
    assert.equal(c.diskState(2)?.docs.kv?.a, 'old');
    c.start(2);
    await c.settle();
    for (const id of [1, 2]) assert.equal(c.node(id).get(kv, 'a'), 'acknowledged', `node ${id}`);
  });

  it('a node restarted alone, even if quorate, is not current and refuses writes until it joins a current copy', async () => {
    await ready(9, 2);
    c.quorum.force(1, true);
    c.crash(1);
    await c.settle();
    c.net.partition([[1], [2]]);
    c.start(1);
    await c.settle();
    assert.equal(c.node(1).current, false);
    const refused = assert.rejects(c.node(1).put(kv, 'a', 'stale'), (err: unknown) => err instanceof NotWritableError && /current copy/.test(err.message));
    await c.settle();
    await refused;
    c.net.heal();
    await c.settle();
    assert.equal(c.node(1).current, true);
  });

  it('after every node restarts, the cluster comes back with the newest state any member had', async () => {
    await ready(6, 3);
    await c.write(1, 'a', '1');
    c.crash(1);
    await c.settle();
    await c.write(2, 'a', '2');
    for (const id of [2, 3]) c.crash(id);
    for (const id of [1, 2, 3]) c.start(id);
    await c.settle();
    for (const s of c.up()) assert.equal(s.get(kv, 'a'), '2');
  });

  it('a corrupt state file is reported and replaced from a peer, never used', async () => {
    await ready(7, 3);
    await c.write(1, 'a', 'good');
    c.crash(3);
    await c.settle();
    fs.writeFileSync(stateFilePath(c.dir(3)), '{"format":2,"sha256":"00","body":"{}"}');
    const s3 = c.start(3);
    assert.match(s3.status().corruptFile ?? '', /checksum mismatch/);
    await c.settle();
    assert.equal(s3.get(kv, 'a'), 'good');
    assert.equal(s3.status().corruptFile, null);
    assert.ok(c.logs.some((l) => l.startsWith('3 error') && /corrupt/.test(l)));
  });

  it('a torn log tail is cut off and reported; the node restarts from what was complete and catches up from its peers', async () => {
    await ready(14, 3);
    await c.write(3, 'before', 'x');
    c.crash(3);
    await c.settle();
    await c.write(1, 'during', 'y');
    fs.appendFileSync(path.join(c.dir(3), logFileName), '0123456789abcdef {"from":');
    const s3 = c.start(3);
    assert.equal(s3.get(kv, 'before'), 'x');
    assert.ok(c.logs.some((l) => l.startsWith('3 warn') && /store\.log: line \d+ is torn/.test(l)));
    await c.settle();
    assert.equal(s3.get(kv, 'during'), 'y');
    await c.write(3, 'after', 'z');
    assert.equal(c.node(1).status().digest, s3.status().digest);
    assert.equal(c.diskState(3)?.docs.kv?.after, 'z');
  });

  for (const fault of diskFaults) {
    it(`a disk with fault ${fault}: the write is refused to its writer, reported once, the node keeps running and records again when the disk does`, async () => {
      await ready(15, 2);
      await c.write(2, 'before', 'x');
      c.disk(2).set(fault, 10);
      const unrecorded = c.node(2).put(kv, 'during', 'y');
      await c.settle();
      await assert.rejects(unrecorded, (err: unknown) => err instanceof NotRecordedError && /could not record/.test(err.message));
      assert.match(c.node(2).status().diskProblem ?? '', /store\.(log|json)/);
      await assert.rejects(c.node(2).put(kv, 'more', 'z'), (err: unknown) => err instanceof NotWritableError && /cannot record HA state/.test(err.message));
      c.clock.advance(leaseMs);
      await c.settle();
      assert.equal(c.logs.filter((l) => l.startsWith('2 error cannot record HA state')).length, 1, 'logged once per transition, not per write or retry');
      assert.equal(await c.write(1, 'elsewhere', 'w') > 0, true, 'the other node still writes');
      c.disk(2).set(null);
      c.clock.advance(leaseMs);
      await c.settle();
      assert.equal(c.node(2).status().diskProblem, null);
      assert.ok(c.logs.some((l) => l.startsWith('2 info HA state recorded again')));
      assert.deepEqual(c.diskState(2)?.docs, c.node(2).snapshot().docs, 'the whole state is on disk again');
      assert.ok(await c.write(2, 'after', 'v') > 0);
    });
  }

  it('a command queue: appends from several nodes, a consumer shifts what it handled', async () => {
    await ready(8, 2);
    const ws = [c.node(1).append(commands, 'q', 'a'), c.node(2).append(commands, 'q', 'b')];
    await c.settle();
    await Promise.all(ws);
    assert.equal(c.node(2).get(commands, 'q')?.length, 2);
    const s = c.node(1).shift(commands, 'q', 1);
    const more = c.node(2).append(commands, 'q', 'c');
    await c.settle();
    await Promise.all([s, more]);
    assert.equal(c.node(1).get(commands, 'q')?.length, 2);
    assert.deepEqual(c.node(1).get(commands, 'q'), c.node(2).get(commands, 'q'));
  });

  it('acknowledges a write only once it is on disk', async () => {
    await ready(12, 2);
    const w = c.node(2).put(kv, 'durable', 'yes');
    await c.settle();
    const version = await w;
    const disk = c.diskState(2);
    assert.equal(disk?.docs.kv?.durable, 'yes');
    assert.equal(disk?.version, version);
  });

  it('drops a malformed wire message with a warning naming the sender, state unchanged', async () => {
    await ready(13, 3);
    c.crash(3);
    await c.settle();
    const before = c.node(1).snapshot();
    const foreign = c.net.endpoint(3);
    foreign.join({ deliver: () => undefined, confchg: () => undefined });
    foreign.mcast(Buffer.from('not json'));
    await c.settle();
    assert.ok(c.logs.includes('1 warn dropped a message from node 3: bad store message: not JSON'), c.logs.join('\n'));
    assert.deepEqual(c.node(1).snapshot().docs, before.docs);
  });

  it('refuses an invalid value before sending it', async () => {
    await ready(9, 2);
    await assert.rejects(c.node(1).put(kv, 'a', 5 as unknown as string), /invalid kv\/a: must be a string/);
  });

  describe('locks', () => {
    it('grants a lock to one node; the other is refused until release', async () => {
      await ready(10, 3);
      const a = c.node(2).acquireLock('manager');
      const b = c.node(3).acquireLock('manager');
      await c.settle();
      const [ga, gb] = await Promise.all([a, b]);
      assert.equal(Number(ga) + Number(gb), 1);
      const holder = ga ? 2 : 3;
      for (const s of c.up()) assert.equal(s.lock('manager')?.holder, holder);
      const refused = c.node(5 - holder).acquireLock('manager');
      await c.settle();
      assert.equal(await refused, false);
      const r = c.node(holder).releaseLock('manager');
      await c.settle();
      assert.equal(await r, true);
      const again = c.node(5 - holder).acquireLock('manager');
      await c.settle();
      assert.equal(await again, true);
    });

    it('expires a lock not renewed for the lease, judged by the lowest-id member', async () => {
      await ready(11, 3);
      const a = c.node(3).acquireLock('agent-3');
      await c.settle();
      assert.equal(await a, true);
      c.clock.advance(leaseMs / 2);
      const renew = c.node(3).acquireLock('agent-3');
      await c.settle();
      assert.equal(await renew, true);
      c.clock.advance(leaseMs * 0.9);
      await c.settle();
      assert.equal(c.node(1).lock('agent-3')?.holder, 3, 'renewed, not expired');
      c.crash(3);
      await c.settle();
      c.clock.advance(leaseMs + leaseMs / 4 + 1);
      await c.settle();
      assert.equal(c.node(2).lock('agent-3'), undefined);
      assert.ok(c.logs.some((l) => l.startsWith('1 info lock agent-3 of node 3 expired')));
      const take = c.node(2).acquireLock('agent-3');
      await c.settle();
      assert.equal(await take, true);
    });

    it('the judge still expires a dead holder\'s lock while its own disk cannot record (the others record it)', async () => {
      await ready(17, 3);
      const a = c.node(3).acquireLock('agent-3');
      await c.settle();
      assert.equal(await a, true);
      c.crash(3);
      c.disk(1).set('full', 0);
      await c.write(2, 'x', 'y').catch(() => undefined);
      assert.notEqual(c.node(1).diskProblem, null);
      c.clock.advance(leaseMs + leaseMs / 4 + 1);
      await c.settle();
      assert.equal(c.node(2).lock('agent-3'), undefined, 'expired: node 2 may recover what node 3 ran');
      assert.equal(c.diskState(2)?.locks['agent-3'], undefined);
    });

    it('counts its own renewal from when it sent it, another member\'s from when it was delivered', async () => {
      await ready(13, 3);
      const renew = c.node(3).acquireLock('agent-3');
      c.clock.advance(700);
      await c.settle();
      assert.equal(await renew, true);
      // A cut-off node's renewal that comes back late must not look fresher than when it left.
      assert.ok((c.node(3).lock('agent-3')?.ageMs ?? 0) >= 700, 'the sender counts from the send');
      assert.ok((c.node(1).lock('agent-3')?.ageMs ?? Infinity) < 700, 'the others count from the delivery');
    });

    it('keeps the age a survivor saw through a membership change, and counts adopted locks from the sync', async () => {
      await ready(12, 3);
      const a = c.node(3).acquireLock('agent-3');
      await c.settle();
      assert.equal(await a, true);
      c.clock.advance(leaseMs / 2);
      c.crash(3);
      await c.settle();
      assert.ok((c.node(1).lock('agent-3')?.ageMs ?? 0) >= leaseMs / 2, 'the age runs on from the grant');
      c.clock.advance(leaseMs / 2 + leaseMs / 4 + 1);
      await c.settle();
      assert.equal(c.node(1).lock('agent-3'), undefined, 'expired one lease after the grant, not after the membership change');
    });
  });
});
