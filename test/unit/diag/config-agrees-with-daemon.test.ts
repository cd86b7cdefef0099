import assert from 'node:assert/strict';
import { daemonTimingDefaults } from '../../../src/daemon/config';
import { checkStartup, readCorosyncValues } from '../../../src/daemon/startup-check';
import { checkConfig } from '../../../src/diag/config-checks';
import { parseCorosyncConf } from '../../../src/diag/corosync-conf';
import type { HaTimings } from '../../../src/ha/timings';

/** Two nodes and an arbiter with the fast profile's token; the device keys as given. */
function confWithDevice(deviceKeys: string): string {
  return [
    'totem {\n  version: 2\n  cluster_name: c\n  token: 1000\n  consensus: 1200\n}',
    'nodelist {\n  node {\n    nodeid: 1\n    name: node1\n    ring0_addr: 10.0.0.1\n  }\n  node {\n    nodeid: 2\n    name: node2\n    ring0_addr: 10.0.0.2\n  }\n}',
    `quorum {\n  provider: corosync_votequorum\n  device {\n    model: net\n${deviceKeys}    net {\n      host: 10.0.0.9\n      algorithm: ffsplit\n    }\n  }\n}`,
  ].join('\n');
}

/** What corosync puts in cmap for that corosync.conf (runtime.config.* already holds its computed token and consensus). */
function cmapFor(deviceTimeout?: number, syncTimeout?: number) {
  const entries: Record<string, unknown> = {
    'runtime.config.totem.token': 1000, 'runtime.config.totem.consensus': 1200, 'quorum.device.model': 'net',
  };
  if (deviceTimeout !== undefined) entries['quorum.device.timeout'] = deviceTimeout;
  if (syncTimeout !== undefined) entries['quorum.device.sync_timeout'] = syncTimeout;
  return { find: (key: string) => entries[key] };
}

function verdicts(deviceKeys: string, deviceTimeout: number | undefined, syncTimeout: number | undefined, timings: HaTimings) {
  const daemon = checkStartup(timings, readCorosyncValues(cmapFor(deviceTimeout, syncTimeout)), null);
  const diag = checkConfig(parseCorosyncConf(confWithDevice(deviceKeys)), timings);
  return { daemon: daemon.bound.ok, diag: diag.safety.ok, daemonMessage: daemon.bound.message, diagMessage: diag.safety.message };
}

describe('diag config and daemon check: one safety bound from the same corosync values', () => {
  const fixedLease: HaTimings = { ...daemonTimingDefaults, lockLeaseMs: 15000 };

  it('a long sync_timeout breaks a 15 s lease for both', () => {
    const v = verdicts('    timeout: 3000\n    sync_timeout: 30000\n', 3000, 30000, fixedLease);
    assert.equal(v.daemon, false, v.daemonMessage);
    assert.equal(v.diag, v.daemon, `diag: ${v.diagMessage}; daemon: ${v.daemonMessage}`);
    assert.equal(v.diagMessage, v.daemonMessage);
  });

  it('the default sync_timeout (absent from corosync.conf) counts for both', () => {
    const v = verdicts('    timeout: 3000\n', 3000, undefined, fixedLease);
    assert.equal(v.diag, v.daemon, `diag: ${v.diagMessage}; daemon: ${v.daemonMessage}`);
    assert.equal(v.diagMessage, v.daemonMessage);
  });

  it('with the daemon defaults (lease computed) both pass with the same lease', () => {
    const v = verdicts('    timeout: 3000\n    sync_timeout: 3000\n', 3000, 3000, daemonTimingDefaults);
    assert.equal(v.daemon, true, v.daemonMessage);
    assert.equal(v.diagMessage, v.daemonMessage);
  });
});
