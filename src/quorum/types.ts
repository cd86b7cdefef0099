/**
 * The membership seam: who is in the cluster and whether this partition is quorate. The HA
 * manager reads only this interface; it is implemented on the native addon (real corosync) and
 * by the simulator.
 */
export interface ClusterNode {
  nodeId: number;
  name: string;
  /** Votes this node contributes (votequorum). */
  votes: number;
  /** In the current membership of this node's partition. */
  member: boolean;
}

export interface QdeviceState {
  name: string;
  /** The device's vote counts in this partition right now. */
  voting: boolean;
  votes: number;
}

export interface MembershipSnapshot {
  localNodeId: number;
  quorate: boolean;
  /** Totem ring id as "<rep node id>.<seq>". */
  ringId: string;
  expectedVotes: number;
  totalVotes: number;
  quorum: number;
  nodes: ClusterNode[];
  /** null when the cluster has no quorum device configured. */
  qdevice: QdeviceState | null;
}

export interface MembershipSource {
  current(): MembershipSnapshot;
  /** Called after every membership or quorum change with the new snapshot. */
  onChange(listener: (snapshot: MembershipSnapshot) => void): () => void;
  close(): void;
}
