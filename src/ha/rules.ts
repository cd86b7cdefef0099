/**
 * Rule compilation: legacy groups become node-affinity rules, infeasible rules are dropped with
 * a reason an operator can act on, and connected `together` rules merge into one bundle. The
 * result is a lookup the placement code reads per service.
 */
import type { HaConfig, NodeAffinityRule, ResourceAffinityRule } from './types';

export interface NodeAffinity {
  ruleId: string;
  nodes: Record<string, number>;
  strict: boolean;
}

export interface CompiledRules {
  nodeAffinity: Map<string, NodeAffinity>;
  /** sid → the other services it must run with. */
  together: Map<string, Set<string>>;
  /** sid → the services it must never share a node with. */
  apart: Map<string, Set<string>>;
  /** sid → failback wanted (resource flag, or the group's nofailback). */
  failback: Map<string, boolean>;
  /** One line per dropped rule, saying why. */
  dropped: string[];
}

function groupRules(config: HaConfig, dropped: string[]): NodeAffinityRule[] {
  const byGroup = new Map<string, string[]>();
  for (const [sid, res] of Object.entries(config.resources)) {
    if (res.group === undefined) continue;
    if (config.groups[res.group] === undefined) {
      dropped.push(`service '${sid}' names unknown group '${res.group}', ignoring the group`);
      continue;
    }
    byGroup.set(res.group, [...(byGroup.get(res.group) ?? []), sid]);
  }
  return [...byGroup.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([id, resources]) => {
    const group = config.groups[id]!;
    return { type: 'node-affinity', id: `group-${id}`, resources, nodes: group.nodes, strict: group.restricted };
  });
}

function unknownResources(rule: { resources: string[] }, config: HaConfig): string[] {
  return rule.resources.filter((sid) => config.resources[sid] === undefined);
}

export function compileRules(config: HaConfig, nodes: string[]): CompiledRules {
  const dropped: string[] = [];
  const nodeAffinity = new Map<string, NodeAffinity>();
  const nodeRules = [...groupRules(config, dropped), ...config.rules.filter((r): r is NodeAffinityRule => r.type === 'node-affinity')];
  for (const rule of nodeRules) {
    const taken = rule.resources.filter((sid) => nodeAffinity.has(sid));
    if (taken.length > 0) {
      dropped.push(`drop rule '${rule.id}': ${taken.join(', ')} already in node-affinity rule '${nodeAffinity.get(taken[0]!)!.ruleId}'`);
      continue;
    }
    const unknownNodes = Object.keys(rule.nodes).filter((n) => !nodes.includes(n));
    if (unknownNodes.length === Object.keys(rule.nodes).length) {
      dropped.push(`drop rule '${rule.id}': none of its nodes is a cluster node`);
      continue;
    }
    for (const sid of rule.resources) nodeAffinity.set(sid, { ruleId: rule.id, nodes: rule.nodes, strict: rule.strict });
  }

  const affinityRules = config.rules.filter((r): r is ResourceAffinityRule => r.type === 'resource-affinity');
  const feasible: ResourceAffinityRule[] = [];
  for (const rule of affinityRules) {
    const unknown = unknownResources(rule, config);
    if (new Set(rule.resources).size < 2) {
      dropped.push(`drop rule '${rule.id}': resource affinity needs at least two services`);
    } else if (unknown.length > 0) {
      dropped.push(`drop rule '${rule.id}': unknown services ${unknown.join(', ')}`);
    } else if (rule.affinity === 'apart' && rule.resources.length > nodes.length) {
      dropped.push(`drop rule '${rule.id}': ${rule.resources.length} services cannot be kept apart on ${nodes.length} nodes`);
    } else {
      feasible.push(rule);
    }
  }
  // A together and an apart rule sharing two services contradict each other: drop both.
  const conflicting = new Set<string>();
  for (const t of feasible.filter((r) => r.affinity === 'together')) {
    for (const a of feasible.filter((r) => r.affinity === 'apart')) {
      if (t.resources.filter((sid) => a.resources.includes(sid)).length >= 2) {
        conflicting.add(t.id);
        conflicting.add(a.id);
      }
    }
  }
  for (const id of [...conflicting].sort()) dropped.push(`drop rule '${id}': together and apart rules share two or more services`);
  const kept = feasible.filter((r) => !conflicting.has(r.id));

  const together = mergeTogether(kept.filter((r) => r.affinity === 'together'));
  const apart = new Map<string, Set<string>>();
  for (const rule of kept.filter((r) => r.affinity === 'apart')) {
    for (const sid of rule.resources) {
      const set = apart.get(sid) ?? new Set<string>();
      for (const other of rule.resources) if (other !== sid) set.add(other);
      apart.set(sid, set);
    }
  }

  const failback = new Map<string, boolean>();
  for (const [sid, res] of Object.entries(config.resources)) {
    const group = res.group === undefined ? undefined : config.groups[res.group];
    failback.set(sid, res.failback && !(group?.nofailback ?? false));
  }
  return { nodeAffinity, together, apart, failback, dropped };
}

/** Connected together-rules form one bundle (union-find over their services). */
function mergeTogether(rules: ResourceAffinityRule[]): Map<string, Set<string>> {
  const parent = new Map<string, string>();
  const find = (x: string): string => {
    const p = parent.get(x) ?? x;
    if (p === x) return x;
    const root = find(p);
    parent.set(x, root);
    return root;
  };
  for (const rule of rules) {
    for (const sid of rule.resources) {
      const [a, b] = [find(rule.resources[0]!), find(sid)];
      if (a !== b) parent.set(b, a);
    }
  }
  const members = new Map<string, string[]>();
  for (const sid of rules.flatMap((r) => r.resources)) {
    const root = find(sid);
    if (!(members.get(root) ?? []).includes(sid)) members.set(root, [...(members.get(root) ?? []), sid]);
  }
  const together = new Map<string, Set<string>>();
  for (const bundle of members.values()) {
    for (const sid of bundle) together.set(sid, new Set(bundle.filter((o) => o !== sid)));
  }
  return together;
}
