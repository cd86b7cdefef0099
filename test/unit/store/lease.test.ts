import assert from 'node:assert/strict';
import { checkLease } from '../../../src/store/lease';
import { LeaseTooShortError } from '../../../src/store/errors';

describe('store lease inequality', () => {
  const terms = { quorumStaleMs: 20_000, watchdogMs: 10_000, renewIntervalMs: 5_000, clockMarginMs: 2_000 };

  it('returns each term and the required sum when L exceeds it', () => {
    assert.deepEqual(checkLease(40_000, terms), { leaseMs: 40_000, requiredMs: 37_000, terms });
  });

  it('refuses L equal to the sum, naming every term', () => {
    assert.throws(() => checkLease(37_000, terms), (err: unknown) => err instanceof LeaseTooShortError &&
      err.message === 'lock lease 37000 ms must exceed Q_stale 20000 + W 10000 + renew_interval 5000 + clock_margin 2000 = 37000 ms');
  });

  it('refuses a negative or non-numeric term', () => {
    assert.throws(() => checkLease(40_000, { ...terms, watchdogMs: Number.NaN }), /watchdogMs must be a non-negative/);
  });
});
