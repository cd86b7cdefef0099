import type { QuorumProvider } from '../quorum';
import type { SimCpgNetwork } from './sim-cpg';

/**
 * Quorum for the simulated network: a node is quorate when its partition holds a strict majority
 * of the cluster's nodes. `force` overrides one node, to model a quorum device that keeps an
 * isolated node "quorate" for a while (docs/design/safety.md, Q_stale).
 */
export class SimQuorum {
  private readonly forced = new Map<number, boolean>();
  private readonly listeners = new Map<number, Set<(q: boolean) => void>>();
  private readonly last = new Map<number, boolean>();

  constructor(private readonly network: SimCpgNetwork) {
    network.onViewChange(() => this.recompute());
  }

  isQuorate(nodeId: number): boolean {
    const forced = this.forced.get(nodeId);
    if (forced !== undefined) return forced;
    return this.network.reachable(nodeId).length * 2 > this.network.totalNodes;
  }

  /** Pins a node's quorum view (null returns it to the majority rule). */
  force(nodeId: number, quorate: boolean | null): void {
    if (quorate === null) this.forced.delete(nodeId);
    else this.forced.set(nodeId, quorate);
    this.recompute();
  }

  provider(nodeId: number): QuorumProvider {
    this.last.set(nodeId, this.isQuorate(nodeId));
    return {
      isQuorate: () => this.isQuorate(nodeId),
      onChange: (listener) => {
        let set = this.listeners.get(nodeId);
        if (set === undefined) {
          set = new Set();
          this.listeners.set(nodeId, set);
        }
        set.add(listener);
        return () => set.delete(listener);
      },
    };
  }

  private recompute(): void {
    for (const [nodeId, set] of this.listeners) {
      const now = this.isQuorate(nodeId);
      if (this.last.get(nodeId) === now) continue;
      this.last.set(nodeId, now);
      for (const listener of set) listener(now);
    }
  }
}
