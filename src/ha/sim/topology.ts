/**
 * Partitions and quorum from link state. Each powered node with its network up links to every
 * other such node unless that pair's link is cut; a node with its network down is alone. The
 * arbiter's vote (ffsplit) goes to the partition with the most nodes that reach it, ties to the
 * one holding the lowest node name.
 */
export interface Hardware {
  nodes: string[];
  powered: Set<string>;
  netDown: Set<string>;
  /** Cut pairs as "a|b" with a < b. */
  cutLinks: Set<string>;
  arbiter: boolean;
  arbiterUp: boolean;
}

export interface Partition {
  members: string[];
  hasDeviceVote: boolean;
  quorate: boolean;
}

export function linkKey(a: string, b: string): string {
  return a < b ? `${a}|${b}` : `${b}|${a}`;
}

function connected(hw: Hardware, a: string, b: string): boolean {
  return !hw.netDown.has(a) && !hw.netDown.has(b) && !hw.cutLinks.has(linkKey(a, b));
}

export function partitions(hw: Hardware): Partition[] {
  const up = hw.nodes.filter((n) => hw.powered.has(n)).sort();
  const seen = new Set<string>();
  const groups: string[][] = [];
  for (const start of up) {
    if (seen.has(start)) continue;
    const group = [start];
    seen.add(start);
    for (let i = 0; i < group.length; i++) {
      for (const other of up) {
        if (!seen.has(other) && connected(hw, group[i]!, other)) {
          seen.add(other);
          group.push(other);
        }
      }
    }
    groups.push(group.sort());
  }
  const reachesArbiter = (g: string[]) => hw.arbiter && hw.arbiterUp && g.some((n) => !hw.netDown.has(n));
  const eligible = groups.filter(reachesArbiter)
    .sort((a, b) => b.length - a.length || a[0]!.localeCompare(b[0]!));
  const winner = eligible[0];
  const expected = hw.nodes.length + (hw.arbiter ? 1 : 0);
  const needed = Math.floor(expected / 2) + 1;
  return groups.map((members) => {
    const hasDeviceVote = members === winner;
    return { members, hasDeviceVote, quorate: members.length + (hasDeviceVote ? 1 : 0) >= needed };
  });
}
