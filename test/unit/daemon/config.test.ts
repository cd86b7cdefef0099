import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, daemonTimingDefaults, loadConfig, parseConfig } from '../../../src/daemon/config';

describe('daemon config', () => {
  it('fills defaults around the node name and maps timings onto HaTimings', () => {
    const config = parseConfig({ node: 'node1', timings: { lockLeaseMs: 20000 } });
    assert.equal(config.node, 'node1');
    assert.deepEqual(config.timings, { ...daemonTimingDefaults, lockLeaseMs: 20000 });
    assert.equal(parseConfig({ node: 'node1' }).timings.lockLeaseMs, 0, 'computed at start by default');
    assert.equal(config.watchdog.socket, '/run/quorate/watchdog-mux.sock');
    assert.equal(config.drivers.lab.port, 8080);
    assert.equal(config.drivers.vm.migrationUri, 'qemu+tcp://{address}/system');
    assert.deepEqual(parseConfig({ node: 'n1', drivers: { vm: { migrationAddresses: { node2: '10.0.0.2', node3: 'fd00::3' } } } }).drivers.vm.migrationAddresses,
      { node2: '10.0.0.2', node3: 'fd00::3' });
    assert.deepEqual(config.shutdown.jobsCommand, ['systemctl', 'list-jobs', '--no-legend', '--full']);
  });

  const bad: Array<[string, unknown, RegExp]> = [
    ['a missing node name', {}, /node: must be a node name/],
    ['a negative timing', { node: 'n1', timings: { watchdogMs: -1 } }, /timings\.watchdogMs/],
    ['a timing that is not a number', { node: 'n1', timings: { roundMs: 'fast' } }, /timings\.roundMs/],
    ['a relative socket path', { node: 'n1', operator: { socket: 'q.sock' } }, /operator\.socket: must be an absolute path/],
    ['a port out of range', { node: 'n1', drivers: { lab: { port: 70000 } } }, /drivers\.lab\.port/],
    ['an unknown key', { node: 'n1', timings: { leaseMs: 1 } }, /timings\.leaseMs/],
    ['a migration URI without {address}', { node: 'n1', drivers: { vm: { migrationUri: 'qemu+ssh://{target}/system' } } }, /drivers\.vm\.migrationUri: must contain \{address\}/],
    ['a host name as migration address', { node: 'n1', drivers: { vm: { migrationAddresses: { node2: 'node2.lan' } } } }, /drivers\.vm\.migrationAddresses: node2: "node2\.lan" is not an IP address/],
    ['a relative shared storage path', { node: 'n1', drivers: { vm: { sharedStorage: 'images' } } }, /drivers\.vm\.sharedStorage: must be an absolute path/],
    ['a jobs command that is not a list of words', { node: 'n1', shutdown: { jobsCommand: 'systemctl list-jobs' } }, /shutdown\.jobsCommand: must be a non-empty list/],
    ['an empty jobs command', { node: 'n1', shutdown: { jobsCommand: [] } }, /shutdown\.jobsCommand/],
  ];
  for (const [what, raw, pattern] of bad) {
    it(`rejects ${what}, naming the key`, () => {
      assert.throws(() => parseConfig(raw), (err: Error) => err instanceof ConfigError && pattern.test(err.message));
    });
  }

  it('rejects a config that is not an object', () => {
    assert.throws(() => parseConfig([1]), /must be a JSON object/);
  });

  describe('from a file', () => {
    let dir: string;
    beforeEach(() => { dir = mkdtempSync(join(tmpdir(), 'quorate-config-')); });
    afterEach(() => { rmSync(dir, { recursive: true, force: true }); });

    it('names the file for unreadable, non-JSON and bad content', () => {
      const path = join(dir, 'quorate.json');
      assert.throws(() => loadConfig(path), /cannot read .*quorate\.json/);
      writeFileSync(path, '{ node: ');
      assert.throws(() => loadConfig(path), /quorate\.json: not JSON/);
      writeFileSync(path, JSON.stringify({ node: 'n1', store: { dir: 'rel' } }));
      assert.throws(() => loadConfig(path), /quorate\.json: bad config: .*store\.dir/);
      writeFileSync(path, JSON.stringify({ node: 'n1' }));
      assert.equal(loadConfig(path).node, 'n1');
    });
  });
});
