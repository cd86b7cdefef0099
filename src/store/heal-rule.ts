import type { Summary } from './messages';

export interface Candidate extends Summary {
  nodeId: number;
}

/**
 * One partition's epoch: the epoch number and the members that began it. Its members applied one
 * agreed sequence of writes, and every copy of it (on disk or in memory) is a prefix of that
 * sequence: of two such copies, the higher version holds every write the other acknowledged.
 */
function sameEpoch(a: Candidate, b: Candidate): boolean {
  return a.epoch === b.epoch && a.epochMembers.length === b.epochMembers.length && a.epochMembers.every((m, i) => m === b.epochMembers[i]);
}

/**
 * The order between the most advanced copies of different partition-epochs, first difference wins:
 *   1. higher epoch: it grows by one with the first write after each membership change and only
 *      a quorate, current partition writes, so a later epoch continued from the earlier ones;
 *   2. not demoted: two partitions with the same epoch number wrote at once (both believed they
 *      were quorate: the isolated node that kept a quorum device's vote for a while, docs/design/safety.md);
 *      one history must go, and it is the one whose node lost quorum afterwards;
 *   3. more members when that epoch began (the majority side of a split);
 *   4. higher version; 5. lower node id (a deterministic tie-break).
 */
export function compareCandidates(a: Candidate, b: Candidate): number {
  if (a.epoch !== b.epoch) return b.epoch - a.epoch;
  if (a.demoted !== b.demoted) return a.demoted ? 1 : -1;
  if (a.epochMembers.length !== b.epochMembers.length) return b.epochMembers.length - a.epochMembers.length;
  if (a.version !== b.version) return b.version - a.version;
  return a.nodeId - b.nodeId;
}

/**
 * The heal rule: which member's state every member adopts after a membership change. It decides
 * by what was acknowledged: among copies of one partition-epoch the most advanced one stands for
 * all (a node restarted a write behind never rolls back one that went on, demoted or not); only
 * between different partition-epochs does compareCandidates decide. Every member evaluates it
 * over the same summaries, so all pick the same.
 */
export function pickWinner(candidates: readonly Candidate[]): Candidate {
  const heads: Candidate[] = [];
  for (const c of candidates) {
    const i = heads.findIndex((h) => sameEpoch(h, c));
    const head = heads[i];
    if (head === undefined) heads.push(c);
    else if (c.version > head.version || (c.version === head.version && c.nodeId < head.nodeId)) heads[i] = c;
  }
  const winner = heads.sort(compareCandidates)[0];
  if (winner === undefined) throw new Error('pickWinner needs at least one candidate');
  return winner;
}
