import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { defineDocument, DocumentRegistry } from '../../../src/store/documents';
import { registerHaDocuments } from '../../../src/daemon/store/ha-adapter';
import { SimClock } from '../../../src/util/sim-clock';
import { SimCpgNetwork } from '../../../src/store/sim/sim-cpg';
import { SimQuorum } from '../../../src/store/sim/sim-quorum';
import { ClusterStore } from '../../../src/store/store';
import { loadState } from '../../../src/store/persistence';
import type { StoreState } from '../../../src/store/state';
import { DiskState, FaultyDisk } from './faulty-disk';

/** Test document types: a string map and a command queue. */
export const kv = defineDocument<string>('kv', (v) => {
  if (typeof v !== 'string') throw new Error('must be a string');
  return v;
});
export const commands = defineDocument<string[]>('commands', (v) => {
  if (!Array.isArray(v) || !v.every((x) => typeof x === 'string')) throw new Error('must be a list of strings');
  return v as string[];
});

export const leaseMs = 10_000;

/** The registry every simulated node uses: the test types and the HA documents. */
function testRegistry(): DocumentRegistry {
  const registry = new DocumentRegistry();
  registry.register(kv);
  registry.register(commands);
  registerHaDocuments(registry);
  return registry;
}

/** N simulated nodes, each with its own state directory that survives its restarts. */
export class SimCluster {
  readonly net: SimCpgNetwork;
  readonly quorum: SimQuorum;
  readonly clock = new SimClock();
  readonly stores = new Map<number, ClusterStore>();
  readonly root = fs.mkdtempSync(path.join(os.tmpdir(), 'quorate-store-'));
  readonly logs: string[] = [];
  /** Each node's disk (its faults survive restarts) and the running process's view of it. */
  readonly disks = new Map<number, DiskState>();
  private readonly processDisks = new Map<number, FaultyDisk>();

  constructor(seed: number, readonly size: number) {
    this.net = new SimCpgNetwork(seed, size);
    this.quorum = new SimQuorum(this.net);
    for (let id = 1; id <= size; id++) this.start(id);
  }

  dir(id: number): string {
    const d = path.join(this.root, `node${id}`);
    fs.mkdirSync(d, { recursive: true });
    return d;
  }

  /** Node `id`'s disk, to put faults in. */
  disk(id: number): DiskState {
    let d = this.disks.get(id);
    if (d === undefined) {
      d = new DiskState();
      this.disks.set(id, d);
    }
    return d;
  }

  start(id: number): ClusterStore {
    const disk = new FaultyDisk(this.disk(id));
    this.processDisks.set(id, disk);
    const store = new ClusterStore({
      transport: this.net.endpoint(id), quorum: this.quorum.provider(id), registry: testRegistry(), dir: this.dir(id), disk,
      clock: this.clock, leaseMs, clusterSize: this.size, log: (level, message) => this.logs.push(`${id} ${level} ${message}`),
    });
    this.stores.set(id, store);
    return store;
  }

  /** What node `id` would load from disk now (snapshot + write-ahead log). */
  diskState(id: number): StoreState | null {
    return loadState(this.dir(id));
  }

  /** Writes kv `key` on node `id`, delivers everything and resolves with the write's version. */
  async write(id: number, key: string, value: string): Promise<number> {
    const w = this.node(id).put(kv, key, value);
    await this.settle();
    return w;
  }

  node(id: number): ClusterStore {
    const s = this.stores.get(id);
    if (s === undefined) throw new Error(`node ${id} is down`);
    return s;
  }

  /** kill -9: what the process applied but had not yet written is lost with it. */
  crash(id: number): void {
    this.processDisks.get(id)?.kill();
    this.net.crash(id);
    this.stores.get(id)?.close();
    this.stores.delete(id);
  }

  /** Delivers every waiting message and lets promise callbacks run. */
  async settle(): Promise<void> {
    for (let i = 0; i < 100; i++) {
      const n = this.net.run();
      await new Promise((r) => setImmediate(r));
      if (n === 0 && !this.net.step()) return;
    }
  }

  up(): ClusterStore[] {
    return [...this.stores.values()];
  }

  destroy(): void {
    for (const s of this.stores.values()) s.close();
    this.stores.clear();
    fs.rmSync(this.root, { recursive: true, force: true });
  }
}
