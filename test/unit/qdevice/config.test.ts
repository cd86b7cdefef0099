import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadArbiterConfig, settingsFromConfig } from '../../../src/qdevice/arbiter/config';
import { CmapReader, readQuorumDeviceConfig } from '../../../src/qdevice/client/cmap-config';
import { loadQuorumDeviceConfig } from '../../../src/qdevice/client/settings';

function cmapOf(entries: Record<string, string | number>): CmapReader {
  return {
    find: (key) => entries[key],
    iterate: (prefix) => Object.entries(entries).filter(([k]) => k.startsWith(prefix)).map(([key, value]) => ({ key, value })),
  };
}

const base = {
  'quorum.device.model': 'net', 'quorum.device.net.host': '10.0.0.9', 'totem.cluster_name': 'c1',
  'runtime.votequorum.this_node_id': 2, 'nodelist.node.0.nodeid': 1, 'nodelist.node.1.nodeid': 2,
};

describe('arbiter configuration (convict)', () => {
  it('defaults to qnetd\'s port on the dual-stack wildcard with TLS off', () => {
    const s = settingsFromConfig(loadArbiterConfig(undefined, {}));
    assert.equal(s.port, 5403);
    assert.equal(s.host, '::');
    assert.ok(s.listenBacklog >= 4096);
  });

  it('names the key of a bad setting, from the command line or the file', () => {
    assert.throws(() => loadArbiterConfig(undefined, { port: 70000 }), /port/);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'quorate-cfg-'));
    try {
      fs.writeFileSync(path.join(dir, 'a.json'), JSON.stringify({ tls: 'maybe' }));
      assert.throws(() => loadArbiterConfig(path.join(dir, 'a.json'), {}), /tls: must be one of/);
      fs.writeFileSync(path.join(dir, 'b.json'), JSON.stringify({ bogusKey: 1 }));
      assert.throws(() => loadArbiterConfig(path.join(dir, 'b.json'), {}), /bogusKey/);
      fs.writeFileSync(path.join(dir, 'c.json'), JSON.stringify({ maxMessageSize: 1024 }));
      assert.throws(() => loadArbiterConfig(path.join(dir, 'c.json'), {}), /maxMessageSize/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('node-side quorum device configuration from cmap', () => {
  it('reads what corosync-qdevice reads, with its defaults', () => {
    const c = readQuorumDeviceConfig(cmapOf({ ...base, 'quorum.device.net.tie_breaker': '2', 'quorum.device.timeout': 3000 }));
    assert.deepEqual({ ...c }, {
      host: '10.0.0.9', port: 5403, clusterName: 'c1', nodeId: 2, algorithm: 1, tieBreaker: { mode: 3, nodeId: 2 },
      keepActivePartition: true, deviceTimeout: 3000, configNodes: [1, 2], waitForAll: false, tls: 'on',
      heuristics: { mode: 'off', timeout: 1500, syncTimeout: 15000, interval: 9000, commands: [] },
    });
  });

  it('reads TLS and exec heuristics (quorum.device.heuristics.*)', () => {
    const c = readQuorumDeviceConfig(cmapOf({ ...base, 'quorum.device.net.tls': 'required', 'quorum.device.heuristics.mode': 'sync',
      'quorum.device.heuristics.timeout': 700, 'quorum.device.heuristics.exec_ping': '/bin/ping -c 1  10.0.0.1' }));
    assert.equal(c.tls, 'required');
    assert.deepEqual(c.heuristics, { mode: 'sync', timeout: 700, syncTimeout: 15000, interval: 30000,
      commands: [{ name: 'ping', argv: ['/bin/ping', '-c', '1', '10.0.0.1'] }] });
  });

  it('names the offending key', () => {
    assert.throws(() => readQuorumDeviceConfig(cmapOf({ ...base, 'quorum.device.net.host': '' })), /quorum\.device\.net\.host/);
    assert.throws(() => readQuorumDeviceConfig(cmapOf({ ...base, 'quorum.device.net.algorithm': 'majority' })), /quorum\.device\.net\.algorithm/);
    assert.throws(() => readQuorumDeviceConfig(cmapOf({ ...base, 'quorum.device.net.tie_breaker': 'middle' })), /tie_breaker/);
    assert.throws(() => readQuorumDeviceConfig(cmapOf({ ...base, 'quorum.device.net.port': 'x' })), /quorum\.device\.net\.port/);
    assert.throws(() => readQuorumDeviceConfig(cmapOf({ ...base, 'totem.cluster_name': '' })), /totem\.cluster_name/);
    assert.throws(() => readQuorumDeviceConfig(cmapOf({ ...base, 'quorum.device.net.tls': 'maybe' })), /quorum\.device\.net\.tls: "maybe"/);
    assert.throws(() => readQuorumDeviceConfig(cmapOf({ ...base, 'quorum.device.heuristics.mode': 'always' })), /heuristics\.mode/);
    assert.throws(() => readQuorumDeviceConfig(cmapOf({ ...base, 'quorum.device.heuristics.exec_x': ' ' })), /exec_x: empty command/);
  });
});

describe('node-side quorum device settings with the TLS files', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'quorate-nssdb-'));
  const warnings: string[] = [];
  const log = { info: () => undefined, warn: (m: string) => { warnings.push(m); } };
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('tls required without the files: an error naming them; tls on: plaintext with a warning', () => {
    assert.throws(() => loadQuorumDeviceConfig(cmapOf({ ...base, 'quorum.device.net.tls': 'required' }), dir, log),
      /tls is required but .*qnetd-cacert\.crt and .*qdevice-net-node\.p12 cannot be read/);
    assert.equal(loadQuorumDeviceConfig(cmapOf(base), dir, log).tls, 'off');
    assert.match(warnings.join('\n'), /tls is on but .* TLS is off/);
  });

  it('loads the CA and the PKCS#12 bundle our certs commands leave in the NSS directory', () => {
    fs.writeFileSync(path.join(dir, 'qnetd-cacert.crt'), 'CA');
    fs.writeFileSync(path.join(dir, 'qdevice-net-node.p12'), 'P12');
    const c = loadQuorumDeviceConfig(cmapOf({ ...base, 'quorum.device.net.tls': 'required' }), dir, log);
    assert.deepEqual([c.tls, c.tlsMaterial?.ca.toString(), c.tlsMaterial?.pfx.toString()], ['required', 'CA', 'P12']);
  });
});
