import { NodeInfo } from '../protocol/tlv';
import { ArbiterClient } from './client';

/** ffsplit's cluster-wide phase of the two-phase vote push. */
export type FfsplitClusterState = 'waiting-for-change' | 'waiting-for-stable-membership' | 'sending-nacks' | 'sending-acks';

/**
 * The clients that share one cluster name (compared byte for byte), kept sorted by node id
 * because the algorithms' "first best wins" loops and the status listing depend on that order.
 */
export class Cluster {
  readonly clients: ArbiterClient[] = [];
  ffsplitState: FfsplitClusterState = 'waiting-for-change';
  /** ffsplit: the membership that got the vote last time (keep-active-partition tie-breaker). */
  quoratePartition: NodeInfo[] = [];

  /** The name's bytes as latin1 characters (clusterNameKey). */
  constructor(readonly name: string) {}

  add(client: ArbiterClient): void {
    let i = this.clients.length;
    while (i > 0 && this.clients[i - 1]!.nodeId > client.nodeId) i--;
    this.clients.splice(i, 0, client);
    client.cluster = this;
  }

  remove(client: ArbiterClient): void {
    const i = this.clients.indexOf(client);
    if (i >= 0) this.clients.splice(i, 1);
  }

  findByNodeId(nodeId: number): ArbiterClient | undefined {
    return this.clients.find((c) => c.nodeId === nodeId);
  }
}

/** Clusters by exact name (bytes as latin1), in creation order (the order the status listing uses). */
export class ClusterRegistry {
  private readonly byName = new Map<string, Cluster>();

  get(name: string): Cluster | undefined {
    return this.byName.get(name);
  }

  join(client: ArbiterClient, name: string): Cluster {
    let cluster = this.byName.get(name);
    if (!cluster) {
      cluster = new Cluster(name);
      this.byName.set(name, cluster);
    }
    cluster.add(client);
    return cluster;
  }

  leave(client: ArbiterClient): void {
    const cluster = client.cluster;
    if (!cluster) return;
    cluster.remove(client);
    if (cluster.clients.length === 0) this.byName.delete(cluster.name);
  }

  all(): Cluster[] {
    return [...this.byName.values()];
  }
}
