/**
 * Where should a service run? Node affinity (priority classes, strict), resource affinity
 * (together / apart), failback, the relocate policy's failed nodes, and least-loaded among
 * equals (fewest HA services, then node name).
 */
import type { CompiledRules } from './rules';
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
}

const idleStates = new Set(['stopped', 'error']);

/** Where a service counts for load and affinity: its migration target while it moves. */
function placedOn(status: ServiceStatus): string {
  return status.target ?? status.node;
}

export function nodeLoad(services: Record<string, ServiceStatus>, exclude: string): Map<string, number> {
  const load = new Map<string, number>();
  for (const [sid, status] of Object.entries(services)) {
    if (sid === exclude || idleStates.has(status.state)) continue;
    const node = placedOn(status);
    load.set(node, (load.get(node) ?? 0) + 1);
  }
  return load;
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

  const load = nodeLoad(services, sid);
  const ordered = [...best].sort((a, b) => (load.get(a) ?? 0) - (load.get(b) ?? 0) || a.localeCompare(b));
  if (preference === 'try-next') return ordered.find((n) => n !== current) ?? ordered[0] ?? null;
  return ordered[0] ?? null;
}
