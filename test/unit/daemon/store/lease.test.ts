import assert from 'node:assert/strict';
import { simulatorTimingDefaults } from '../../../../src/ha/timings';
import { LeaseTooShortError } from '../../../../src/store/errors';
import { leaseFromTimings } from '../../../../src/daemon/store/lease';

describe('store lease from the HA safety inequality', () => {
  it('returns the lease when it exceeds the sum of the terms in force', () => {
    assert.equal(leaseFromTimings(simulatorTimingDefaults), simulatorTimingDefaults.lockLeaseMs);
  });

  it('refuses a lease that does not exceed the sum, naming every term', () => {
    assert.throws(() => leaseFromTimings({ ...simulatorTimingDefaults, lockLeaseMs: simulatorTimingDefaults.watchdogMs }), (err: unknown) =>
      err instanceof LeaseTooShortError && /Q_renew .* W .* renew_interval .* feed_window .* clock_margin/.test(err.message));
  });
});
