import type { Summary } from './messages';

export interface Candidate extends Summary {
  nodeId: number;
}

/**
 * The heal rule: which member's state every member adopts after a membership change.
 * Compared in order, first difference wins:
 *   1. higher epoch: the epoch grows by one with the first write applied after each membership
 *      change, so a node that was away (or in a partition without writes) has a lower one;
 *   2. not demoted: at equal epochs, a state whose node lost quorum afterwards (the isolated
 *      node that kept a quorum device's vote for a while, safety.md) loses to one that did not;
 *   3. more members when that epoch began (the majority side of a split);
 *   4. higher version (more writes applied);
 *   5. lower node id (a deterministic tie-break).
 * Every member evaluates it over the same summaries in the same agreed order, so all pick the same.
 */
export function compareCandidates(a: Candidate, b: Candidate): number {
  if (a.epoch !== b.epoch) return b.epoch - a.epoch;
  if (a.demoted !== b.demoted) return a.demoted ? 1 : -1;
  if (a.epochMembers !== b.epochMembers) return b.epochMembers - a.epochMembers;
  if (a.version !== b.version) return b.version - a.version;
  return a.nodeId - b.nodeId;
}

export function pickWinner(candidates: readonly Candidate[]): Candidate {
  if (candidates.length === 0) throw new Error('pickWinner needs at least one candidate');
  return [...candidates].sort(compareCandidates)[0] as Candidate;
}
