import assert from 'node:assert/strict';
import type { HaEffect } from '../../../src/ha/env';
import type { HaConfig, LrmStatus, ManagerStatus } from '../../../src/ha/types';
import type { NamespaceLab } from '../../../src/lab/namespace-lab';
import type { NodeHost } from '../../../src/lab/names';
import type { StoreView } from '../../../src/ha/env';
import { skipWithoutLab } from '../../support/lab';
import { StoreLab } from './store-lab';

const hosts: NodeHost[] = ['node1', 'node2'];
/** Short, so lock expiry is observable; the lab's fast profile keeps corosync's timeouts well below it. */
const leaseMs = 3000;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * The store on a real quorum-device split (fast profile, qnetd): lock expiry after a cut, the
 * heal rule after an isolation where the arbiter picks a side, and the HA adapter on two nodes.
 */
describe('cluster store on a quorum-device split (real corosync)', function () {
  const cluster = new StoreLab(2, leaseMs);
  let lab: NamespaceLab | undefined;
  const probe = (h: NodeHost) => cluster.probe(h);
  const status = (h: NodeHost) => cluster.status(h);
  const synced = (h: NodeHost, members: number[]) => cluster.synced(h, members);
  const other = (h: NodeHost): NodeHost => (h === 'node1' ? 'node2' : 'node1');

  async function until<T>(what: string, fn: () => Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
    const deadline = performance.now() + timeoutMs;
    for (;;) {
      const v = await fn().catch(() => undefined);
      if (v !== undefined) return v;
      if (performance.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
      await sleep(100);
    }
  }

  async function holders(): Promise<Array<number | undefined>> {
    const views = await Promise.all(hosts.map((h) => probe(h).call<Record<string, { holder: number }>>('locks')));
    return views.map((v) => v.manager?.holder);
  }

  async function healed(): Promise<void> {
    await Promise.all(hosts.map((h) => synced(h, [1, 2])));
    const st = await Promise.all(hosts.map(status));
    assert.equal(new Set(st.map((s) => s.digest)).size, 1, `digests differ after the heal: ${JSON.stringify(st)}`);
  }

  before(async function () {
    skipWithoutLab(this);
    lab = await cluster.up();
  });

  after(() => cluster.down());

  it('a renewed lock never expires; after the holder is cut off the quorate side takes it only once the lease ran out', async () => {
    const l = lab as NamespaceLab;
    await probe('node2').call('hold', { lock: 'manager', everyMs: leaseMs / 4 });
    await probe('node2').waitFor<boolean>('store.renewed', (ok) => ok, 10_000);
    await sleep(leaseMs * 1.5);
    assert.deepEqual(await holders(), [2, 2], 'a renewed lock stays with its holder past one lease');

    const t0 = performance.now();
    await l.cutLink('node2');
    await synced('node1', [1]);
    await until('node2 to lose quorum', async () => ((await status('node2')).quorate ? undefined : true));
    await assert.rejects(probe('node2').call('put', { key: 'cut-off', value: 'x' }), /not in a quorate partition|synchronising/);
    const tookMs = await until('node1 to take the lock', async () => ((await probe('node1').call<boolean>('acquire', { lock: 'manager' })) ? performance.now() - t0 : undefined), 60_000);
    console.log(`      node1 took the cut-off node's lock ${tookMs.toFixed(0)} ms after the cut (lease ${leaseMs} ms)`);
    assert.ok(tookMs >= leaseMs, `lock taken ${tookMs.toFixed(0)} ms after the cut, before the lease of ${leaseMs} ms`);

    await probe('node2').call('stopHold');
    await l.restoreLink('node2');
    await healed();
    assert.deepEqual(await holders(), [1, 1]);
    for (const h of hosts) assert.equal(await probe(h).call('get', { key: 'cut-off' }), null);
    await probe('node1').call('release', { lock: 'manager' });
  });

  it('isolation with the arbiter reachable: one side stays quorate, the other side\'s writes never come back', async () => {
    const l = lab as NamespaceLab;
    await Promise.all(hosts.map((h) => probe(h).call('loop', { prefix: `pre-${h}-` })));
    await sleep(300);
    // Only what was acknowledged before the isolation began must survive: the losing side may still
    // acknowledge writes (discarded at the heal) until the arbiter's decision reaches it.
    const beforeSplit = hosts.flatMap((h) => probe(h).seen<string>('store.acked').filter((k) => k.startsWith('pre-')));
    await l.isolateNodes();
    await Promise.all([synced('node1', [1]), synced('node2', [2])]);
    // From here on each side writes under a new prefix, so the split's writes can be told apart.
    await Promise.all(hosts.map(async (h) => {
      await probe(h).call('stopLoop');
      await sleep(50);
      await probe(h).call('loop', { prefix: `iso-${h}-` });
    }));
    const winner = await until('exactly one quorate side', async () => {
      const q = await Promise.all(hosts.map(async (h) => (await status(h)).quorate));
      return q.filter(Boolean).length === 1 ? hosts[q.indexOf(true)] : undefined;
    });
    const loser = other(winner as NodeHost);
    const w = probe(winner as NodeHost);
    await w.waitFor<string>('store.acked', (k) => k.startsWith('iso-'), 15_000);
    await sleep(500);
    await Promise.all(hosts.map((h) => probe(h).call('stopLoop')));
    await sleep(200);
    await l.healIsolation();
    await healed();

    const acked = (h: NodeHost, prefix: string) => probe(h).seen<string>('store.acked').filter((k) => k.startsWith(prefix));
    const present = async (keys: string[]) => (await Promise.all(keys.map((k) => probe(loser).call<string | null>('get', { key: k })))).filter((v) => v !== null).length;
    const winnerIso = acked(winner as NodeHost, 'iso-');
    const loserIso = acked(loser, 'iso-');
    const pre = beforeSplit;
    console.log(`      isolation: ${String(winner)} kept quorum and ${winnerIso.length} writes; ${loser} acknowledged ${loserIso.length} during the split`);
    assert.equal(await present(pre), pre.length, 'writes acknowledged before the split were lost');
    assert.equal(await present(winnerIso), winnerIso.length, 'the quorate side\'s acknowledged writes were lost');
    // Whatever the losing side acknowledged in a quorate window before the arbiter decided is discarded by the heal rule.
    assert.equal(await present(loserIso), 0, `${loser}'s writes from the split came back`);
  });

  it('HA adapter on two nodes: every store effect kind applies on both, guarded writes need the manager lock', async () => {
    const resource = { node: 'node1', state: 'started', failback: true, maxRestart: 1, maxRelocate: 1 };
    const config: HaConfig = { resources: { 'vm:100': resource }, groups: {}, rules: [], settings: { shutdownPolicy: 'conditional' } } as unknown as HaConfig;
    const managerStatus = { master: 'node1', nodeStatus: {}, serviceStatus: {}, nodeRequest: {}, disarm: null, uidCounter: 1, commandSeq: 0 } as unknown as ManagerStatus;
    const lrm = { mode: 'active', state: 'active', results: {} } as unknown as LrmStatus;
    const apply = (h: NodeHost, effect: HaEffect) => probe(h).call<boolean>('ha.apply', { effect });
    const view = (h: NodeHost) => probe(h).call<StoreView>('ha.view');

    await assert.rejects(apply('node2', { kind: 'write-manager-status', status: managerStatus }), /needs lock/);
    assert.equal(await apply('node1', { kind: 'lock', op: 'acquire', lock: 'ha-manager' }), true);
    assert.equal(await apply('node2', { kind: 'lock', op: 'acquire', lock: 'ha-manager' }), false, 'a held lock is not granted twice');
    assert.equal(await apply('node1', { kind: 'lock', op: 'renew', lock: 'ha-manager' }), true);
    assert.equal(await apply('node2', { kind: 'lock', op: 'renew', lock: 'ha-manager' }), false);
    assert.equal(await apply('node1', { kind: 'write-manager-status', status: managerStatus }), true);
    assert.equal(await apply('node2', { kind: 'write-lrm-status', node: 'node2', status: lrm }), true);
    await probe('node1').call('putHaConfig', { config });
    assert.equal(await apply('node1', { kind: 'update-resource', sid: 'vm:100', changes: { state: 'stopped' } }), true);
    assert.equal(await apply('node1', { kind: 'update-resource', sid: 'vm:404', changes: { state: 'stopped' } }), false, 'an unknown resource is not created');
    await assert.rejects(apply('node2', { kind: 'update-resource', sid: 'vm:100', changes: { node: 'node2' } }), /needs lock/);
    assert.equal(await apply('node1', { kind: 'log', level: 'info', msg: 'not a store effect' }), false);

    await sleep(200);
    const views = await Promise.all(hosts.map(view));
    assert.deepEqual(views[0]?.config, views[1]?.config);
    for (const v of views) {
      assert.equal(v.config.resources['vm:100']?.state, 'stopped');
      assert.equal(v.config.resources['vm:100']?.node, 'node1');
      assert.equal(v.managerStatus?.master, 'node1');
      assert.deepEqual(Object.keys(v.lrmStatus), ['node2']);
      assert.equal(v.locks['ha-manager']?.holder, 'node1');
    }
    assert.equal(await apply('node1', { kind: 'lock', op: 'release', lock: 'ha-manager' }), true);
    await sleep(200);
    assert.equal((await view('node2')).locks['ha-manager'], undefined);
    await assert.rejects(apply('node1', { kind: 'write-manager-status', status: managerStatus }), /needs lock/);
  });
});
