import type { DeviceFenceProof } from './fence-device';

/**
 * The documents the HA stack keeps in the replicated store, and the states they carry. Plain
 * JSON-able data: the store replicates them, the CRM and LRM read them as input.
 */

/**
 * What the manager is doing with a service right now. `request_start`: it is to start and waits
 * for a node to be chosen; `request_start_balance`: it starts on a better node than the one it
 * is on (`target`), moved there while stopped.
 */
export type ServiceState =
  | 'stopped' | 'request_stop' | 'request_start' | 'request_start_balance' | 'started' | 'fence' | 'recovery' | 'freeze'
  | 'migrate' | 'relocate' | 'error';

/** What the operator asked for in the resource config. `ignored` takes the service out of HA. */
export type RequestedState = 'started' | 'stopped' | 'disabled' | 'ignored';

export type NodeState = 'online' | 'maintenance' | 'unknown' | 'fence' | 'gone';

/** vm: live-migratable guests; ct: containers, always moved by stop + start elsewhere. */
export type ResourceKind = 'vm' | 'ct';

/**
 * What a resource takes of the node it runs on, for placement by static load (Proxmox's static
 * CRS): its cores and memory as configured (a VM's vcpus and memory), not what it uses now.
 */
export interface ResourceNeeds {
  cores: number;
  memoryMiB: number;
}

/** What a node offers its resources: from its daemon config, or read from the node (nproc, MemTotal). */
export interface NodeCapacity {
  cores: number;
  memoryMiB: number;
}

export interface ResourceConfig {
  node: string;
  state: RequestedState;
  /** Legacy group membership (node priorities, restricted, nofailback); compiled into rules. */
  group?: string;
  /** Move back to a higher-priority node when it returns. */
  failback: boolean;
  /** Local restart tries after a failed start before the manager relocates. */
  maxRestart: number;
  /** Relocations to other nodes after failed starts before the service enters `error`. */
  maxRelocate: number;
  /** Parameters for the resource driver (a lab service's floating address, say); the HA core ignores them. */
  params?: Record<string, string>;
  /** Static needs for placement; without them the resource counts as taking nothing (src/ha/static-load.ts). */
  needs?: ResourceNeeds;
}

export interface GroupConfig {
  /** node → priority; higher runs first. */
  nodes: Record<string, number>;
  /** The service may only run on the group's nodes; with none online it stays stopped. */
  restricted: boolean;
  /** No automatic move back to a higher-priority node. */
  nofailback: boolean;
}

export interface NodeAffinityRule {
  type: 'node-affinity';
  id: string;
  resources: string[];
  nodes: Record<string, number>;
  strict: boolean;
}

export interface ResourceAffinityRule {
  type: 'resource-affinity';
  id: string;
  resources: string[];
  affinity: 'together' | 'apart';
}

export type HaRule = NodeAffinityRule | ResourceAffinityRule;

export type ShutdownPolicy = 'conditional' | 'freeze' | 'failover' | 'migrate';

export interface HaSettings {
  shutdownPolicy: ShutdownPolicy;
}

/** The operator-owned configuration documents. */
export interface HaConfig {
  resources: Record<string, ResourceConfig>;
  groups: Record<string, GroupConfig>;
  rules: HaRule[];
  settings: HaSettings;
}

/** A command for the manager, queued by an operator on any node and consumed once by sequence. */
export type CrmCommand =
  | { cmd: 'migrate' | 'relocate'; sid: string; target: string }
  | { cmd: 'stop'; sid: string }
  | { cmd: 'enable-node-maintenance' | 'disable-node-maintenance'; node: string }
  | { cmd: 'disarm-ha'; mode: DisarmMode }
  | { cmd: 'arm-ha' };

export interface QueuedCommand {
  /** Assigned by the store in agreed order; the manager records the last one it consumed. */
  seq: number;
  command: CrmCommand;
}

export type DisarmMode = 'freeze' | 'ignore';

export interface ServiceStatus {
  state: ServiceState;
  node: string;
  /** Fresh for every state change: the LRM executes each uid at most once. */
  uid: string;
  target?: string;
  /** Nodes where a start failed, for the relocate policy. */
  failedNodes?: string[];
  /** The node the service left for maintenance, to move back to afterwards. */
  maintenanceNode?: string;
  /** The LRM reported the service running for the current uid. */
  running?: boolean;
}

export interface ManagerStatus {
  master: string;
  nodeStatus: Record<string, NodeState>;
  serviceStatus: Record<string, ServiceStatus>;
  /** node → maintenance requested by an operator command. */
  nodeRequest: Record<string, { maintenance: boolean }>;
  disarm: { mode: DisarmMode; state: 'disarming' | 'disarmed' } | null;
  /** Counter behind uids, so uids stay unique across master changes. */
  uidCounter: number;
  /** Highest command sequence already consumed: no command runs twice. */
  commandSeq: number;
  /**
   * Nodes the manager allowed to drop lock and watchdog for a disarm. It never fences them by
   * taking their lock (nothing would have stopped their services); a node leaves this list once
   * the manager sees it hold its agent lock again after arm-ha.
   */
  unprotected: string[];
  /**
   * node → the fence device that confirmed it off, recorded before recovery acts on it
   * (fence-device.ts); kept until the node is back in sight, so status can say how it was fenced.
   */
  fenceProofs?: Record<string, DeviceFenceProof>;
}

export type LrmMode = 'active' | 'restart' | 'shutdown' | 'maintenance' | 'disarm';
export type LrmDaemonState = 'wait_for_agent_lock' | 'active' | 'lost_agent_lock' | 'exited';

export type ActionResult = 'success' | 'error' | 'wrong_node';

export interface LrmStatus {
  mode: LrmMode;
  state: LrmDaemonState;
  /** uid → outcome of the action requested under that uid. */
  results: Record<string, { sid: string; result: ActionResult }>;
  /** The node's capacity, published by its LRM for placement by static load. */
  capacity?: NodeCapacity;
}

/** One lock as this node's replica of the store sees it. */
export interface LockView {
  holder: string;
  /**
   * ms on this node's monotonic clock since the replica saw the lock acquired or renewed; for the
   * viewer's own lock, since it sent the request that got it granted or renewed.
   */
  ageMs: number;
  /**
   * The viewer's own lock, without a grant or renewal of its own confirmed yet (a restarted
   * daemon's adopted lock): not fresh, whatever its age, but still its to renew.
   */
  unconfirmed?: boolean;
}

export const managerLockName = 'ha-manager';
export function agentLockName(node: string): string {
  return `ha-agent-${node}`;
}

export const defaultResource = (node: string): ResourceConfig => ({
  node, state: 'started', failback: true, maxRestart: 1, maxRelocate: 1,
});
