/**
 * HA timings and the safety inequality of docs/design/safety.md. The daemon checks the values in force
 * at start-up with checkSafetyBound and refuses to run when it fails.
 */
export interface HaTimings {
  /** Length of one CRM and one LRM round. */
  roundMs: number;
  /** How often a lock holder renews its lease (every round by default). */
  renewIntervalMs: number;
  /**
   * The LRM feeds the watchdog (and may start services) only while its last confirmed renewal is
   * at most this old: a renewal interval plus slack for round jitter.
   */
  feedWindowMs: number;
  /** Lease length L of the manager and agent locks, measured by each replica's own clock. */
  lockLeaseMs: number;
  /** Watchdog timeout W: an armed node that stops feeding resets this long afterwards. */
  watchdogMs: number;
  /** Q_stale: how long a cut-off node may still believe it is quorate (longest with a quorum device). */
  quorumStaleMs: number;
  /**
   * Q_renew: how long after the cut a cut-off node may still confirm a lock renewal that lets it
   * feed its watchdog. Q_stale in general; one token timeout with the integrated quorum device,
   * whose vote condition counts renewals only in a ring the arbiter acknowledged.
   */
  renewStaleMs: number;
  /** Allowance for clock rate differences and scheduling delays between the nodes. */
  clockMarginMs: number;
  /**
   * A node must stay offline this long before its services go to `fence` (rides out blips; a
   * service in `fence` is recovered only once its node's lock is taken, see checkSafetyBound).
   */
  fenceDelayMs: number;
  /** A deleted node stays `gone` this long before the manager forgets it. */
  goneCleanupMs: number;
  /** Rounds an LRM stays armed with nothing to protect before it releases lock and watchdog. */
  lrmIdleRounds: number;
}

/**
 * The simulator's timings (the daemon's own are daemonTimingDefaults, src/daemon/config.ts), for
 * corosync's fast profile (token 1 s, device timeout 3 s; docs/design/safety.md: the lab saw a
 * cut-off node lose quorum 2.2-4.9 s after the cut): Q_stale 6 s, watchdog 5 s, rounds and
 * renewals of 1 s, a feed window of 1.5 s, a 1 s margin; the lease of 15 s covers them with 0.5 s
 * to spare. The fence delay of 8 s costs nothing: taking the lost node's lock waits for the lease anyway.
 */
export const simulatorTimingDefaults: HaTimings = {
  roundMs: 1000,
  renewIntervalMs: 1000,
  feedWindowMs: 1500,
  lockLeaseMs: 15000,
  watchdogMs: 5000,
  quorumStaleMs: 6000,
  renewStaleMs: 6000,
  clockMarginMs: 1000,
  fenceDelayMs: 8000,
  goneCleanupMs: 3600_000,
  lrmIdleRounds: 30,
};

export interface SafetyTerm {
  name: string;
  ms: number;
  why: string;
}

export interface SafetyBound {
  ok: boolean;
  leaseMs: number;
  requiredMs: number;
  terms: SafetyTerm[];
  /** One line for the operator naming every term. */
  message: string;
}

/**
 * L > Q_renew + W + renew_interval + feed_window + clock_margin, and feed_window >= renew_interval.
 *
 * The last renewal the quorate side saw may be one renew interval before the cut; the cut-off
 * node may still confirm renewals for Q_renew after the cut (in its own partition while it
 * believes it is quorate, or in its old ring), feeds the watchdog up to feed_window after its
 * last renewal (its own renewals count from when it sent them), and resets W later. The quorate
 * side takes the lock only after L on its own clock.
 *
 * The same L also covers locks the quorate side never saw: a cut-off node that still believes it
 * is quorate may take its lock inside its own partition. The master therefore takes a lost
 * node's lock only after the lease expired in its own copy AND the node has been out of its
 * sight for L (manager.ts, fencing), or, for a node back in sight, once it was seen with its
 * fence stored long enough that it must have stopped feeding and reset (fence-in-sight.ts).
 */
export function checkSafetyBound(t: HaTimings): SafetyBound {
  const terms: SafetyTerm[] = [
    { name: 'Q_renew', ms: t.renewStaleMs, why: 'a cut-off node may still confirm renewals this long after the cut' },
    { name: 'W', ms: t.watchdogMs, why: 'watchdog timeout after the last feed' },
    { name: 'renew_interval', ms: t.renewIntervalMs, why: 'last renewal seen may precede the cut by one interval' },
    { name: 'feed_window', ms: t.feedWindowMs, why: 'the watchdog is fed while the last renewal is at most this old' },
    { name: 'clock_margin', ms: t.clockMarginMs, why: 'clock rate and scheduling differences' },
  ];
  const requiredMs = terms.reduce((sum, term) => sum + term.ms, 0);
  const sum = terms.map((term) => `${term.name} ${term.ms}`).join(' + ');
  if (t.roundMs <= 0 || t.renewIntervalMs <= 0 || t.feedWindowMs < t.renewIntervalMs) {
    const message = `unusable timings: round ${t.roundMs} ms and renew_interval ${t.renewIntervalMs} ms must be positive, `
      + `feed_window ${t.feedWindowMs} ms at least renew_interval`;
    return { ok: false, leaseMs: t.lockLeaseMs, requiredMs, terms, message };
  }
  const ok = t.lockLeaseMs > requiredMs;
  const message = ok
    ? `lock lease ${t.lockLeaseMs} ms > ${sum} = ${requiredMs} ms`
    : `unsafe timings: lock lease ${t.lockLeaseMs} ms must exceed ${sum} = ${requiredMs} ms`;
  return { ok, leaseMs: t.lockLeaseMs, requiredMs, terms, message };
}

/** Validates the shape of a timings override (from a scenario or the daemon config). */
export function mergeTimings(overrides: Record<string, unknown>, base: HaTimings = simulatorTimingDefaults): HaTimings {
  const merged: HaTimings = { ...base };
  for (const [key, value] of Object.entries(overrides)) {
    if (!(key in simulatorTimingDefaults)) throw new Error(`unknown timing '${key}'`);
    if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) {
      throw new Error(`timing '${key}' must be a non-negative integer (ms), got ${JSON.stringify(value)}`);
    }
    merged[key as keyof HaTimings] = value;
  }
  return merged;
}
