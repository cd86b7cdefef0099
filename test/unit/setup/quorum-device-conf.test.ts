import assert from 'node:assert/strict';
import { clusterOf, SetupRefusedError, withQuorumDevice } from '../../../src/setup/quorum-device-conf';
import { shellQuote } from '../../../src/setup/remote';
import { twoNodeConf as conf } from './two-node-conf';

const device = { host: '10.0.0.9', port: 5403, algorithm: 'ffsplit' as const, tieBreaker: 'lowest', tls: 'off' as const, votes: 1 };

describe('setup arbiter: the quorum device in corosync.conf', () => {
  it('adds the device section inside quorum and bumps config_version, keeping the rest', () => {
    const next = withQuorumDevice(conf, device, false);
    assert.match(next, /# the operator's comment stays/);
    assert.match(next, /config_version: 5/);
    assert.match(next, /quorum \{\n {2}provider: corosync_votequorum\n {2}device \{\n {4}model: net\n {4}votes: 1\n {4}net \{\n {6}host: 10\.0\.0\.9\n/);
    assert.deepEqual(clusterOf(next), { name: 'c1', nodes: [{ name: 'node1', address: '10.0.0.1' }, { name: 'node2', address: '10.0.0.2' }], hasDevice: true, twoNode: false });
  });

  it('refuses a second device unless replacing, and then keeps exactly one', () => {
    const once = withQuorumDevice(conf, device, false);
    assert.throws(() => withQuorumDevice(once, device, false), (e: Error) => e instanceof SetupRefusedError && /--force/.test(e.message));
    const twice = withQuorumDevice(once, { ...device, host: '10.0.0.10' }, true);
    assert.equal(twice.match(/device \{/g)?.length, 1);
    assert.match(twice, /host: 10\.0\.0\.10/);
    assert.match(twice, /config_version: 6/);
  });

  it('refuses two_node and starts config_version at 1 when there was none', () => {
    assert.throws(() => withQuorumDevice(conf.replace('provider: corosync_votequorum', 'provider: corosync_votequorum\n  two_node: 1'), device, false), /two_node/);
    assert.match(withQuorumDevice(conf.replace('  config_version: 4\n', ''), device, false), /totem \{\n {2}config_version: 1\n/);
  });

  it('quotes words for the remote shell', () => {
    assert.equal(shellQuote('corosync-cfgtool'), 'corosync-cfgtool');
    assert.equal(shellQuote("it's a b"), "'it'\\''s a b'");
  });
});
