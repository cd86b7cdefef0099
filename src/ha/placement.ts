/**
 * Where should a service run? Node affinity (priority classes, strict), resource affinity
 * (together / apart), failback, the relocate policy's failed nodes, and least-loaded among
 * equals: by static load (cores, memory; static-load.ts) when the nodes' capacities are known,
 * then fewest HA services, then node name.
 */
import type { CompiledRules } from './rules';
import { staticScores, type StaticLoad } from './static-load';
import type { ServiceStatus } from './types';

/** `stay`: keep the current node if allowed; `best`: recovery; `try-next`: relocate after a failed start. */
export type Preference = 'stay' | 'best' | 'try-next';

export interface PlacementInput {
  sid: string;
  current: string;
  preference: Preference;
  /** Nodes a service may go to now: online, not in maintenance, their LRM not shutting down. */
  candidates: string[];
  rules: CompiledRules;
  services: Record<string, ServiceStatus>;
  failedNodes?: string[];
  maintenanceNode?: string;
  /** Resources' needs and nodes' capacities: with them the least loaded node wins, not the one with the fewest services. */
  load?: StaticLoad;
}

const idleStates = new Set(['stopped', 'error']);

/** Where a service counts for load and affinity: its migration target while it moves. */
function placedOn(status: ServiceStatus): string {
  return status.target ?? status.node;
}

/** Where a service takes load: nowhere while stopped or in error. */
function loadsNode(status: ServiceStatus): string | null {
  return idleStates.has(status.state) ? null : placedOn(status);
}

export function nodeLoad(services: Record<string, ServiceStatus>, exclude: string): Map<string, number> {
  const load = new Map<string, number>();
  for (const [sid, status] of Object.entries(services)) {
    const node = loadsNode(status);
    if (sid === exclude || node === null) continue;
    load.set(node, (load.get(node) ?? 0) + 1);
  }
  return load;
}

/** Least loaded first: by static load when every node's capacity is known (static-load.ts), then by service count and name. */
function byLoad(sid: string, nodes: string[], services: Record<string, ServiceStatus>, load: StaticLoad | undefined): string[] {
  const count = nodeLoad(services, sid);
  const scores = new Map((load === undefined ? null : staticScores(sid, nodes, services, load, loadsNode))?.map((s) => [s.node, s]) ?? []);
  const peak = (n: string) => scores.get(n)?.peak ?? 0;
  const mean = (n: string) => scores.get(n)?.mean ?? 0;
  return [...nodes].sort((a, b) => peak(a) - peak(b) || mean(a) - mean(b) || (count.get(a) ?? 0) - (count.get(b) ?? 0) || a.localeCompare(b));
}

/** Returns the chosen node, or null when no node qualifies. */
export function selectNode(input: PlacementInput): string | null {
  const { sid, current, preference, rules, services } = input;
  const affinity = rules.nodeAffinity.get(sid);
  const priority = (node: string): number => affinity?.nodes[node] ?? -1;
  let allowed = input.candidates.filter((n) => !affinity?.strict || affinity.nodes[n] !== undefined);
  if (allowed.length === 0) return null;

  const failback = rules.failback.get(sid) ?? true;
  const apartPartners = rules.apart.get(sid) ?? new Set<string>();
  const apartNodes = new Set([...apartPartners].flatMap((p) => {
    const s = services[p];
    return s === undefined || idleStates.has(s.state) ? [] : [placedOn(s)];
  }));
  if (preference === 'stay' && !failback && allowed.includes(current) && !apartNodes.has(current)) return current;

  if (preference === 'try-next') {
    const failed = new Set(input.failedNodes ?? []);
    allowed = allowed.filter((n) => !failed.has(n));
  }
  allowed = allowed.filter((n) => !apartNodes.has(n));
  const partners = [...(rules.together.get(sid) ?? [])].flatMap((p) => {
    const s = services[p];
    return s === undefined || idleStates.has(s.state) ? [] : [placedOn(s)];
  });
  if (partners.length > 0) {
    const count = (n: string) => partners.filter((p) => p === n).length;
    const most = Math.max(...allowed.map(count));
    if (most > 0) allowed = allowed.filter((n) => count(n) === most);
  }
  if (allowed.length === 0) return null;

  const top = Math.max(...allowed.map(priority));
  const best = allowed.filter((n) => priority(n) === top);
  if (input.maintenanceNode !== undefined && best.includes(input.maintenanceNode)) return input.maintenanceNode;
  if (preference === 'stay' && best.includes(current)) return current;

  const ordered = byLoad(sid, best, services, input.load);
  if (preference === 'try-next') return ordered.find((n) => n !== current) ?? ordered[0] ?? null;
  return ordered[0] ?? null;
}
