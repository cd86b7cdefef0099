import assert from 'node:assert/strict';
import { checkSafetyBound, simulatorTimingDefaults, mergeTimings } from '../../../src/ha/timings';

describe('HA timings and the safety bound', () => {
  it('accepts the defaults and names every term', () => {
    const bound = checkSafetyBound(simulatorTimingDefaults);
    assert.equal(bound.ok, true);
    assert.deepEqual(bound.terms.map((t) => t.name), ['Q_renew', 'W', 'renew_interval', 'feed_window', 'clock_margin']);
    assert.equal(bound.requiredMs, 6000 + 5000 + 1000 + 1500 + 1000);
    assert.match(bound.message, /lock lease 15000 ms > Q_renew 6000 \+ W 5000 \+ renew_interval 1000 \+ feed_window 1500 \+ clock_margin 1000 = 14500 ms/);
  });

  it('refuses a lease that does not exceed the sum, naming the terms', () => {
    const bound = checkSafetyBound({ ...simulatorTimingDefaults, lockLeaseMs: 14500 });
    assert.equal(bound.ok, false);
    assert.match(bound.message, /^unsafe timings: lock lease 14500 ms must exceed Q_renew 6000/);
  });

  it('counts a longer watchdog or Q_renew against the lease', () => {
    assert.equal(checkSafetyBound({ ...simulatorTimingDefaults, watchdogMs: 6000 }).ok, false);
    assert.equal(checkSafetyBound({ ...simulatorTimingDefaults, renewStaleMs: 8000 }).ok, false);
    assert.equal(checkSafetyBound({ ...simulatorTimingDefaults, renewStaleMs: 8000, lockLeaseMs: 17000 }).ok, true);
  });

  it('refuses a feed window shorter than the renew interval', () => {
    const bound = checkSafetyBound({ ...simulatorTimingDefaults, feedWindowMs: 500 });
    assert.equal(bound.ok, false);
    assert.match(bound.message, /feed_window 500 ms at least renew_interval/);
  });

  it('rejects unknown or malformed timing overrides', () => {
    assert.throws(() => mergeTimings({ lease: 1 }), /unknown timing 'lease'/);
    assert.throws(() => mergeTimings({ watchdogMs: -1 }), /non-negative integer/);
    assert.throws(() => mergeTimings({ watchdogMs: '5' }), /non-negative integer/);
    assert.equal(mergeTimings({ watchdogMs: 4000 }).watchdogMs, 4000);
  });
});
