/**
 * Fencing by a fence device: the fast proof, run in parallel with the lease (manager.ts,
 * fencing). The master asks the seam to power a lost node off (`fence-device` effect); the
 * daemon runs the node's fence levels (src/fence), the simulator its device models. A result
 * comes back in a later CRM input, and counts as proof only when all of these hold:
 * 1. It answers this master's current attempt for the node (a result of an older attempt, of
 *    another master, or one that arrives after a master change is ignored).
 * 2. The node has not been in this master's membership since the attempt was requested: what a
 *    device says about the past proves nothing about an incarnation that booted since.
 * 3. The proof was recorded in the manager status and this master read it back from its copy of
 *    the store: it went through the agreed order under the manager lock, so a stale master whose
 *    writes are refused never acts on it, and the door to recovery (safety.ts, assertFenced)
 *    finds it there.
 * docs/design/safety.md gives why a confirmed off outside the membership is enough, and what the
 * lease still guarantees when a device lies.
 */
import type { Effects } from './env';
import type { ManagerStatus } from './types';

/** What a node's fence devices established for one attempt. */
export interface FenceDeviceResult {
  node: string;
  attempt: string;
  /** A device's off action succeeded and its status then reported the node off. */
  off: boolean;
  /** The device that confirmed the off, or the last one tried. */
  device: string;
  /** Why no level confirmed the node off. */
  reason?: string;
}

/** A confirmed off as recorded in the manager status (ManagerStatus.fenceProofs). */
export interface DeviceFenceProof {
  attempt: string;
  device: string;
}

/** The master's own attempt for a node, in its memory only. */
export interface FenceAttempt {
  id: string;
  requestedAt: number;
  /** When its result said no device confirmed the off. */
  failedAt?: number;
  /** The master acted on its recorded proof (logged, node state, restore) already. */
  acknowledged?: boolean;
}

/** What the CRM gets from the fencing seam each round. */
export interface FenceDeviceInput {
  /** Nodes with fence devices configured. */
  nodes: string[];
  /** Results that arrived since the last round. */
  results: FenceDeviceResult[];
}

export const noFenceDevices: FenceDeviceInput = { nodes: [], results: [] };

/** A failed attempt is tried again this long after its result (each attempt runs every level). */
export const deviceRetryMs = 5000;

export interface DeviceFenceRound {
  node: string;
  now: number;
  master: string;
  /** Whether the node is in this master's quorate membership now. */
  inSight: boolean;
  /** When this master (or this node as a slave before) last saw the node in its membership. */
  lastOnline: number | undefined;
  attempts: Record<string, FenceAttempt>;
  devices: FenceDeviceInput;
  /** The proof as this round's copy of the store holds it. */
  recorded: DeviceFenceProof | undefined;
  /** The working manager status of this round; proofs are recorded here. */
  status: ManagerStatus;
  fx: Effects;
}

function forgetProof(status: ManagerStatus, node: string): void {
  if (status.fenceProofs?.[node] === undefined) return;
  delete status.fenceProofs[node];
  if (Object.keys(status.fenceProofs).length === 0) delete status.fenceProofs;
}

/**
 * One round of the device path for a node whose fence is requested. Returns the proof once it
 * holds (read back from the store, for this master's current attempt, the node out of sight
 * since the attempt); requests, records and retries on the way.
 */
export function deviceFence(r: DeviceFenceRound): DeviceFenceProof | null {
  const { node, fx, attempts } = r;
  const open = attempts[node];
  if (open !== undefined && (r.inSight || (r.lastOnline ?? -Infinity) >= open.requestedAt)) {
    delete attempts[node];
    fx.info(`fencing: node '${node}' was back in sight during fence attempt ${open.id}: its outcome does not count`);
  }
  if (r.inSight) {
    forgetProof(r.status, node);
    return null;
  }
  const current = attempts[node];
  if (current !== undefined) {
    for (const result of r.devices.results) {
      if (result.node !== node || result.attempt !== current.id) continue;
      if (result.off) {
        r.status.fenceProofs = { ...r.status.fenceProofs, [node]: { attempt: current.id, device: result.device } };
        fx.info(`fencing: device '${result.device}' confirmed node '${node}' off (attempt ${current.id}), recording the proof`);
      } else {
        current.failedAt = r.now;
        fx.warn(`fencing: no fence device confirmed node '${node}' off (${result.device}: ${result.reason ?? 'no reason'}); the lease still fences it, next attempt in ${deviceRetryMs / 1000} s`);
      }
    }
    if (r.recorded?.attempt === current.id) return r.recorded;
    if (current.failedAt === undefined || r.now - current.failedAt < deviceRetryMs) return null;
    delete attempts[node];
  }
  if (!r.devices.nodes.includes(node)) return null;
  // Unique across masters and daemon lives: the status's uid counter (written with the request) and this clock.
  r.status.uidCounter += 1;
  const id = `${r.master}.${r.status.uidCounter}@${r.now}`;
  attempts[node] = { id, requestedAt: r.now };
  fx.push({ kind: 'fence-device', op: 'off', node, attempt: id });
  fx.info(`fencing: asking the fence devices of node '${node}' to power it off (attempt ${id})`);
  return null;
}
