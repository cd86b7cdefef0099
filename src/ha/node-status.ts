/**
 * Node states as the master sees them: online, maintenance, unknown (not in the quorate
 * partition), fence (its services wait for its agent lock), gone (deleted from the cluster,
 * forgotten after goneCleanupMs).
 */
import type { Effects } from './env';
import type { LrmStatus, ManagerStatus, NodeState } from './types';

export interface NodeContext {
  now: number;
  nodes: string[];
  online: (node: string) => boolean;
  lrmStatus: Record<string, LrmStatus>;
  /**
   * In-memory: when this node, quorate without a break, last saw each node online. Slaves keep
   * it too, so a new master does not start counting a dead node's absence from zero.
   */
  lastOnline: Record<string, number>;
  goneCleanupMs: number;
}

export function setNodeState(status: ManagerStatus, node: string, next: NodeState, fx: Effects, why: string): void {
  const prev = status.nodeStatus[node];
  if (prev === next) return;
  status.nodeStatus[node] = next;
  fx.info(`node '${node}': state changed from '${prev ?? 'new'}' to '${next}' (${why})`);
}

/** Records who is online now; a node first seen offline counts as last online now (conservative). */
export function trackLastOnline(lastOnline: Record<string, number>, nodes: string[], online: (node: string) => boolean, now: number): void {
  for (const node of nodes) {
    if (online(node)) lastOnline[node] = now;
    else lastOnline[node] ??= now;
  }
}

export function updateNodeStates(status: ManagerStatus, ctx: NodeContext, fx: Effects): void {
  const known = [...new Set([...ctx.nodes, ...Object.keys(status.nodeStatus)])].sort();
  trackLastOnline(ctx.lastOnline, known, ctx.online, ctx.now);
  for (const node of known) {
    const online = ctx.online(node);
    const inMaintenance = ctx.lrmStatus[node]?.mode === 'maintenance';
    const state = status.nodeStatus[node];
    if (!ctx.nodes.includes(node)) {
      if (state === 'gone') {
        if (ctx.now - ctx.lastOnline[node]! >= ctx.goneCleanupMs) {
          delete status.nodeStatus[node];
          delete status.nodeRequest[node];
          fx.info(`node '${node}': deleted, not a cluster member any more`);
        }
      } else if (state !== 'fence') {
        setNodeState(status, node, 'gone', fx, 'removed from the cluster');
      }
      continue;
    }
    switch (state) {
      case undefined:
      case 'unknown':
      case 'gone':
        if (online) setNodeState(status, node, inMaintenance ? 'maintenance' : 'online', fx, 'seen in the quorate partition');
        else if (state === undefined || state === 'gone') setNodeState(status, node, 'unknown', fx, 'not in the quorate partition');
        break;
      case 'online':
        if (!online) setNodeState(status, node, 'unknown', fx, 'left the quorate partition');
        else if (inMaintenance) setNodeState(status, node, 'maintenance', fx, 'its LRM entered maintenance mode');
        break;
      case 'maintenance':
        if (online && !inMaintenance) setNodeState(status, node, 'online', fx, 'its LRM left maintenance mode');
        else if (!online && !inMaintenance) setNodeState(status, node, 'unknown', fx, 'left the quorate partition');
        break;
      case 'fence':
        break; // until its agent lock is taken, whatever it looks like now
    }
  }
}
