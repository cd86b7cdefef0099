import assert from 'node:assert/strict';
import { checkConfig } from '../../../src/diag/config-checks';
import { ConfParseError, parseCorosyncConf } from '../../../src/diag/corosync-conf';
import { daemonTimingDefaults } from '../../../src/daemon/config';

function conf(parts: { totem?: string; quorum?: string; nodes?: string[] }): string {
  const nodes = parts.nodes ?? ['nodeid: 1\nname: node1\nring0_addr: 10.0.0.1', 'nodeid: 2\nname: node2\nring0_addr: 10.0.0.2'];
  return [
    `totem {\n  version: 2\n  cluster_name: c\n${parts.totem ?? '  token: 1000\n  consensus: 1200'}\n}`,
    `nodelist {\n${nodes.map((n) => `  node {\n${n}\n  }`).join('\n')}\n}`,
    `quorum {\n  provider: corosync_votequorum\n${parts.quorum ?? '  device {\n    model: net\n    timeout: 3000\n    sync_timeout: 9000\n    net {\n      host: 10.0.0.9\n      algorithm: ffsplit\n    }\n  }'}\n}`,
  ].join('\n');
}

const failed = (text: string) => checkConfig(parseCorosyncConf(text), daemonTimingDefaults).checks.filter((c) => c.level === 'error').map((c) => c.check);

describe('diag config: corosync.conf checks', () => {
  it('passes the lab fast profile with a quorum device and names every safety term', () => {
    const report = checkConfig(parseCorosyncConf(conf({})), daemonTimingDefaults);
    assert.equal(report.ok, true, JSON.stringify(report.checks));
    assert.equal(report.corosync.staleQuorumEstimateMs, 1000 + 1200 + 9000);
    assert.deepEqual(report.safety.terms.map((t) => t.name), ['Q_renew', 'W', 'renew_interval', 'feed_window', 'clock_margin']);
  });

  it('refuses two_node with a quorum device, and two_node with watchdog fencing', () => {
    const withDevice = conf({ quorum: '  two_node: 1\n  device {\n    model: net\n    timeout: 3000\n    net {\n      host: a\n    }\n  }' });
    const messages = checkConfig(parseCorosyncConf(withDevice), daemonTimingDefaults).checks.filter((c) => c.check === 'two_node').map((c) => c.message);
    assert.equal(messages.length, 2);
    assert.match(messages[0] ?? '', /quorum device: corosync refuses it/);
    assert.match(messages[1] ?? '', /watchdog fencing/);
    assert.deepEqual(failed(conf({ quorum: '  two_node: 1' })), ['two_node']);
  });

  it('refuses consensus below 1.2 × token; corosync defaults raise Q_stale, and a fixed lease must cover it', () => {
    assert.deepEqual(failed(conf({ totem: '  token: 1000\n  consensus: 1100' })), ['consensus']);
    const defaults = checkConfig(parseCorosyncConf(conf({ totem: '' })), daemonTimingDefaults);
    assert.equal(defaults.corosync.staleQuorumEstimateMs, 3000 + 3600 + 9000);
    assert.equal(defaults.ok, true, 'a lease of 0 is computed from the raised Q_stale');
    const fixedLease = checkConfig(parseCorosyncConf(conf({ totem: '' })), { ...daemonTimingDefaults, lockLeaseMs: 15000 });
    assert.deepEqual(fixedLease.checks.filter((c) => c.level === 'error').map((c) => c.check), ['safety bound']);
  });

  it('adds token_coefficient per node beyond two', () => {
    const three = conf({ totem: '  token: 1000', nodes: [1, 2, 3].map((i) => `nodeid: ${i}\nname: node${i}\nring0_addr: 10.0.0.${i}`) });
    assert.equal(checkConfig(parseCorosyncConf(three), daemonTimingDefaults).corosync.tokenMs, 1650);
  });

  it('names nodelist problems: missing or repeated ids and names, no ring0_addr', () => {
    const report = checkConfig(parseCorosyncConf(conf({ nodes: ['name: a\nring0_addr: x', 'nodeid: 2\nname: a', 'nodeid: 2\nring0_addr: y'] })), daemonTimingDefaults);
    const nodeChecks = report.checks.filter((c) => ['nodeid', 'name', 'ring0_addr'].includes(c.check)).map((c) => c.message);
    assert.deepEqual(nodeChecks, [
      'node #1 (a) has no valid nodeid (a positive integer; knet requires it)',
      'node #2 (a) has no ring0_addr',
      'node #2 (a) repeats the name of node #1',
      'node #3 repeats nodeid 2 of node #2',
      'node #3 has no name: tools fall back to ring0_addr',
    ]);
    assert.equal(report.ok, false);
  });

  it('reports the safety bound failing with the timings given', () => {
    const report = checkConfig(parseCorosyncConf(conf({})), { ...daemonTimingDefaults, lockLeaseMs: 10_000 });
    assert.equal(report.safety.ok, false);
    assert.match(report.checks.find((c) => c.check === 'safety bound')?.message ?? '', /^unsafe timings: lock lease 10000 ms must exceed/);
  });

  it('rejects broken syntax with the line number', () => {
    assert.throws(() => parseCorosyncConf('totem {\n  token = 5\n}'), (err: unknown) => err instanceof ConfParseError && err.line === 2);
    assert.throws(() => parseCorosyncConf('totem {\n'), /not closed/);
    assert.throws(() => parseCorosyncConf('}'), /line 1: '}' without an open section/);
  });
});
