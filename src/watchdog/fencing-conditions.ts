import type { MembershipSource, MembershipSnapshot } from '../quorum/types';
import type { LogSink } from '../util/log-sink';
import type { CheckInResult } from './mux-core';
import type { WatchdogLease } from './mux-client';

/**
 * Something a node must keep while it runs HA services (docs/design/safety.md): quorum, its agent lock, the
 * arbiter's vote. Losing one while a lease is open stops the feeding at once.
 */
export interface FencingCondition {
  readonly name: string;
  /** null while the condition holds, otherwise why it does not: the feeding stops for good. */
  check(): string | null;
  /**
   * Why the feeding should pause now without giving up (an answer that may still come), or null.
   * A paused client does not check in, so the device counts down from its last feed.
   */
  pause?(): string | null;
  /** Calls `listener` whenever the condition may have changed; returns the unsubscribe. */
  onChange(listener: () => void): () => void;
}

function membershipCondition(name: string, membership: MembershipSource, check: (s: MembershipSnapshot) => string | null): FencingCondition {
  return {
    name,
    check: () => check(membership.current()),
    onChange: (listener) => membership.onChange(() => listener()),
  };
}

/** Holds while this node's partition is quorate (votequorum's view, device vote included). */
export function quorumCondition(membership: MembershipSource): FencingCondition {
  return membershipCondition('quorum', membership, (s) => (s.quorate ? null : `partition not quorate (${s.totalVotes} of ${s.quorum} votes needed)`));
}

/** Holds while the arbiter's vote counts here, or when the cluster has no quorum device. */
export function arbiterVoteCondition(membership: MembershipSource): FencingCondition {
  return membershipCondition('arbiter-vote', membership, (s) =>
    s.qdevice === null || s.qdevice.voting ? null : `arbiter ${s.qdevice.name} no longer votes for this partition`);
}

export interface GuardedLease {
  /** Checks in only while every condition holds and none pauses; a failed condition reports the loss instead. */
  checkIn(): Promise<CheckInResult & { paused?: string }>;
  /** Clean close (the services are stopped): unsubscribes and closes the lease. */
  close(): Promise<void>;
  /** Leaves the lease to a successor (a daemon restart): unsubscribes and hands it over. */
  handOver(): Promise<void>;
}

/**
 * Ties a lease to conditions: the moment one fails, the multiplexer hears of it and stops
 * feeding, without waiting for the lease's deadline. The caller still checks in itself after
 * each round of real work; nothing here checks in on a timer.
 */
export function guardLease(
  lease: Pick<WatchdogLease, 'checkIn' | 'reportLoss' | 'close' | 'handOver'>,
  conditions: FencingCondition[],
  log: LogSink,
): GuardedLease {
  let lost: string | null = null;
  const evaluate = async (): Promise<string | null> => {
    if (lost !== null) return lost;
    for (const condition of conditions) {
      const reason = condition.check();
      if (reason !== null) {
        lost = `${condition.name} lost: ${reason}`;
        log.error(`watchdog lease: ${lost}; stopping the feeding`);
        await lease.reportLoss(lost);
        return lost;
      }
    }
    return null;
  };
  const unsubscribers = conditions.map((c) =>
    c.onChange(() => {
      evaluate().catch((err: unknown) => log.error(`watchdog lease: reporting a loss failed: ${err instanceof Error ? err.message : String(err)}`));
    }));
  return {
    checkIn: async () => {
      const reason = await evaluate();
      if (reason !== null) return { fed: false, tripped: reason };
      const paused = conditions.map((c) => c.pause?.() ?? null).find((p) => p !== null);
      return paused === undefined ? lease.checkIn() : { fed: false, tripped: null, paused };
    },
    close: async () => {
      for (const unsubscribe of unsubscribers) unsubscribe();
      await lease.close();
    },
    handOver: async () => {
      for (const unsubscribe of unsubscribers) unsubscribe();
      await lease.handOver();
    },
  };
}
