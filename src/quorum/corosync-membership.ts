import { Cmap } from '../native/cmap';
import { formatRingId, type RingId } from '../native/ring-id';
import { Votequorum, NodeState, type VotequorumInfo } from '../native/votequorum';
import type { ClusterNode, MembershipSnapshot, MembershipSource, QdeviceState } from './types';

/** A node as corosync.conf's nodelist (read through cmap) declares it. */
export interface ConfiguredNode {
  nodeId: number;
  name: string;
  /** quorum_votes, 1 by default. */
  votes: number;
}

/**
 * The nodelist from cmap's `nodelist.node.<N>.*` entries. A node without a `name` falls back to
 * its ring0_addr, as corosync's tools do.
 */
export function configuredNodes(cmap: Cmap): ConfiguredNode[] {
  const byIndex = new Map<string, Record<string, unknown>>();
  for (const entry of cmap.iterate('nodelist.node.')) {
    const match = /^nodelist\.node\.(\d+)\.(\w+)$/.exec(entry.key);
    if (!match) continue;
    const [, index = '', field = ''] = match;
    const fields = byIndex.get(index) ?? {};
    fields[field] = entry.value;
    byIndex.set(index, fields);
  }
  const nodes: ConfiguredNode[] = [];
  for (const fields of byIndex.values()) {
    if (typeof fields.nodeid !== 'number') continue;
    const name = typeof fields.name === 'string' ? fields.name : String(fields.ring0_addr ?? `node${fields.nodeid}`);
    nodes.push({ nodeId: fields.nodeid, name, votes: typeof fields.quorum_votes === 'number' ? fields.quorum_votes : 1 });
  }
  return nodes.sort((a, b) => a.nodeId - b.nodeId);
}

export interface CorosyncMembershipOptions {
  /** How long open() waits for votequorum's first membership notification. */
  timeoutMs?: number;
  /**
   * How often the snapshot is re-read even without a notification: a quorum device poll changes
   * the vote totals without any votequorum event (seen on corosync 3.1.7).
   */
  pollIntervalMs?: number;
}

/**
 * The MembershipSource on real corosync: votequorum for votes, quorum and ring id, cmap for the
 * node names and whether a quorum device is configured. Every votequorum notification and every
 * nodelist change in cmap produces a fresh snapshot for the listeners.
 */
export class CorosyncMembership implements MembershipSource {
  private readonly listeners = new Set<(snapshot: MembershipSnapshot) => void>();
  private ringId: RingId | undefined;
  private snapshot: MembershipSnapshot | undefined;
  private isClosed = false;
  private lostWith: Error | undefined;
  private readonly poller: NodeJS.Timeout;
  /**
   * cmap's view of the configuration, re-read only when cmap announces a change: a cmap call
   * blocks for the whole of a membership sync (up to the quorum device's sync_timeout), and a
   * notification handler that waits on cmap stalls the event loop, the quorum device client's
   * heartbeats with it.
   */
  private configured: ConfiguredNode[];
  private deviceConfigured: boolean;

  /** Connects in this network namespace and resolves once the ring id is known. */
  static async open(options: CorosyncMembershipOptions = {}): Promise<CorosyncMembership> {
    const cmap = Cmap.open();
    let votequorum: Votequorum;
    try {
      votequorum = Votequorum.open();
    } catch (err) {
      cmap.close();
      throw err;
    }
    const membership = new CorosyncMembership(votequorum, cmap, options.pollIntervalMs);
    try {
      await membership.ready(options.timeoutMs ?? 5000);
    } catch (err) {
      membership.close();
      throw err;
    }
    return membership;
  }

