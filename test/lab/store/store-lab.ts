import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { NamespaceLab } from '../../../src/lab/namespace-lab';
import { nodeHostNames, type NodeHost } from '../../../src/lab/names';
import type { StoreStatus } from '../../../src/store/store';
import { Probe } from '../native/probe-client';

const storeNodeScript = path.join(__dirname, 'probes', 'store-node.js');

/** A lab (fast profile, qnetd) with a store-node probe per node, each with its own state directory. */
export class StoreLab {
  lab: NamespaceLab | undefined;
  readonly probes = new Map<NodeHost, Probe>();
  private readonly root = fs.mkdtempSync(path.join(os.tmpdir(), 'quorate-store-lab-'));

  readonly hosts: NodeHost[];

  constructor(private readonly size: number, private readonly leaseMs: number) {
    this.hosts = nodeHostNames(size);
  }

  /** Brings the lab up, starts every node's store and waits until they synchronised together. */
  async up(): Promise<NamespaceLab> {
    this.lab = await NamespaceLab.up({ profile: 'fast', nodes: this.size });
    for (const h of this.hosts) await this.startNode(h);
    const all = this.hosts.map((_, i) => i + 1);
    await Promise.all(this.hosts.map((h) => this.synced(h, all)));
    return this.lab;
  }

  probe(h: NodeHost): Probe {
    return this.probes.get(h) as Probe;
  }

  status(h: NodeHost): Promise<StoreStatus> {
    return this.probe(h).call<StoreStatus>('status');
  }

  /** Starts (or restarts) the store on `h` over the state directory it had before. */
  async startNode(h: NodeHost): Promise<void> {
    const dir = path.join(this.root, h);
    fs.mkdirSync(dir, { recursive: true });
    const p = await Probe.start(this.lab as NamespaceLab, h, storeNodeScript, [dir, String(this.leaseMs)]);
    this.probes.set(h, p);
    await p.call('open');
  }

  /** Waits until `h` finished a state exchange with exactly `members` node ids. */
  async synced(h: NodeHost, members: number[], timeoutMs = 30_000): Promise<void> {
    const p = this.probe(h);
    await p.waitFor<StoreStatus>('store.synced', (s) => s.members.join() === members.join(), timeoutMs, Math.max(0, p.seen('store.synced').length - 1));
  }

  /** Stops every probe and the lab and removes the state directories; safe after a failed `up`. */
  async down(): Promise<void> {
    await Promise.all([...this.probes.values()].map((p) => p.stop()));
    await this.lab?.down();
    fs.rmSync(this.root, { recursive: true, force: true });
  }
}
