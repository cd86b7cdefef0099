import assert from 'node:assert/strict';
import type { DaemonStatus } from '../../../src/daemon/operator/backend';
import { LabHaCluster } from '../../../src/lab/ha-cluster';
import { NamespaceLab } from '../../../src/lab/namespace-lab';
import type { MembershipSnapshot } from '../../../src/quorum/types';
import { skipWithoutLab } from '../../support/lab';

/**
 * The operator CLI against real daemons on real corosync: an edit made on one node is seen in
 * `quorate status` on the other, with the HA part (master, services, locks) next to membership.
 */
describe('operator CLI and quorate status against the node daemons (real corosync)', function () {
  let lab: NamespaceLab;
  let ha: LabHaCluster;

  before(async function () {
    skipWithoutLab(this);
    lab = await NamespaceLab.up({ profile: 'fast', qdevice: 'integrated' });
    ha = await LabHaCluster.start(lab);
  });

  after(async () => {
    await ha?.stop();
    await lab?.down();
  });

  it('an edit on node1 shows in status on node2, with master, service and lock holders', async () => {
    const added = await ha.cli('node1', ['resource', 'add', 'lab:ops', '--node', 'node2', '--state', 'stopped', '--param', 'address=10.213.0.101/24', '--param', 'port=8181']);
    assert.equal(added.code, 0, added.stderr);
    let status: MembershipSnapshot & { ha: DaemonStatus | null } = { ha: null } as never;
    for (let tries = 0; tries < 60; tries++) {
      const r = await ha.cli('node2', ['status', '--json']);
      assert.equal(r.code, 0, r.stderr);
      status = JSON.parse(r.stdout) as typeof status;
      if (status.ha?.store.managerStatus?.serviceStatus['lab:ops']?.state === 'stopped') break;
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
    assert.equal(status.quorate, true);
    assert.ok(status.ha !== null, 'the daemon answers');
    assert.equal(status.ha.node, 'node2');
    assert.deepEqual(status.ha.store.config.resources['lab:ops']?.params, { address: '10.213.0.101/24', port: '8181' });
    const master = status.ha.store.managerStatus?.master;
    assert.ok(master === 'node1' || master === 'node2', `a master: ${String(master)}`);
    assert.equal(status.ha.store.managerStatus?.serviceStatus['lab:ops']?.state, 'stopped');
    assert.equal(status.ha.store.locks['ha-manager']?.holder, master);
    assert.equal(status.ha.diskProblem, null, 'it records HA state');
    const text = await ha.cli('node2', ['status']);
    assert.match(text.stdout, /quorate:\s+yes/);
    assert.match(text.stdout, /HA state disk:\s+recording/);
    assert.match(text.stdout, new RegExp(`HA master:\\s+${master}`));
    assert.match(text.stdout, /lab:ops\s+stopped\s+node2/);
  });

  it('commands and refusals from the CLI carry their exit codes', async () => {
    const moved = await ha.cli('node2', ['resource', 'relocate', 'lab:ops', 'node1']);
    assert.equal(moved.code, 0, moved.stderr);
    assert.match(moved.stdout, /queued command \d+: relocate lab:ops to node1/);
    const twice = await ha.cli('node2', ['resource', 'add', 'lab:ops']);
    assert.equal(twice.code, 4);
    assert.match(twice.stderr, /resource lab:ops already exists/);
    const badParam = await ha.cli('node1', ['resource', 'add', 'lab:bad', '--param', 'address=10.213.0.102']);
    assert.equal(badParam.code, 2);
    assert.match(badParam.stderr, /parameters of lab:bad: lab service parameter 'address' must be an IPv4 address with a prefix length/);
    const unknown = await ha.cli('node1', ['resource', 'migrate', 'lab:ops', 'node5']);
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /unknown node 'node5'/);
  });
});
