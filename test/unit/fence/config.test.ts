import assert from 'node:assert/strict';
import { ConfigError, parseConfig } from '../../../src/daemon/config';
import { defaultAgentTimeoutMs, parseFencing } from '../../../src/fence/config';

const ipmi = { name: 'ipmi-node1', agent: 'fence_ipmilan', options: { ip: '10.213.0.201', username: 'admin', lanplus: 1, cipher: 3 } };
const pdu = { name: 'pdu-a', agent: 'fence_apc_snmp', options: { ip: '10.0.0.5', plug: 4 }, timeoutMs: 10_000 };

describe('fencing config', () => {
  it('keeps the levels in order, with option values as the strings the agent reads', () => {
    const fencing = parseFencing({ nodes: { node1: [ipmi, pdu] } });
    assert.deepEqual(fencing.nodes.node1?.map((d) => d.name), ['ipmi-node1', 'pdu-a']);
    assert.deepEqual(fencing.nodes.node1?.[0]?.options, { ip: '10.213.0.201', username: 'admin', lanplus: '1', cipher: '3' });
    assert.equal(fencing.nodes.node1?.[0]?.timeoutMs, defaultAgentTimeoutMs);
    assert.equal(fencing.nodes.node1?.[1]?.timeoutMs, 10_000);
    assert.equal(fencing.agentDir, '/usr/sbin');
  });

  it('is empty by default in the daemon config', () => {
    assert.deepEqual(parseConfig({ node: 'node1' }).fencing.nodes, {});
  });

  const bad: Array<[string, unknown, RegExp]> = [
    ['a password in the config', { nodes: { node1: [{ ...ipmi, options: { password: 'secret' } }] } }, /nodes\.node1\[0\]\.options\.password: a secret does not belong in the config.*secrets file under "ipmi-node1"/],
    ['an SNMP community in the config', { nodes: { node1: [{ ...pdu, options: { community: 'private' } }] } }, /options\.community: a secret/],
    ['an action option', { nodes: { node1: [{ ...ipmi, options: { action: 'off' } }] } }, /options\.action: set by quorate/],
    ['a line break in a value (a second stdin line)', { nodes: { node1: [{ ...ipmi, options: { ip: '10.0.0.1\naction=off' } }] } }, /options\.ip: must be a string.*without line breaks/],
    ['an option name the agents cannot read', { nodes: { node1: [{ ...ipmi, options: { 'I P': 'x' } }] } }, /invalid agent option name/],
    ['an agent that is not a fence agent', { nodes: { node1: [{ ...ipmi, agent: '/bin/sh' }] } }, /nodes\.node1\[0\]\.agent: must name a fence-agents program/],
    ['a node without levels', { nodes: { node1: [] } }, /nodes\.node1: must be a non-empty list/],
    ['a device name used twice', { nodes: { node1: [ipmi], node2: [ipmi] } }, /nodes\.node2\[0\]\.name: device name "ipmi-node1" is used twice/],
    ['a zero timeout', { nodes: { node1: [{ ...ipmi, timeoutMs: 0 }] } }, /timeoutMs: must be a positive integer/],
    ['an unknown device key', { nodes: { node1: [{ ...ipmi, level: 1 }] } }, /nodes\.node1\[0\]\.level: unknown key/],
    ['a relative secrets file', { secretsFile: 'secrets.json' }, /secretsFile: must be an absolute path/],
    ['an unknown key', { devices: {} }, /devices: unknown key/],
  ];
  for (const [what, fencing, pattern] of bad) {
    it(`refuses ${what}, naming the key`, () => {
      assert.throws(() => parseConfig({ node: 'node1', fencing }),
        (err: Error) => err instanceof ConfigError && err.message.includes('fencing.') && pattern.test(err.message));
    });
  }
});
