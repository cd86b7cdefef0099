/**
 * The seam between the HA logic and the world. The CRM and LRM are pure steps: the caller hands
 * them what this node sees now (membership, its replica of the store, driver results, the clock)
 * and carries out the effects they return, in order. The real daemon maps effects onto the
 * replicated store, the watchdog multiplexer and the resource drivers; the simulator maps them
 * onto its simulated cluster.
 */
import type { MembershipSnapshot } from '../quorum/types';
import type {
  ActionResult, CrmCommand, HaConfig, LockView, LrmStatus, ManagerStatus, QueuedCommand, RequestedState,
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
  /** Leased locks: acquire succeeds when free, own or expired in the store's view; renew extends own. */
  | { kind: 'lock'; op: 'acquire' | 'renew' | 'release'; lock: string }
  /** The store applies it only while the writer holds the manager lock (fencing token). */
  | { kind: 'write-manager-status'; status: ManagerStatus }
  | { kind: 'write-lrm-status'; node: string; status: LrmStatus }
  /** The manager rewrites a requested state (the `stop` command sets `stopped`). */
  | { kind: 'set-requested-state'; sid: string; state: RequestedState }
  | { kind: 'watchdog'; op: 'open' | 'update' | 'close' }
  /** Asynchronous: the outcome comes back as a DriverResult in a later LRM input. */
  | { kind: 'driver'; op: DriverOp; sid: string; uid: string; target?: string }
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

/** Operator commands arrive through the store's command queue; this is what a CLI appends. */
export type OperatorCommand = CrmCommand;

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

export type { ActionResult };
