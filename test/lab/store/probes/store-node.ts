/**
 * A store node inside a lab node (`node dist/test/lab/store/probes/store-node.js DIR LEASE_MS`):
 * a ClusterStore on real corosync (addon CPG, votequorum membership), driven by JSON lines:
 *   stdin:  {"id": 1, "op": "put", "args": {"key": "a", "value": "x"}}
 *   stdout: {"id": 1, "ok": true, "result": ...} | {"id": 1, "ok": false, "error": {...}}
 *           {"event": "store.synced", "data": {status, syncMs}}   after each state exchange
 *           {"event": "store.acked", "data": "key"}       during a write loop
 */
import { defineDocument, DocumentRegistry } from '../../../../src/store/documents';
import { NativeCpgTransport } from '../../../../src/store/native-cpg';
import { quorumFromMembership } from '../../../../src/store/quorum';
import { ClusterStore } from '../../../../src/store/store';
import { CorosyncMembership } from '../../../../src/quorum/corosync-membership';
import { monotonicClock } from '../../../../src/util/clock';
import { sendLine, serveProbe, type ProbeOps } from '../../native/probes/serve';

const kv = defineDocument<string>('kv', (v) => {
  if (typeof v !== 'string') throw new Error('must be a string');
  return v;
});

const send = sendLine;

const [dir = '.', leaseArg = '10000'] = process.argv.slice(2);
let store: ClusterStore | undefined;
let membership: CorosyncMembership | undefined;
let looping = false;

function need(): ClusterStore {
  if (store === undefined) throw new Error('store is not open');
  return store;
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? Number.NaN;
}

const ops: ProbeOps = {
  open: async () => {
    membership = await CorosyncMembership.open();
    const registry = new DocumentRegistry();
    registry.register(kv);
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
    return store.nodeId;
  },
  status: () => need().status(),
  put: ({ key, value }) => need().put(kv, String(key), String(value)),
  get: ({ key }) => need().get(kv, String(key)) ?? null,
  count: () => need().entries(kv).length,
  acquire: ({ lock }) => need().acquireLock(String(lock)),
  release: ({ lock }) => need().releaseLock(String(lock)),
  locks: () => need().locks(),
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
  store?.close();
  membership?.close();
});
