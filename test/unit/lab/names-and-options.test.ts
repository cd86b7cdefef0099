import assert from 'node:assert/strict';
import { LabOptionError } from '../../../src/lab/errors';
import { labIdOfNamespace, labNames, newLabId } from '../../../src/lab/names';
import { resolveLabOptions } from '../../../src/lab/options';

describe('lab names and options', () => {
  it('puts the lab id in every namespace and interface name, within 15 characters', () => {
    const id = newLabId();
    const names = labNames(id, 3);
    const interfaces = [names.bridge, ...names.hosts.flatMap((h) => [h.ifname, h.port])];
    for (const name of [...interfaces, names.bridgeNetns, ...names.hosts.map((h) => h.netns)]) {
      assert.ok(name.includes(id), name);
    }
    for (const name of interfaces) assert.ok(name.length <= 15, name);
    assert.equal(new Set(names.hosts.map((h) => h.port)).size, 4);
    assert.equal(labIdOfNamespace(names.hosts[0]?.netns ?? ''), id);
    assert.equal(labIdOfNamespace('nq-n1'), undefined);
  });

  it('names and addresses 16 nodes apart from the arbiter, each namespace recognised as the lab\'s', () => {
    const id = newLabId();
    const names = labNames(id, 16);
    assert.deepEqual(names.hosts.map((h) => h.name), [...Array.from({ length: 16 }, (_, i) => `node${i + 1}`), 'arbiter']);
    assert.equal(new Set(names.hosts.map((h) => h.address)).size, 17, 'no address twice');
    assert.equal(new Set(names.hosts.map((h) => h.port)).size, 17, 'no switch port twice');
    assert.deepEqual(names.hosts.flatMap((h) => h.nodeId ?? []), Array.from({ length: 16 }, (_, i) => i + 1));
    for (const host of names.hosts) assert.equal(labIdOfNamespace(host.netns), id, host.netns);
  });

  it('accepts 2 to 16 nodes', () => {
    for (const nodes of [2, 5, 9, 16]) assert.equal(resolveLabOptions({ nodes }, 'abc123').nodes, nodes);
  });

  it('fills defaults: default profile, ffsplit, qnetd, two nodes, a unique name', () => {
    const options = resolveLabOptions({}, 'abc123');
    assert.equal(options.name, 'lab-abc123');
    assert.equal(options.profile, 'default');
    assert.equal(options.algorithm, 'ffsplit');
    assert.equal(options.arbiter, 'corosync-qnetd');
    assert.equal(options.nodes, 2);
    assert.equal(options.certificates, 'corosync-certutil');
  });

  const bad: [string, Parameters<typeof resolveLabOptions>[0], RegExp][] = [
    ['a bad name', { name: 'Bad Name!' }, /invalid lab name/],
    ['an unknown profile', { profile: 'slow' as 'fast' }, /invalid profile "slow"/],
    ['one node', { nodes: 1 }, /invalid node count 1: expected a whole number from 2 to 16/],
    ['seventeen nodes', { nodes: 17 }, /invalid node count 17: expected a whole number from 2 to 16/],
    ['a fractional node count', { nodes: 2.5 }, /invalid node count 2.5/],
    ['a device without an arbiter', { arbiter: 'none' }, /needs an arbiter/],
    ['2nodelms on three nodes', { algorithm: '2nodelms', nodes: 3 }, /2nodelms needs exactly 2 nodes/],
    ['a bad tie breaker', { tieBreaker: 'middle' as 'lowest' }, /invalid tie breaker/],
    ['an empty arbiter command', { arbiter: { command: [] } }, /invalid arbiter/],
    ['an empty qdevice command', { qdevice: { command: [] } }, /invalid qdevice/],
    ['an unknown qdevice', { qdevice: 'corosync-qdevice-ng' as 'none' }, /invalid qdevice "corosync-qdevice-ng"/],
    ['an unknown certificate tool', { certificates: 'certbot' as 'quorate' }, /invalid certificate tool "certbot"/],
    ['an unknown tls mode', { tls: 'maybe' as 'on' }, /invalid tls mode "maybe"/],
  ];
  for (const [what, options, message] of bad) {
    it(`rejects ${what} with a clear error`, () => {
      assert.throws(() => resolveLabOptions(options, 'abc123'), (err: Error) => err instanceof LabOptionError && message.test(err.message));
    });
  }
});
