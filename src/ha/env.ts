/**
 * The seam between the HA logic and the world. The CRM and LRM are pure steps: the caller hands
 * them what this node sees now (membership, its replica of the store, driver results, the clock)
 * and carries out the effects they return, in order. The real daemon maps effects onto the
 * replicated store, the watchdog multiplexer and the resource drivers; the simulator maps them
 * onto its simulated cluster (src/ha/sim).
 *
 * Driving a node: every round (timings.roundMs) call crmStep, carry out its effects, then
 * lrmStep with the driver results that arrived since, and carry out its effects. Outcomes of
 * lock and store effects are not returned: the next round's StoreView shows them.
 *
 * What the store behind StoreView must guarantee (the simulator models exactly this):
 * - Writes and lock operations go through the agreed order of the partition and are refused
 *   when this node is not quorate; `write-manager-status` only while the writer holds the
 *   manager lock unexpired (a fencing token against a stale master).
 * - Lock ages are measured by each node's own monotonic clock from when it saw the last
 *   acquire or renewal; a node that (re)starts counts ages from when it first sees a lock, and
 *   a lock taken by a previous incarnation of this node is not its own.
 * - After a restart a node's copy is not current until it has joined a partition holding a
 *   current copy (or all cluster nodes are together); until then report quorate = false.
 */
import type { MembershipSnapshot } from '../quorum/types';
import type {
  HaConfig, LockView, LrmStatus, ManagerStatus, QueuedCommand, RequestedState,
} from './types';

/** What one node sees of the cluster right now. */
export interface ClusterView {
  /** Monotonic ms on this node's clock. */
  now: number;
  node: string;
  quorate: boolean;
  /** Nodes in this node's current membership (its partition), this node included. */
  members: string[];
  /** All nodes configured in the cluster. */
  nodes: string[];
}

/** This node's replica of the HA documents; read-only outside the quorate partition. */
export interface StoreView {
  config: HaConfig;
  managerStatus: ManagerStatus | null;
  lrmStatus: Record<string, LrmStatus>;
  commands: QueuedCommand[];
  locks: Record<string, LockView>;
}

export type LogLevel = 'info' | 'warn' | 'err';

export type HaEffect =
  | { kind: 'log'; level: LogLevel; msg: string }
  /**
   * Leased locks. acquire: only when free or expired (even for the same node: an unexpired lock may
   * be a previous life's); renew: only the unexpired holder; release: only the holder. Lock ages
   * count from when the replica first saw the lock, so a node that boots with an old copy waits a
   * whole lease before anything it finds there is free.
   */
  | { kind: 'lock'; op: 'acquire' | 'renew' | 'release'; lock: string }
  /** The store applies it only while the writer holds the manager lock (fencing token). */
  | { kind: 'write-manager-status'; status: ManagerStatus }
  | { kind: 'write-lrm-status'; node: string; status: LrmStatus }
  /**
   * The manager edits a resource's config: the `stop` command sets `stopped`, and every move
   * records the new node, so the config always names where the service lives.
   */
  | { kind: 'update-resource'; sid: string; changes: { state?: RequestedState; node?: string } }
  /** handover: leave the open lease to the next daemon on this node (a daemon stop, lrm.ts). */
  | { kind: 'watchdog'; op: 'open' | 'update' | 'close' | 'handover' }
  /** Asynchronous: the outcome comes back as a DriverResult in a later LRM input. */
  | { kind: 'driver'; op: DriverOp; sid: string; uid: string; target?: string }
  /**
   * The fencing seam (fence-device.ts), asynchronous: `off` asks the node's fence devices to
   * power it off and confirm it, the outcome comes back as a FenceDeviceResult in a later CRM
   * input; `restore` follows a proof the store recorded: power the node back on if the fence
   * policy says so (the daemon's config: reboot or off).
   */
  | { kind: 'fence-device'; op: 'off'; node: string; attempt: string }
  | { kind: 'fence-device'; op: 'restore'; node: string }
  /** The LRM finished its shutdown: the node may power off (or reboot). */
  | { kind: 'exit' };

export type DriverOp = 'start' | 'stop' | 'migrate' | 'relocate';

export interface DriverResult {
  sid: string;
  uid: string;
  op: DriverOp;
  ok: boolean;
}

export interface StepResult<S> {
  state: S;
  effects: HaEffect[];
}

/** Builds the cluster view from a membership snapshot: members are names of nodes in the partition. */
export function viewFromMembership(snapshot: MembershipSnapshot, now: number): ClusterView {
  const local = snapshot.nodes.find((n) => n.nodeId === snapshot.localNodeId);
  if (local === undefined) throw new Error(`membership snapshot lacks the local node ${snapshot.localNodeId}`);
  return {
    now,
    node: local.name,
    quorate: snapshot.quorate,
    members: snapshot.nodes.filter((n) => n.member).map((n) => n.name).sort(),
    nodes: snapshot.nodes.map((n) => n.name).sort(),
  };
}

/** Collects effects in order; the log helpers keep call sites short. */
export class Effects {
  readonly list: HaEffect[] = [];
  push(effect: HaEffect): void {
    this.list.push(effect);
  }
  info(msg: string): void {
    this.list.push({ kind: 'log', level: 'info', msg });
  }
  warn(msg: string): void {
    this.list.push({ kind: 'log', level: 'warn', msg });
  }
  err(msg: string): void {
    this.list.push({ kind: 'log', level: 'err', msg });
  }
}
