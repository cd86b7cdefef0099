import assert from 'node:assert/strict';
import { daemonTimingDefaults } from '../../../src/daemon/config';
import { checkStartup, readCorosyncValues, type CmapReader } from '../../../src/daemon/startup-check';
import { quorumStaleMs, renewStaleMs } from '../../../src/ha/corosync-timings';
import { simulatorTimingDefaults } from '../../../src/ha/timings';

/** cmap contents as a map: the reader seam is a plain lookup. */
function cmapOf(entries: Record<string, unknown>): CmapReader {
  return { find: (key) => entries[key] };
}

const fastCorosync = { 'runtime.config.totem.token': 1000, 'runtime.config.totem.consensus': 1200 };

describe('daemon start-up safety check', () => {
  it('reads token and consensus, and device timeouts only when a device is configured', () => {
    assert.deepEqual(readCorosyncValues(cmapOf(fastCorosync)), { tokenMs: 1000, consensusMs: 1200, twoNode: false });
    const withDevice = readCorosyncValues(cmapOf({
      ...fastCorosync, 'quorum.device.model': 'net', 'quorum.device.timeout': 3000, 'quorum.two_node': 1,
    }));
    assert.deepEqual(withDevice.device, { timeoutMs: 3000, syncTimeoutMs: 30000 });
    assert.equal(withDevice.twoNode, true);
    assert.equal(quorumStaleMs(withDevice), 1000 + 1200 + 30000);
  });

  it('takes one token timeout as Q_renew for the integrated client, and keeps the device timeouts in Q_stale', () => {
    const corosync = { tokenMs: 1000, consensusMs: 1200, twoNode: false, device: { timeoutMs: 3000, syncTimeoutMs: 9000 } };
    assert.equal(renewStaleMs(corosync, true), 1000);
    assert.equal(renewStaleMs(corosync, false), 1000 + 1200 + 9000, 'corosync-qdevice: renewals count while votequorum says quorate');
    assert.equal(renewStaleMs({ tokenMs: 1000, consensusMs: 1200, twoNode: false }, true), 1000 + 1200, 'no device: no acknowledged rings to count in');
    assert.equal(checkStartup(simulatorTimingDefaults, corosync, 5000).ok, false, 'sync_timeout 9 s does not fit a 15 s lease');
    const integrated = checkStartup({ ...simulatorTimingDefaults, watchdogMs: 7000, lockLeaseMs: 17000 }, corosync, 7000, true);
    assert.equal(integrated.ok, true, integrated.problems.join('; '));
    assert.equal(integrated.timings.renewStaleMs, simulatorTimingDefaults.renewStaleMs);
    assert.equal(integrated.timings.quorumStaleMs, 1000 + 1200 + 9000, 'Q_stale (the disarm wait) is raised to what votequorum does');
  });

  it('names the missing key when corosync has no totem values', () => {
    assert.throws(() => readCorosyncValues(cmapOf({})), /runtime\.config\.totem\.token is missing/);
  });

  it("accepts the daemon's default timings on fast corosync without a device", () => {
    const check = checkStartup(daemonTimingDefaults, readCorosyncValues(cmapOf(fastCorosync)), daemonTimingDefaults.watchdogMs);
    assert.equal(check.ok, true, check.problems.join('; '));
  });

  it('refuses a lease that does not cover the device timeout, naming each term', () => {
    const corosync = { tokenMs: 1000, consensusMs: 1200, twoNode: false, device: { timeoutMs: 10000, syncTimeoutMs: 30000 } };
    const check = checkStartup(simulatorTimingDefaults, corosync, 5000);
    assert.equal(check.ok, false);
    const [message] = check.problems;
    for (const term of ['Q_renew 32200', 'W 5000', 'renew_interval', 'feed_window', 'clock_margin', 'sync_timeout 30000']) {
      assert.match(message ?? '', new RegExp(term));
    }
  });

  it('uses the watchdog timeout read back from the multiplexer when it exceeds the configured one', () => {
    const corosync = readCorosyncValues(cmapOf(fastCorosync));
    const check = checkStartup(simulatorTimingDefaults, corosync, 60000);
    assert.equal(check.ok, false);
    assert.match(check.problems[0] ?? '', /W 60000 .*W read back 60000/);
  });

  it('computes the smallest safe lease when the lease is 0, from the values in force', () => {
    const corosync = { tokenMs: 1000, consensusMs: 1200, twoNode: false, device: { timeoutMs: 3000, syncTimeoutMs: 9000 } };
    const check = checkStartup({ ...simulatorTimingDefaults, lockLeaseMs: 0, quorumStaleMs: 0, renewStaleMs: 0, watchdogMs: 7000 }, corosync, 7000, true);
    assert.equal(check.ok, true, check.problems.join('; '));
    // Q_renew 1000 + W 7000 + renew 1000 + feed 1500 + margin 1000 = 11500, plus 100.
    assert.equal(check.timings.renewStaleMs, 1000);
    assert.equal(check.timings.lockLeaseMs, 11600);
  });

  it('refuses a watchdog too short for the node that keeps its services while the arbiter decides a tie', () => {
    const corosync = { tokenMs: 1000, consensusMs: 1200, twoNode: false, device: { timeoutMs: 3000, syncTimeoutMs: 9000 } };
    const check = checkStartup({ ...simulatorTimingDefaults, lockLeaseMs: 0, roundMs: 500, renewIntervalMs: 500, feedWindowMs: 750 }, corosync, 5000, true);
    assert.equal(check.ok, false);
    assert.match(check.problems[0] ?? '', /W 5000 ms is too short .*1\.2 × device timeout 3000 = 3600 ms.*0\.8 × W = 4000 ms\); raise W to 6000 ms/);
    assert.equal(checkStartup({ ...simulatorTimingDefaults, lockLeaseMs: 0, roundMs: 500, renewIntervalMs: 500, feedWindowMs: 750, watchdogMs: 6000 }, corosync, 6000, true).ok, true);
  });

  it('refuses a watchdog too short for a node that keeps its services while another of five nodes leaves (token grows with nodes)', () => {
    // Five nodes on the lab's fast profile: token 1000 + 3 × 650, consensus 1.2 × that. Seen in the lab with W 6 s:
    // a survivor's round waited 3.5 s on a renewal through the membership change and its watchdog stopped feeding.
    const corosync = { tokenMs: 2950, consensusMs: 3540, twoNode: false, device: { timeoutMs: 3000, syncTimeoutMs: 9000 } };
    const timings = { ...simulatorTimingDefaults, lockLeaseMs: 0, roundMs: 500, renewIntervalMs: 500, feedWindowMs: 750, watchdogMs: 6000 };
    const check = checkStartup(timings, corosync, 6000, true);
    assert.equal(check.ok, false);
    assert.match(check.problems[0] ?? '', /W 6000 ms is too short for a node that keeps its services while another node leaves: .*token 2950 \+ consensus 3540 .* = 7990 ms .*0\.8 × W = 4800 ms\); raise W to 10000 ms/);
    assert.equal(checkStartup({ ...timings, watchdogMs: 10000 }, corosync, 10000, true).ok, true);
  });

  it('refuses two_node together with watchdog self-fencing', () => {
    const check = checkStartup(simulatorTimingDefaults, { tokenMs: 1000, consensusMs: 1200, twoNode: true }, 5000);
    assert.equal(check.ok, false);
    assert.match(check.problems.join('\n'), /quorum\.two_node: 1/);
  });
});
