import { checkSafetyBound, type HaTimings } from '../../ha/timings';
import { LeaseTooShortError } from '../../store/errors';

/**
 * The store's lock lease L from the HA timings in force, checked with the HA layer's safety
 * inequality (docs/design/safety.md, src/ha/timings.ts) so there is one check, not two; throws
 * LeaseTooShortError with the bound's message naming every term when L is too short.
 */
export function leaseFromTimings(timings: HaTimings): number {
  const bound = checkSafetyBound(timings);
  if (!bound.ok) throw new LeaseTooShortError(bound.message);
  return bound.leaseMs;
}
