/**
 * Fencing a node that is back in sight. The master normally takes a lost node's agent lock only
 * once the node has been out of its sight for a whole lease (manager.ts, fencing). A node that
 * returns sooner (a 10 s power cycle, a watchdog reset with a fast reboot) would keep its
 * services in `fence` for good: the master keeps seeing it, and the node refuses its own lock
 * while its fence is requested. This rule proves the fence with the node in sight instead.
 *
 * Why it is safe. Let T be when the master first read the node's `fence` state back from its
 * copy of the store (so it was written at or before T), and t a round at least Q_stale after T
 * in which the master sees the node in its quorate partition.
 * 1. A membership view lags the partitions by at most the detection time, which Q_stale covers
 *    (a cut-off node believes it is quorate for at least as long as corosync takes to notice
 *    the cut). So the node really was in the master's partition at some moment P in
 *    (t - Q_stale, t], P > T, and at P it shared the master's copy, which holds its fence.
 * 2. An LRM whose copy shows its node in `fence` neither acquires nor renews its agent lock nor
 *    feeds the watchdog (lrm.ts, fenceRequested). Any copy it holds after P descends from the
 *    one it shared at P (a later split clones it), so it never feeds again after P: not on a
 *    lock the master saw, nor on one it took unseen in a stale partition before P.
 * 3. A node that stopped feeding with a service running resets W after its last feed; one
 *    that runs nothing closes its watchdog and has nothing to recover. So from t + W +
 *    clock_margin on, nothing the node ran before still runs, and it cannot start anything
 *    without the lock the master is about to hold.
 * The store still grants the lock only once it expired in the master's copy, and the memory
 * lives in one master's rounds only: a new master, or one that lost quorum, starts over.
 */
import type { HaTimings } from './timings';
import type { NodeState } from './types';

export interface FenceSighting {
  /** When this master first read the node's `fence` state back from its copy of the store. */
  storedAt: number;
  /** The first round at least Q_stale after storedAt in which it saw the node in its partition. */
  seenAt?: number;
}

export interface SightingRound {
  now: number;
  /** Node states as read from the store at the start of the round. */
  storedStates: Record<string, NodeState>;
  inSight: (node: string) => boolean;
  timings: HaTimings;
}

/** Records this round's sightings; a node whose stored state is no longer `fence` is forgotten. */
export function trackFenceSightings(sightings: Record<string, FenceSighting>, round: SightingRound): void {
  for (const node of Object.keys(sightings)) if (round.storedStates[node] !== 'fence') delete sightings[node];
  for (const [node, state] of Object.entries(round.storedStates)) {
    if (state !== 'fence') continue;
    const sighting = sightings[node] ?? { storedAt: round.now };
    sightings[node] = sighting;
    if (sighting.seenAt === undefined && round.now - sighting.storedAt >= round.timings.quorumStaleMs && round.inSight(node)) {
      sighting.seenAt = round.now;
    }
  }
}

/** Whether the node, seen in sight with its fence requested, must have reset (or never ran anything) by now. */
export function fenceProvenInSight(sightings: Record<string, FenceSighting>, node: string, now: number, timings: HaTimings): boolean {
  const seenAt = sightings[node]?.seenAt;
  return seenAt !== undefined && now - seenAt >= timings.watchdogMs + timings.clockMarginMs;
}
