/**
 * A store node inside a lab node (`node dist/test/lab/store/probes/store-node.js DIR LEASE_MS`):
 * a ClusterStore on real corosync (addon CPG, votequorum membership), driven by JSON lines:
 *   stdin:  {"id": 1, "op": "put", "args": {"key": "a", "value": "x"}}
 *   stdout: {"id": 1, "ok": true, "result": ...} | {"id": 1, "ok": false, "error": {...}}
 *           {"event": "store.synced", "data": {status, syncMs}}   after each state exchange
 *           {"event": "store.acked", "data": "key"}       during a write loop
 *           {"event": "store.renewed", "data": true|false}  each renewal while holding a lock
 */
import type { HaEffect } from '../../../../src/ha/env';
import type { HaConfig } from '../../../../src/ha/types';
import { haConfigDoc, HaStoreAdapter, registerHaDocuments } from '../../../../src/daemon/store/ha-adapter';
import { defineDocument, DocumentRegistry } from '../../../../src/store/documents';
import { NativeCpgTransport } from '../../../../src/store/native-cpg';
import { quorumFromMembership } from '../../../../src/store/quorum';
import { ClusterStore } from '../../../../src/store/store';
import { CorosyncMembership } from '../../../../src/quorum/corosync-membership';
import { monotonicClock } from '../../../../src/util/clock';
import { sendLine, serveProbe, type ProbeOps } from '../../native/probes/serve';
import { percentile } from '../../../../src/util/percentile';

const kv = defineDocument<string>('kv', (v) => {
  if (typeof v !== 'string') throw new Error('must be a string');
  return v;
});

const send = sendLine;

const [dir = '.', leaseArg = '10000'] = process.argv.slice(2);
let store: ClusterStore | undefined;
let membership: CorosyncMembership | undefined;
let looping = false;
let holding: NodeJS.Timeout | undefined;
let adapter: HaStoreAdapter | undefined;

function need(): ClusterStore {
  if (store === undefined) throw new Error('store is not open');
  return store;
}

const ops: ProbeOps = {
  open: async () => {
    membership = await CorosyncMembership.open();
    const registry = new DocumentRegistry();
    registry.register(kv);
    registerHaDocuments(registry);
    store = new ClusterStore({
      transport: new NativeCpgTransport('quorate-store', (err) => send({ event: 'store.error', data: err.message })),
      quorum: quorumFromMembership(membership), registry, dir, clock: monotonicClock, leaseMs: Number(leaseArg),
      clusterSize: membership.current().nodes.length,
      log: (level, message) => send({ event: 'store.log', data: `${level} ${message}` }),
    });
    let wasSyncing = true;
    let syncStarted = performance.now();
    store.onChange(() => {
      const syncing = need().synchronising;
      if (!wasSyncing && syncing) syncStarted = performance.now();
      // syncMs: from the confchg to the end of the state exchange (sync only, not membership forming).
      if (wasSyncing && !syncing) send({ event: 'store.synced', data: { ...need().status(), syncMs: performance.now() - syncStarted } });
      wasSyncing = syncing;
    });
    adapter = new HaStoreAdapter(store, (id) => `node${id}`);
    return store.nodeId;
  },
  status: () => need().status(),
  put: ({ key, value }) => need().put(kv, String(key), String(value)),
  get: ({ key }) => need().get(kv, String(key)) ?? null,
  count: () => need().entries(kv).length,
  acquire: ({ lock }) => need().acquireLock(String(lock)),
  release: ({ lock }) => need().releaseLock(String(lock)),
  locks: () => need().locks(),
  /** Acquires `lock`, then renews it every `everyMs` while quorate, reporting each outcome. */
  hold: ({ lock, everyMs }) => {
    const renew = () => {
      need().acquireLock(String(lock)).then((ok) => send({ event: 'store.renewed', data: ok }), () => send({ event: 'store.renewed', data: false }));
    };
    renew();
    holding = setInterval(renew, Number(everyMs));
    return null;
  },
  stopHold: () => {
    clearInterval(holding);
    return null;
  },
  putHaConfig: ({ config }) => need().put(haConfigDoc, 'config', config as HaConfig),
  'ha.view': () => adapter?.view() ?? null,
  'ha.apply': ({ effect }) => (adapter as HaStoreAdapter).apply(effect as HaEffect),
  /** `count` writes, `depth` in flight at a time; latency of each from send to local apply. */
  burst: async ({ prefix, count, depth }) => {
    const s = need();
    const latencies: number[] = [];
    let next = 0;
    const started = performance.now();
    const worker = async () => {
      while (next < Number(count)) {
        const i = next++;
        const t0 = performance.now();
        await s.put(kv, `${String(prefix)}${i}`, 'v'.repeat(64));
        latencies.push(performance.now() - t0);
      }
    };
    await Promise.all(Array.from({ length: Number(depth ?? 1) }, worker));
    const seconds = (performance.now() - started) / 1000;
    latencies.sort((a, b) => a - b);
    return { p50: percentile(latencies, 0.5), p99: percentile(latencies, 0.99), perSecond: Number(count) / seconds };
  },
  /** Writes until `stopLoop`, reporting each acknowledged key; failures (no quorum, aborted) are retried later. */
  loop: ({ prefix }) => {
    looping = true;
    void (async () => {
      for (let i = 0; looping; i++) {
        const key = `${String(prefix)}${i}`;
        try {
          await need().put(kv, key, key);
          send({ event: 'store.acked', data: key });
        } catch {
          await new Promise((r) => setTimeout(r, 20));
        }
      }
    })();
    return null;
  },
  stopLoop: () => {
    looping = false;
    return null;
  },
  rss: () => {
    global.gc?.();
    return process.memoryUsage().rss;
  },
};

serveProbe(ops, () => {
  looping = false;
  clearInterval(holding);
  store?.close();
  membership?.close();
});
