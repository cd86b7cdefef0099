import { LeaseTooShortError } from './errors';

/** The values in force that the lock lease must outlast (design/safety.md), in milliseconds. */
export interface LeaseTerms {
  /** How long a cut-off node may still believe it is quorate (token/consensus, or the quorum device timeout). */
  quorumStaleMs: number;
  /** The watchdog timeout actually set on the device. */
  watchdogMs: number;
  /** How often a holder renews its lock. */
  renewIntervalMs: number;
  /** Allowance for clock-rate differences and scheduling delays. */
  clockMarginMs: number;
}

export interface LeaseCheck {
  leaseMs: number;
  requiredMs: number;
  terms: LeaseTerms;
}

/** Returns each term and the sum; throws LeaseTooShortError naming them when L ≤ sum. */
export function checkLease(leaseMs: number, terms: LeaseTerms): LeaseCheck {
  for (const [name, v] of Object.entries({ leaseMs, ...terms })) {
    if (!Number.isFinite(v) || v < 0) throw new LeaseTooShortError(`lease check: ${name} must be a non-negative number of milliseconds, got ${String(v)}`);
  }
  const requiredMs = terms.quorumStaleMs + terms.watchdogMs + terms.renewIntervalMs + terms.clockMarginMs;
  if (!(leaseMs > requiredMs)) {
    throw new LeaseTooShortError(
      `lock lease ${leaseMs} ms must exceed Q_stale ${terms.quorumStaleMs} + W ${terms.watchdogMs} + ` +
      `renew_interval ${terms.renewIntervalMs} + clock_margin ${terms.clockMarginMs} = ${requiredMs} ms`,
    );
  }
  return { leaseMs, requiredMs, terms };
}
