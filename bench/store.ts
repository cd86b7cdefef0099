import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { NamespaceLab } from '../src/lab/namespace-lab';
import type { NodeHost } from '../src/lab/names';
import { labUnavailableReason } from '../src/lab/requirements';
import { applyOperation } from '../src/store/apply';
import { defineDocument, DocumentRegistry } from '../src/store/documents';
import { saveState, StateLog } from '../src/store/persistence';
import { emptyState } from '../src/store/state';
import type { StoreStatus } from '../src/store/store';
import type { Probe } from '../test/lab/native/probe-client';
import { StoreLab } from '../test/lab/store/store-lab';
import { percentile } from '../src/util/percentile';
import { wholeNumber, type Benchmark } from './benchmark';

/**
 * `npm run bench -- store [writes]`: the cluster store on real corosync in the lab (fast
 * profile, qnetd): commit latency (send → applied and persisted locally) p50/p99 and writes/s
 * with 2 and 3 nodes, state sync time after a partition heals with 10,000 keys, RSS per 10,000 keys.
 * First, without the lab, the cost of persisting one applied write on this disk: the previous
 * format (whole state file rewritten, fsync, rename, fsync dir) against one write-ahead log append.
 */

interface Burst { p50: number; p99: number; perSecond: number }

async function withCluster(nodes: 2 | 3, body: (lab: NamespaceLab, probes: Map<NodeHost, Probe>) => Promise<void>): Promise<void> {
  const cluster = new StoreLab(nodes, 10_000);
  console.log(`store: bringing up a ${nodes}-node lab with a store process on each node`);
  try {
    await body(await cluster.up(), cluster.probes);
  } finally {
    await cluster.down();
  }
}

const ms = (v: number) => `${v.toFixed(2)} ms`;

function percentiles(samples: number[]): { p50: number; p99: number } {
  const sorted = [...samples].sort((a, b) => a - b);
  return { p50: percentile(sorted, 0.5), p99: percentile(sorted, 0.99) };
}

/** Persisting `writes` single-put batches on a state of `keys` keys, both ways, timed per write. */
function persistenceCost(keys: number, writes: number): void {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'quorate-store-persist-bench-'));
  try {
    const registry = new DocumentRegistry();
    registry.register(defineDocument<string>('kv', (v) => String(v)));
    const state = emptyState();
    for (let i = 0; i < keys; i++) applyOperation(state, registry, 1, { kind: 'put', type: 'kv', key: `k${i}`, value: 'v'.repeat(64) });
    const log = new StateLog(dir);
    log.compact(state);
    const whole: number[] = [];
    const appended: number[] = [];
    for (let i = 0; i < writes; i++) {
      const key = `w${i}`;
      applyOperation(state, registry, 1, { kind: 'put', type: 'kv', key, value: 'v'.repeat(64) });
      let t0 = performance.now();
      saveState(dir, state);
      whole.push(performance.now() - t0);
      t0 = performance.now();
      log.append({ epoch: state.epoch, epochMembers: state.epochMembers, version: state.version, demoted: false, docs: [['kv', key, state.docs.kv?.[key]]], locks: [] });
      appended.push(performance.now() - t0);
    }
    log.close();
    const w = percentiles(whole);
    const a = percentiles(appended);
    console.log(`store persistence of one write, ${keys} keys, ${writes} writes: whole-file rewrite (old) p50 ${ms(w.p50)} p99 ${ms(w.p99)}; ` +
      `log append (new) p50 ${ms(a.p50)} p99 ${ms(a.p99)}`);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

async function run(writes: number): Promise<void> {
  const reason = labUnavailableReason();
  if (reason !== undefined) throw new Error(`the store benchmark needs the lab: ${reason}`);
  for (const keys of [100, 10_000]) persistenceCost(keys, 200);
  for (const nodes of [2, 3] as const) {
    await withCluster(nodes, async (_lab, probes) => {
      const p1 = probes.get('node1') as Probe;
      const serial = await p1.call<Burst>('burst', { prefix: 'serial-', count: writes, depth: 1 });
      const piped = await p1.call<Burst>('burst', { prefix: 'piped-', count: writes, depth: 32 });
      console.log(`store, ${nodes} nodes: commit latency p50 ${ms(serial.p50)} p99 ${ms(serial.p99)} (one at a time, ${serial.perSecond.toFixed(0)} writes/s); ` +
        `32 in flight: ${piped.perSecond.toFixed(0)} writes/s, p99 ${ms(piped.p99)}`);
    });
  }
  await withCluster(2, async (lab, probes) => {
    const p1 = probes.get('node1') as Probe;
    const p2 = probes.get('node2') as Probe;
    const rss0 = await p1.call<number>('rss');
    await p2.call<Burst>('burst', { prefix: 'k', count: 10_000, depth: 64 });
    const rss1 = await p1.call<number>('rss');
    console.log(`store: RSS of a node +${((rss1 - rss0) / 1048576).toFixed(1)} MB per 10,000 keys (64-byte values; ${(rss1 / 1048576).toFixed(0)} MB total)`);
    await lab.cutLink('node1');
    await p2.waitFor<StoreStatus>('store.synced', (s) => s.members.join() === '2', 30_000);
    await p2.call<Burst>('burst', { prefix: 'after-split-', count: 100, depth: 8 });
    const from = p1.seen('store.synced').length;
    const t0 = performance.now();
    await lab.restoreLink('node1');
    const synced = await p1.waitFor<StoreStatus & { syncMs: number }>('store.synced', (s) => s.members.join() === '1,2', 60_000, from);
    const total = performance.now() - t0;
    console.log(`store: heal with 10,100 keys: state exchange ${ms(synced.syncMs)} (confchg to writable); ${ms(total)} from link up, ` +
      `including corosync re-forming the membership; version ${synced.version}`);
  });
}

export const benchmark: Benchmark = {
  summary: 'replicated store on real corosync: persistence cost, commit latency, writes/s, RSS, heal time',
  estimate: 'about 2 minutes (three labs; 1000 writes each way)',
  declare: (command) => command.argument('[writes]', 'writes per latency burst', wholeNumber(1), 1000),
  run: (_options, [writes]) => run(writes as number),
};
