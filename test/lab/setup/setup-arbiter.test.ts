import assert from 'node:assert/strict';
import { join } from 'node:path';
import { Lab } from '../../../src/lab/lab';
import type { HostName } from '../../../src/lab/names';
import { planArbiterSetup, type ArbiterSetupOptions } from '../../../src/setup/arbiter-setup';
import type { RemoteRunner } from '../../../src/setup/remote';
import { SetupRefusedError } from '../../../src/setup/quorum-device-conf';
import { skipWithoutLab } from '../../support/lab';

const cli = join(__dirname, '../../../src/cli/main.js');

/**
 * `quorate setup arbiter` on real corosync: a lab without a quorum device (the arbiter host runs
 * nothing) gets one through the same steps a real cluster gets over ssh, here through the lab's
 * namespaces: corosync.conf on both nodes, corosync's reload, real corosync-qnetd on the arbiter,
 * real corosync-qdevice on the nodes, and the third vote.
 */
describe('quorate setup arbiter (real corosync)', function () {
  let lab: Lab;
  let runner: RemoteRunner;
  let options: ArbiterSetupOptions;

  before(async function () {
    skipWithoutLab(this);
    lab = await Lab.up({ profile: 'fast', qdevice: 'none', arbiter: 'none' });
    const byAddress = new Map<string, HostName>(Object.values(lab.hosts).map((h) => [h.address, h.name]));
    byAddress.set('localhost', 'node1');
    runner = {
      run: (host, argv, input) => {
        const name = byAddress.get(host);
        if (name === undefined) throw new Error(`no lab host ${host}`);
        const command = argv[0] === 'quorate' ? [process.execPath, cli, ...argv.slice(1)] : argv;
        return lab.exec(name, command, input === undefined ? {} : { input });
      },
    };
    options = {
      arbiter: lab.hosts.arbiter.address,
      device: { port: 5403, algorithm: 'ffsplit', tieBreaker: 'lowest', tls: 'off' },
      replace: false,
      confPath: (host) => join(lab.host(byAddress.get(host)!).dir, 'corosync.conf'),
      arbiterStart: ['corosync-qnetd', '-s', 'off', '-l', lab.hosts.arbiter.address],
      deviceStart: ['corosync-qdevice'],
      voteTimeoutMs: 30_000,
    };
  });

  after(async () => {
    await lab?.down();
  });

  it('refuses while a node is down, changing nothing', async () => {
    await lab.powerOff('node2');
    await lab.waitForQuorum('node1', (s) => s.nodes === 1, 20_000);
    await assert.rejects(planArbiterSetup(runner, 'localhost', options), (err: Error) => err instanceof SetupRefusedError && /not quorate|1 of 2 nodes/.test(err.message));
    await lab.powerOn('node2');
    await lab.waitQuorate({ timeoutMs: 30_000, deviceVote: false });
  });

  it('adds the quorum device: both nodes count the arbiter\'s vote', async () => {
    const steps = await planArbiterSetup(runner, 'localhost', options);
    for (const step of steps) await step.run();
    const status = await lab.quorumStatus('node2');
    assert.equal(status.totalVotes, 3);
    assert.equal(status.qdeviceVotes, 1);
    const conf = await runner.run('localhost', ['cat', options.confPath('localhost')]);
    assert.match(conf.stdout, /device \{\n\s+model: net/);
    assert.match(conf.stdout, /config_version: 1/);
  });

  it('refuses a second device unless told to replace it', async () => {
    await assert.rejects(planArbiterSetup(runner, 'localhost', options), /configured already.*--force/);
  });
});
