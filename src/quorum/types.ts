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
  /**
   * The latest snapshot, at any time after construction and without waiting: the daemon reads it
   * at the start of every round. `quorate` is votequorum's view; it may lag a cut by Q_stale
   * (docs/design/safety.md), so callers never take it alone as a licence to run services.
   */
  current(): MembershipSnapshot;
  /**
   * Called after every membership or quorum change with the new snapshot, in the order corosync
   * delivered them, on the event loop (never re-entrantly); returns the unsubscribe function.
   */
  onChange(listener: (snapshot: MembershipSnapshot) => void): () => void;
  /** Stops delivering changes and frees the corosync connections; current() is not called after it. */
  close(): void;
}
