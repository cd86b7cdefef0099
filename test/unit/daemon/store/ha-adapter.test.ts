import assert from 'node:assert/strict';
import type { ManagerStatus } from '../../../../src/ha/types';
import { agentLockName, managerLockName } from '../../../../src/ha/types';
import { HaStoreAdapter } from '../../../../src/daemon/store/ha-adapter';
import { leaseMs, SimCluster } from '../../store/sim-cluster';

const status = (master: string): ManagerStatus => ({
  master, nodeStatus: {}, serviceStatus: {}, nodeRequest: {}, disarm: null, uidCounter: 0, commandSeq: 0, unprotected: [],
});

describe('HA adapter on the simulated CPG', () => {
  let c: SimCluster;
  afterEach(() => c.destroy());
  const adapter = (id: number): HaStoreAdapter => new HaStoreAdapter(c.node(id), (n) => `node${n}`);

  async function run<T>(p: Promise<T>): Promise<T> {
    await c.settle();
    return p;
  }
  async function refused(p: Promise<unknown>, reason: RegExp): Promise<void> {
    const check = assert.rejects(p, reason);
    await c.settle();
    await check;
  }

  it('acquire claims only a free lock, even against the same node; renew only the holder', async () => {
    c = new SimCluster(7, 3);
    await c.settle();
    const lock = { kind: 'lock', lock: agentLockName('node2') } as const;
    assert.equal(await run(adapter(2).apply({ ...lock, op: 'acquire' })), true);
    assert.equal(await run(adapter(2).apply({ ...lock, op: 'acquire' })), false, 'an unexpired lock is not free, even for its holder id');
    assert.equal(await run(adapter(3).apply({ ...lock, op: 'renew' })), false);
    assert.equal(await run(adapter(2).apply({ ...lock, op: 'renew' })), true);
    assert.equal(adapter(1).view().locks[agentLockName('node2')]?.holder, 'node2');
    c.clock.advance(leaseMs * 2);
    await c.settle();
    assert.equal(adapter(1).view().locks[agentLockName('node2')], undefined, 'expired');
    assert.equal(await run(adapter(2).apply({ ...lock, op: 'renew' })), false, 'an expired lock cannot be renewed');
  });

  it('a holder that adopts the cluster state on a heal never sees its own lock fresher than its last confirmed renewal', async () => {
    c = new SimCluster(7, 3);
    await c.settle();
    const lock = { kind: 'lock', lock: agentLockName('node1') } as const;
    assert.equal(await run(adapter(1).apply({ ...lock, op: 'acquire' })), true);
    c.clock.advance(3000);
    c.net.partition([[1], [2, 3]]);
    await c.settle();
    await run(adapter(2).apply({ kind: 'write-lrm-status', node: 'node2', status: { mode: 'active', state: 'wait_for_agent_lock', results: {} } }));
    c.clock.advance(3000);
    c.net.heal();
    await c.settle();
    assert.match(c.logs.join('\n'), /1 info adopting the state of node 2/);
    const seen = adapter(1).view().locks[agentLockName('node1')];
    assert.equal(seen?.holder, 'node1');
    assert.ok((seen?.ageMs ?? 0) >= 6000, `the holder counts from the renewal it sent 6000 ms ago, not from the sync: ${seen?.ageMs} ms`);
    assert.ok((c.node(2).lock(agentLockName('node1'))?.ageMs ?? 0) >= 6000, 'a member that saw the grant keeps its age');
  });

  it('manager status is applied only from the manager lock holder', async () => {
    c = new SimCluster(8, 2);
    await c.settle();
    await refused(adapter(1).apply({ kind: 'write-manager-status', status: status('node1') }), /needs lock ha-manager/);
    assert.equal(await run(adapter(1).apply({ kind: 'lock', op: 'acquire', lock: managerLockName })), true);
    assert.equal(await run(adapter(1).apply({ kind: 'write-manager-status', status: status('node1') })), true);
    await refused(adapter(2).apply({ kind: 'write-manager-status', status: status('node2') }), /needs lock ha-manager/);
    assert.equal(adapter(2).view().managerStatus?.master, 'node1');
    await run(adapter(2).apply({ kind: 'write-lrm-status', node: 'node2', status: { mode: 'active', state: 'active', results: {} } }));
    assert.deepEqual(Object.keys(adapter(1).view().lrmStatus), ['node2']);
  });
});
