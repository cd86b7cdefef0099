/**
 * Placement by static load, as Proxmox's static cluster resource scheduler does it: each
 * resource has needs (cores, memory), each node a capacity, and a service goes to the allowed
 * node that is least loaded once it runs there.
 *
 * Scoring of a candidate node n (docs/operating.md, placement): add the service's needs to what
 * the services placed on n need; n's share of cores and of memory is that sum over n's capacity.
 * Lowest first by (1) the larger of the two shares (the scarcer resource decides: a node whose
 * memory is full is full), (2) their mean, (3) the number of HA services on n, (4) the name.
 * Resources without needs take nothing, so a cluster without any falls back to counting.
 * Proxmox ranks by the cluster-wide average and maximum after placement (TOPSIS); placing on n
 * changes only n's share, so ranking by n's own share after placement orders the same way for
 * the maximum and keeps the scoring one line.
 */
import type { NodeCapacity, ResourceNeeds, ServiceStatus } from './types';

export interface StaticLoad {
  /** sid → needs; a resource without needs takes nothing. */
  needs: Record<string, ResourceNeeds>;
  /** node → capacity; a node without one is unknown. */
  capacities: Record<string, NodeCapacity>;
}

export interface NodeScore {
  node: string;
  /** The larger of the cores and memory shares with the service placed there. */
  peak: number;
  mean: number;
}

/** What the services placed on each node need, `exclude` left out; `placedOn` says where a service counts. */
function usage(services: Record<string, ServiceStatus>, needs: StaticLoad['needs'], exclude: string, placedOn: (s: ServiceStatus) => string | null): Map<string, ResourceNeeds> {
  const used = new Map<string, ResourceNeeds>();
  for (const [sid, status] of Object.entries(services)) {
    const need = needs[sid];
    const node = placedOn(status);
    if (sid === exclude || need === undefined || node === null) continue;
    const sum = used.get(node) ?? { cores: 0, memoryMiB: 0 };
    used.set(node, { cores: sum.cores + need.cores, memoryMiB: sum.memoryMiB + need.memoryMiB });
  }
  return used;
}

/**
 * The candidates' scores for placing `sid`, or null when a candidate's capacity is unknown (the
 * caller counts services then, as Proxmox falls back to its basic scheduler).
 */
export function staticScores(sid: string, candidates: string[], services: Record<string, ServiceStatus>, load: StaticLoad, placedOn: (s: ServiceStatus) => string | null): NodeScore[] | null {
  if (candidates.some((n) => load.capacities[n] === undefined)) return null;
  const used = usage(services, load.needs, sid, placedOn);
  const need = load.needs[sid] ?? { cores: 0, memoryMiB: 0 };
  return candidates.map((node) => {
    const capacity = load.capacities[node]!;
    const on = used.get(node) ?? { cores: 0, memoryMiB: 0 };
    const cores = (on.cores + need.cores) / capacity.cores;
    const memory = (on.memoryMiB + need.memoryMiB) / capacity.memoryMiB;
    return { node, peak: Math.max(cores, memory), mean: (cores + memory) / 2 };
  });
}
