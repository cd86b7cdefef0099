import type { QuorumStatus } from '../../src/lab/quorum-status';
import { hypervisorUnavailableReason, labUnavailableReason } from '../../src/lab/requirements';

/** In a `before` hook: skips the suite, saying why, where the namespace lab cannot run. */
export function skipWithoutLab(context: Mocha.Context, options: { hypervisor?: boolean } = {}): void {
  const reason = options.hypervisor === true ? hypervisorUnavailableReason() : labUnavailableReason();
  if (reason === undefined) return;
  console.log(`      skipped: ${reason}`);
  context.skip();
}

/**
 * Quorate alone, by the votes too: just after a ring forms corosync-quorumtool can still show the
 * old ring's quorate flag with the new ring's votes (seen: quorate, 1 node, 1 of 2 votes needed).
 */
export const quorateAlone = (s: QuorumStatus): boolean => s.quorate && s.nodes === 1 && s.quorum !== undefined && (s.totalVotes ?? 0) >= s.quorum;