  constructor(
    private readonly votequorum: Votequorum,
    private readonly cmap: Cmap,
    pollIntervalMs = 1000,
  ) {
    const refresh = () => this.refresh();
    this.configured = configuredNodes(cmap);
    this.deviceConfigured = cmap.find('quorum.device.model') !== undefined;
    this.poller = setInterval(() => this.pollForChange(), pollIntervalMs);
    // Like the handles themselves, the poll alone does not keep a process alive.
    this.poller.unref();
    votequorum.on('nodelist', ({ ringId }) => {
      this.ringId = ringId;
      refresh();
    });
    votequorum.on('quorum', refresh);
    votequorum.on('expectedVotes', refresh);
    votequorum.on('error', (err) => this.fail(err));
    cmap.on('change', () => {
      this.configured = configuredNodes(cmap);
      this.deviceConfigured = cmap.find('quorum.device.model') !== undefined;
      refresh();
    });
    cmap.on('error', (err) => this.fail(err));
    cmap.track('nodelist.', { prefix: true });
    cmap.track('quorum.device.', { prefix: true });
    votequorum.trackStart();
  }

  /** Why the connection to corosync broke, if it did; the snapshot then shows no quorum. */
  get connectionError(): Error | undefined {
    return this.lostWith;
  }

  current(): MembershipSnapshot {
    if (this.isClosed) throw new Error('membership source is closed');
    this.snapshot ??= this.read();
    return this.snapshot;
  }

  onChange(listener: (snapshot: MembershipSnapshot) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  close(): void {
    if (this.isClosed) return;
    this.isClosed = true;
    clearInterval(this.poller);
    this.listeners.clear();
    this.votequorum.close();
    this.cmap.close();
  }

  private ready(timeoutMs: number): Promise<void> {
    if (this.ringId !== undefined) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.votequorum.off('nodelist', done);
        reject(new Error(`no membership notification from votequorum within ${timeoutMs} ms`));
      }, timeoutMs);
      const done = () => {
        clearTimeout(timer);
        resolve();
      };
      this.votequorum.once('nodelist', done);
    });
  }

  private refresh(): void {
    if (this.isClosed || this.lostWith !== undefined) return;
    this.snapshot = this.read();
    for (const listener of this.listeners) listener(this.snapshot);
  }

  /** Publishes a snapshot only when re-reading it shows a change no notification announced. */
  private pollForChange(): void {
    if (this.isClosed || this.lostWith !== undefined || this.snapshot === undefined) return;
    let next: MembershipSnapshot;
    try {
      next = this.read();
    } catch (err) {
      this.fail(err instanceof Error ? err : new Error(String(err)));
      return;
    }
    if (JSON.stringify(next) === JSON.stringify(this.snapshot)) return;
    this.snapshot = next;
    for (const listener of this.listeners) listener(next);
  }

  private fail(err: Error): void {
    // The connection to corosync is gone: nobody may believe in quorum any more.
    this.lostWith ??= err;
    if (this.isClosed || this.snapshot === undefined) return;
    this.snapshot = { ...this.snapshot, quorate: false, nodes: this.snapshot.nodes.map((n) => ({ ...n, member: false })) };
    for (const listener of this.listeners) listener(this.snapshot);
  }

  private read(): MembershipSnapshot {
    const local = this.votequorum.getInfo(0);
    const nodes: ClusterNode[] = this.configured.map(({ nodeId, name, votes }) => {
      const info = this.nodeInfo(nodeId);
      return { nodeId, name, votes: info?.votes ?? votes, member: info?.state === NodeState.member };
    });
    return {
      localNodeId: local.nodeId,
      quorate: local.flagSet.quorate,
      ringId: this.ringId === undefined ? '' : formatRingId(this.ringId),
      expectedVotes: local.expectedVotes,
      totalVotes: local.totalVotes,
      quorum: local.quorum,
      nodes,
      qdevice: this.qdevice(local),
    };
  }

  /** A node votequorum has never seen answers CS_ERR_NOT_EXIST. */
  private nodeInfo(nodeId: number): VotequorumInfo | undefined {
    try {
      return this.votequorum.getInfo(nodeId);
    } catch (err) {
      if ((err as { code?: unknown }).code === 'CS_ERR_NOT_EXIST') return undefined;
      throw err;
    }
  }

  private qdevice(local: VotequorumInfo): QdeviceState | null {
    if (!this.deviceConfigured) return null;
    const flags = local.flagSet;
    return {
      name: local.qdeviceName,
      voting: flags.qdeviceRegistered && flags.qdeviceAlive && flags.qdeviceCastVote,
      votes: local.qdeviceVotes,
    };
  }
}
