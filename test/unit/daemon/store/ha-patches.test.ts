import assert from 'node:assert/strict';
import { defaultResource, managerLockName, type ManagerStatus } from '../../../../src/ha/types';
import { HaStoreAdapter } from '../../../../src/daemon/store/ha-adapter';
import { SimCluster } from '../../store/sim-cluster';

/**
 * Config and command-queue patches are evaluated at their place in the agreed order, so writes
 * made on different nodes in the same round all take effect (real store code on the simulated CPG).
 */
describe('HA config and command patches on the simulated CPG', () => {
  let c: SimCluster;
  afterEach(() => c.destroy());
  const adapter = (id: number): HaStoreAdapter => new HaStoreAdapter(c.node(id), (n) => `node${n}`);
  async function together<T>(...writes: Promise<T>[]): Promise<T[]> {
    await c.settle();
    return Promise.all(writes);
  }

  it('keeps both an operator edit and the manager update-resource sent in the same round', async () => {
    c = new SimCluster(11, 2);
    await c.settle();
    await together(adapter(1).editConfig({ op: 'add-resource', sid: 'vm:100', resource: defaultResource('node1') }));
    assert.equal(await together(adapter(1).apply({ kind: 'lock', op: 'acquire', lock: managerLockName })).then(([ok]) => ok), true);
    // Both leave before either is applied: each was computed from the same old replica.
    await together<unknown>(
      adapter(1).apply({ kind: 'update-resource', sid: 'vm:100', changes: { node: 'node2' } }),
      adapter(2).editConfig({ op: 'add-resource', sid: 'lab:web', resource: defaultResource('node2') }),
      adapter(2).editConfig({ op: 'set-resource', sid: 'vm:100', changes: { maxRestart: 3 } }),
    );
    for (const id of [1, 2]) {
      const config = adapter(id).view().config;
      assert.deepEqual(Object.keys(config.resources).sort(), ['lab:web', 'vm:100']);
      assert.equal(config.resources['vm:100']?.node, 'node2', 'the manager update survived');
      assert.equal(config.resources['vm:100']?.maxRestart, 3, 'the operator edit survived');
    }
  });

  it('refuses the manager update-resource from a node without the manager lock', async () => {
    c = new SimCluster(12, 2);
    await c.settle();
    await together(adapter(1).editConfig({ op: 'add-resource', sid: 'vm:100', resource: defaultResource('node1') }));
    const refused = assert.rejects(adapter(2).apply({ kind: 'update-resource', sid: 'vm:100', changes: { node: 'node2' } }), /needs lock ha-manager/);
    await c.settle();
    await refused;
    assert.equal(adapter(1).view().config.resources['vm:100']?.node, 'node1');
  });

  it('refuses an edit that no longer applies at its place in the order, naming why', async () => {
    c = new SimCluster(13, 2);
    await c.settle();
    const first = adapter(1).editConfig({ op: 'add-resource', sid: 'vm:100', resource: defaultResource('node1') });
    const second = adapter(2).editConfig({ op: 'add-resource', sid: 'vm:100', resource: defaultResource('node2') });
    const settled = Promise.allSettled([first, second]);
    await c.settle();
    const outcomes = await settled;
    assert.equal(outcomes.filter((o) => o.status === 'fulfilled').length, 1);
    const failed = outcomes.find((o) => o.status === 'rejected') as PromiseRejectedResult;
    assert.match(String(failed.reason), /resource vm:100 already exists/);
    assert.equal(adapter(1).view().config.resources['vm:100']?.node, adapter(2).view().config.resources['vm:100']?.node);
  });

  it('gives commands queued on two nodes at once distinct sequence numbers and drops consumed ones', async () => {
    c = new SimCluster(14, 3);
    await c.settle();
    const seqs = await together(
      adapter(1).queueCommand({ cmd: 'migrate', sid: 'vm:100', target: 'node2' }),
      adapter(2).queueCommand({ cmd: 'stop', sid: 'vm:100' }),
      adapter(3).queueCommand({ cmd: 'arm-ha' }),
    );
    assert.deepEqual([...seqs].sort(), [1, 2, 3]);
    assert.deepEqual(adapter(2).view().commands.map((q) => q.seq), [1, 2, 3]);
    await together(adapter(1).apply({ kind: 'lock', op: 'acquire', lock: managerLockName }));
    const status: ManagerStatus = {
      master: 'node1', nodeStatus: {}, serviceStatus: {}, nodeRequest: {}, disarm: null, uidCounter: 0, commandSeq: 3, unprotected: [],
    };
    await together(adapter(1).apply({ kind: 'write-manager-status', status }));
    assert.deepEqual(await together(adapter(3).queueCommand({ cmd: 'disarm-ha', mode: 'freeze' })), [4]);
    assert.deepEqual(adapter(1).view().commands.map((q) => q.seq), [4], 'consumed commands are dropped');
  });

  it('refuses a malformed command patch identically on every member', async () => {
    c = new SimCluster(15, 2);
    await c.settle();
    const bad = { cmd: 'migrate', sid: 'vm:100' } as never;
    const refused = assert.rejects(adapter(1).queueCommand(bad), /target node must be a string/);
    await c.settle();
    await refused;
    assert.deepEqual(adapter(2).view().commands, []);
  });
});
