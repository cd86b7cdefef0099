import assert from 'node:assert/strict';
import { renderCorosyncConf, type CorosyncConfigInput } from '../../../src/lab/corosync-config';
import { labNames } from '../../../src/lab/names';

const nodes = labNames('abc123', 2).hosts.filter((h) => h.nodeId !== undefined);
const base: CorosyncConfigInput = {
  clusterName: 'ql-abc123', nodes, profile: 'default', arbiterAddress: '10.213.0.9',
  algorithm: 'ffsplit', tieBreaker: 'lowest', tls: 'off', logFile: '/x/corosync.log', stateDir: '/x/state',
};

describe('lab corosync.conf rendering', () => {
  it('lists every node and the quorum device on the arbiter', () => {
    const conf = renderCorosyncConf(base);
    assert.match(conf, /nodeid: 1\n\s+name: node1\n\s+ring0_addr: 10\.213\.0\.1/);
    assert.match(conf, /nodeid: 2\n\s+name: node2\n\s+ring0_addr: 10\.213\.0\.2/);
    assert.match(conf, /model: net/);
    assert.match(conf, /host: 10\.213\.0\.9\n\s+algorithm: ffsplit\n\s+tie_breaker: lowest\n\s+tls: off/);
    assert.match(conf, /state_dir: \/x\/state/);
    assert.doesNotMatch(conf, /token:/, 'the default profile keeps corosync defaults');
  });

  it('the fast profile shrinks totem and device timings; caller settings override it', () => {
    const conf = renderCorosyncConf({ ...base, profile: 'fast', device: { timeout: 5000 }, totem: { token: 1500 } });
    assert.match(conf, /token: 1500/);
    assert.doesNotMatch(conf, /consensus:/, 'corosync derives consensus from the token in force (with token_coefficient)');
    assert.match(conf, /timeout: 5000/);
    assert.match(conf, /sync_timeout: 9000/);
  });

  it('renders a heuristics block inside the device, command lines with blanks, and refuses braces', () => {
    const conf = renderCorosyncConf({ ...base, heuristics: { mode: 'sync', exec_check: '/usr/bin/test ! -e /run/fail' } });
    assert.match(conf, /\n\s+heuristics \{\n\s+mode: sync\n\s+exec_check: \/usr\/bin\/test ! -e \/run\/fail\n\s+\}/);
    assert.throws(() => renderCorosyncConf({ ...base, heuristics: { exec_x: 'a } b' } }), /invalid corosync heuristics setting exec_x/);
  });

  it('runs without a device section when there is no arbiter', () => {
    const { arbiterAddress: _unused, ...withoutDevice } = base;
    assert.doesNotMatch(renderCorosyncConf(withoutDevice), /device/);
  });

  it('lms gives the device one vote less than the nodes', () => {
    const three = labNames('abc123', 3).hosts.filter((h) => h.nodeId !== undefined);
    assert.match(renderCorosyncConf({ ...base, nodes: three, algorithm: 'lms' }), /votes: 2/);
  });

  it('rejects a setting that would break the file', () => {
    assert.throws(() => renderCorosyncConf({ ...base, totem: { 'bad key': 1 } }), /invalid corosync setting/);
    assert.throws(() => renderCorosyncConf({ ...base, device: { timeout: '1 }' } }), /invalid corosync setting/);
  });
});
