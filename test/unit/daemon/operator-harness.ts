import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { storeOperatorBackend, type DaemonState, type OperatorBackend, type ParamsValidator } from '../../../src/daemon/operator/backend';
import { startOperatorServer, type OperatorServer } from '../../../src/daemon/operator/server';
import { HaStoreAdapter } from '../../../src/daemon/store/ha-adapter';
import { SimCluster } from '../store/sim-cluster';

/**
 * A node daemon's operator socket without corosync: real ClusterStores on the simulated CPG,
 * the real backend and server on a socket in a temp dir, and a pump that delivers the simulated
 * CPG's messages while requests (from this process or a CLI child) wait for them.
 */
export class OperatorHarness {
  readonly cluster: SimCluster;
  readonly dir = mkdtempSync(join(tmpdir(), 'quorate-operator-'));
  readonly socketPath = join(this.dir, 'run', 'quorate.sock');
  /** What the fake daemon state reports; tests flip it to see refusals. */
  quorate = true;
  /** Nodes the fake daemon state leaves out of its partition's members (up in the store all the same). */
  readonly away = new Set<string>();
  readonly logs: string[] = [];
  private server: OperatorServer | null = null;
  private pump: NodeJS.Timeout | null = null;

  private constructor(size: number) {
    this.cluster = new SimCluster(21, size);
  }

  static async start(options: { size?: number; validateParams?: ParamsValidator } = {}): Promise<OperatorHarness> {
    const h = new OperatorHarness(options.size ?? 2);
    await h.cluster.settle();
    h.pump = setInterval(() => h.cluster.net.run(), 2);
    h.server = await startOperatorServer(h.backend(1, options.validateParams), h.socketPath, {
      info: (m) => h.logs.push(`info ${m}`), warn: (m) => h.logs.push(`warn ${m}`), error: (m) => h.logs.push(`error ${m}`),
    });
    return h;
  }

  adapter(id: number): HaStoreAdapter {
    return new HaStoreAdapter(this.cluster.node(id), (n) => `node${n}`);
  }

  /** The backend of node `id`, over its store replica, with a daemon state the test controls. */
  backend(id: number, validateParams?: ParamsValidator): OperatorBackend {
    const nodes = this.cluster.up().map((s) => `node${s.nodeId}`).sort();
    const state = (): DaemonState => ({
      node: `node${id}`, quorate: this.quorate, members: nodes.filter((n) => !this.away.has(n)), nodes,
      crm: { role: 'slave' }, lrm: { state: 'wait_for_agent_lock', mode: 'active' }, watchdog: 'disarmed', rounds: { count: 0, lastMs: 0, maxMs: 0 },
    });
    return storeOperatorBackend(this.cluster.node(id), this.adapter(id), state, { settleMs: 1_000, ...(validateParams === undefined ? {} : { validateParams }) });
  }

  async stop(): Promise<void> {
    if (this.pump !== null) clearInterval(this.pump);
    await this.server?.close();
    this.cluster.destroy();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
