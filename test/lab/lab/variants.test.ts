import assert from 'node:assert/strict';
import { NamespaceLab } from '../../../src/lab/namespace-lab';
import { skipWithoutLab } from '../../support/lab';

describe('lab variants (real corosync)', function () {
  let lab: NamespaceLab | undefined;

  before(function () {
    skipWithoutLab(this);
  });

  afterEach(async () => {
    await lab?.down();
    lab = undefined;
  });

  it('three nodes with lms and the arbiter given as a command ({address} replaced)', async () => {
    lab = await NamespaceLab.up({
      profile: 'fast', nodes: 3, algorithm: 'lms',
      arbiter: { command: ['corosync-qnetd', '-f', '-s', 'off', '-l', '{address}'] },
    });
    console.log(`      3 nodes + lms bring-up: ${lab.upDurationMs} ms`);
    assert.ok(lab.hosts.node3 !== undefined);
    const status = await lab.quorumStatus('node3');
    assert.equal(status.nodes, 3);
    assert.equal(status.qdeviceVotes, 2);
    assert.equal(status.expectedVotes, 5);
    assert.match(await lab.arbiterClients(), /Node ID 3:/);
  });

  it('tls required: certificates made with corosync\'s tools, qdevice talks TLS to qnetd', async () => {
    lab = await NamespaceLab.up({ profile: 'fast', tls: 'required' });
    console.log(`      TLS bring-up (certificates included): ${lab.upDurationMs} ms`);
    for (const node of ['node1', 'node2'] as const) {
      const tool = await lab.exec(node, ['corosync-qdevice-tool', '-sv']);
      assert.match(tool.stdout, /^TLS active:\s+Yes \(client certificate sent\)$/m, tool.stderr);
    }
  });

  it('without a quorum device: two nodes, two expected votes, no arbiter process', async () => {
    lab = await NamespaceLab.up({ profile: 'fast', qdevice: 'none', arbiter: 'none' });
    const status = await lab.quorumStatus('node1');
    assert.equal(status.quorate, true);
    assert.equal(status.expectedVotes, 2);
    assert.equal(status.qdeviceVotes, 0);
    assert.deepEqual((await lab.status()).hosts.find((h) => h.name === 'arbiter')?.daemons, []);
  });
});
