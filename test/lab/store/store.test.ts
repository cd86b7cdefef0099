import assert from 'node:assert/strict';
import type { NamespaceLab } from '../../../src/lab/namespace-lab';
import type { NodeHost } from '../../../src/lab/names';
import type { StoreStatus } from '../../../src/store/store';
import { skipWithoutLab } from '../../support/lab';
import { StoreLab } from './store-lab';

const hosts: NodeHost[] = ['node1', 'node2'];

/** The cluster store on real corosync: a store-node probe per lab node (fast profile, qnetd). */
describe('cluster store (real corosync)', function () {
  const cluster = new StoreLab(2, 10_000);
  let lab: NamespaceLab | undefined;
  const probe = (h: NodeHost) => cluster.probe(h);
  const status = (h: NodeHost) => cluster.status(h);
  const startNode = (h: NodeHost) => cluster.startNode(h);
  const synced = (h: NodeHost, members: number[], timeoutMs = 20_000) => cluster.synced(h, members, timeoutMs);

  async function allSame(): Promise<StoreStatus[]> {
    const st = await Promise.all(hosts.map(status));
    assert.equal(new Set(st.map((s) => s.digest)).size, 1, `digests differ: ${JSON.stringify(st)}`);
    return st;
  }

  before(async function () {
    skipWithoutLab(this);
    lab = await cluster.up();
  });

  after(() => cluster.down());

  it('concurrent writes from both nodes converge to one state', async () => {
    const figures = await Promise.all(hosts.map((h) => probe(h).call<{ p50: number; p99: number }>('burst', { prefix: `${h}-`, count: 200, depth: 4 })));
    console.log(`      commit latency p50/p99 per node: ${figures.map((f) => `${f.p50.toFixed(2)}/${f.p99.toFixed(2)} ms`).join(', ')}`);
    const st = await allSame();
    assert.equal(await probe('node1').call('count'), 400);
    assert.ok(st.every((s) => !s.syncing && s.members.length === 2));
  });

  it('grants a lock to exactly one node of the partition', async () => {
    const granted = await Promise.all(hosts.map((h) => probe(h).call<boolean>('acquire', { lock: 'manager' })));
    assert.equal(granted.filter(Boolean).length, 1);
    const views = await Promise.all(hosts.map((h) => probe(h).call<Record<string, { holder: number }>>('locks')));
    assert.equal(views[0]?.manager?.holder, views[1]?.manager?.holder);
  });

  it('partition and heal: the quorate side keeps writing, every write it acknowledged survives the heal', async () => {
    const l = lab as NamespaceLab;
    await Promise.all(hosts.map((h) => probe(h).call('loop', { prefix: `split-${h}-` })));
    await l.cutLink('node1');
    await synced('node2', [2]);
    const ackedBefore = probe('node2').seen<string>('store.acked').length;
    await probe('node2').waitFor<string>('store.acked', () => true, 10_000, ackedBefore + 20);
    await l.restoreLink('node1');
    await Promise.all(hosts.map((h) => synced(h, [1, 2], 30_000)));
    await Promise.all(hosts.map((h) => probe(h).call('stopLoop')));
    await new Promise((r) => setTimeout(r, 200));
    await allSame();
    const acked2 = probe('node2').seen<string>('store.acked');
    const values = await Promise.all(acked2.map((k) => probe('node1').call<string | null>('get', { key: k })));
    assert.deepEqual(values.filter((v) => v === null), [], 'node2 acknowledged writes lost');
    const split1 = probe('node1').seen<string>('store.acked').filter((k) => k.startsWith('split-'));
    const lost1 = (await Promise.all(split1.map((k) => probe('node1').call<string | null>('get', { key: k })))).filter((v) => v === null).length;
    console.log(`      split: node2 acknowledged ${acked2.length} writes, all kept; node1 acknowledged ${split1.length}, ${lost1} discarded by the heal rule`);
    const views = await Promise.all(hosts.map((h) => probe(h).call<Record<string, { holder: number }>>('locks')));
    assert.equal(views[0]?.manager?.holder, views[1]?.manager?.holder, 'one lock holder after the heal');
  });

  it('isolation with the arbiter deciding: the losing node\'s lock expires only after the lease, its writes are refused and never come back', async () => {
    const l = lab as NamespaceLab;
    assert.equal(await probe('node2').call<boolean>('acquire', { lock: 'agent-node2' }), true);
    const isolatedAt = performance.now();
    await l.isolateNodes();
    // ffsplit with tie-breaker lowest: node1 keeps the arbiter's vote, node2 loses quorum.
    await synced('node1', [1], 20_000);
    await l.waitForQuorum('node2', (s) => !s.quorate, 20_000);
    await assert.rejects(probe('node2').call('put', { key: 'isolated-node2', value: 'x' }), /quorate|synchronis|refused|not writable/i);
    let grantedAt = 0;
    while (performance.now() - isolatedAt < 30_000) {
      if (await probe('node1').call<boolean>('acquire', { lock: 'agent-node2' })) {
        grantedAt = performance.now();
        break;
      }
      await new Promise((r) => setTimeout(r, 200));
    }
    console.log(`      node2's lock taken by node1 ${Math.round(grantedAt - isolatedAt)} ms after the isolation (lease 10000 ms)`);
    assert.ok(grantedAt > 0, 'node1 took the lock once it expired');
    assert.ok(grantedAt - isolatedAt >= 10_000, 'not before a whole lease after node1 last saw it renewed');
    await l.healIsolation();
    await Promise.all(hosts.map((h) => synced(h, [1, 2], 30_000)));
    await allSame();
    assert.equal(await probe('node1').call<string | null>('get', { key: 'isolated-node2' }), null);
    const views = await Promise.all(hosts.map((h) => probe(h).call<Record<string, { holder: number }>>('locks')));
    assert.equal(views[0]?.['agent-node2']?.holder, 1);
    assert.equal(views[1]?.['agent-node2']?.holder, 1, 'one holder on both sides after the heal');
  });

  it('kill -9 of a node mid-write: it comes back with the cluster state, no acknowledged write lost', async () => {
    const l = lab as NamespaceLab;
    await Promise.all(hosts.map((h) => probe(h).call('loop', { prefix: `kill-${h}-` })));
    await probe('node2').waitFor<string>('store.acked', (k) => k.startsWith('kill-node2-'), 10_000);
    await new Promise((r) => setTimeout(r, 300));
    await l.powerOff('node2');
    const ackedBeforeKill = probe('node2').seen<string>('store.acked').filter((k) => k.startsWith('kill-'));
    await l.powerOn('node2');
    await l.waitQuorate({ timeoutMs: 30_000 });
    await startNode('node2');
    await Promise.all(hosts.map((h) => synced(h, [1, 2], 30_000)));
    await probe('node1').call('stopLoop');
    await new Promise((r) => setTimeout(r, 200));
    await allSame();
    const missing = (await Promise.all(ackedBeforeKill.map((k) => probe('node1').call<string | null>('get', { key: k })))).filter((v) => v === null);
    assert.deepEqual(missing, []);
  });

  it('restarting every node finds the state intact', async () => {
    const l = lab as NamespaceLab;
    const before = await allSame();
    await Promise.all([...cluster.probes.values()].map((p) => p.stop()));
    for (const h of hosts) await l.powerOff(h);
    for (const h of hosts) await l.powerOn(h);
    await l.waitQuorate({ timeoutMs: 30_000 });
    for (const h of hosts) await startNode(h);
    await Promise.all(hosts.map((h) => synced(h, [1, 2], 30_000)));
    const after = await allSame();
    assert.equal(after[0]?.digest, before[0]?.digest);
    assert.equal(after[0]?.version, before[0]?.version);
  });
});
