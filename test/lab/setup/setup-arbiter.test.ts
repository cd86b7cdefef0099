import assert from 'node:assert/strict';
import { join } from 'node:path';
import { NamespaceLab } from '../../../src/lab/namespace-lab';
import type { HostName } from '../../../src/lab/names';
import { LAB_ARBITER_CERT_DIR } from '../../../src/lab/tls';
import { planArbiterSetup, type ArbiterSetupOptions } from '../../../src/setup/arbiter-setup';
import type { RemoteRunner } from '../../../src/setup/remote';
import { SetupRefusedError } from '../../../src/setup/quorum-device-conf';
import { skipWithoutLab } from '../../support/lab';

const cli = join(__dirname, '../../../src/cli/main.js');

interface SetupLab {
  lab: NamespaceLab;
  runner: RemoteRunner;
  options: ArbiterSetupOptions;
}

/**
 * Registers, in the calling describe, a lab without a quorum device (the arbiter host runs
 * nothing) and the runner setup uses in it: each host's commands run in its namespaces (private
 * /etc/corosync and /run), `quorate` is this build's CLI, and 'localhost' is node1, where setup
 * runs. The options ask for a device with `tls`, started by `arbiterStart` and corosync-qdevice.
 */
function useSetupLab(tls: 'off' | 'required', arbiterStart: (lab: NamespaceLab) => string[]): SetupLab {
  const context = {} as SetupLab;
  before(async function () {
    skipWithoutLab(this);
    const lab = await NamespaceLab.up({ profile: 'fast', qdevice: 'none', arbiter: 'none' });
    context.lab = lab;
    const byAddress = new Map<string, HostName>(Object.values(lab.hosts).map((h) => [h.address, h.name]));
    byAddress.set('localhost', 'node1');
    const hostOf = (address: string): HostName => {
      const name = byAddress.get(address);
      if (name === undefined) throw new Error(`no lab host ${address}`);
      return name;
    };
    context.runner = {
      run: (host, argv, input) => {
        const command = argv[0] === 'quorate' ? [process.execPath, cli, ...argv.slice(1)] : argv;
        return lab.exec(hostOf(host), command, input === undefined ? {} : { input });
      },
    };
    context.options = {
      arbiter: lab.hosts.arbiter.address,
      device: { port: 5403, algorithm: 'ffsplit', tieBreaker: 'lowest', tls },
      replace: false,
      confPath: (host) => join(lab.host(hostOf(host)).dir, 'corosync.conf'),
      arbiterStart: arbiterStart(lab),
      arbiterCertDir: LAB_ARBITER_CERT_DIR,
      deviceStart: ['corosync-qdevice'],
      voteTimeoutMs: 30_000,
    };
  });
  after(async () => {
    await context.lab?.down();
  });
  return context;
}

async function runAll(runner: RemoteRunner, options: ArbiterSetupOptions): Promise<void> {
  for (const step of await planArbiterSetup(runner, 'localhost', options)) await step.run();
}

/**
 * `quorate setup arbiter` on real corosync: the lab gets a quorum device through the same steps
 * a real cluster gets over ssh, here through the lab's namespaces: corosync.conf on both nodes,
 * corosync's reload, the arbiter, real corosync-qdevice on the nodes, and the third vote.
 */
describe('quorate setup arbiter (real corosync)', function () {
  const ctx = useSetupLab('off', (lab) => ['corosync-qnetd', '-s', 'off', '-l', lab.hosts.arbiter.address]);

  it('refuses while a node is down, changing nothing', async () => {
    await ctx.lab.powerOff('node2');
    await ctx.lab.waitForQuorum('node1', (s) => s.nodes === 1, 20_000);
    await assert.rejects(planArbiterSetup(ctx.runner, 'localhost', ctx.options), (err: Error) => err instanceof SetupRefusedError && /not quorate|1 of 2 nodes/.test(err.message));
    await ctx.lab.powerOn('node2');
    await ctx.lab.waitQuorate({ timeoutMs: 30_000, deviceVote: false });
  });

  it('adds the quorum device: both nodes count the arbiter\'s vote', async () => {
    await runAll(ctx.runner, ctx.options);
    const status = await ctx.lab.quorumStatus('node2');
    assert.equal(status.totalVotes, 3);
    assert.equal(status.qdeviceVotes, 1);
    const conf = await ctx.runner.run('localhost', ['cat', ctx.options.confPath('localhost')]);
    assert.match(conf.stdout, /device \{\n\s+model: net/);
    assert.match(conf.stdout, /config_version: 1/);
  });

  it('refuses a second device unless told to replace it', async () => {
    await assert.rejects(planArbiterSetup(ctx.runner, 'localhost', ctx.options), /configured already.*--force/);
  });
});

/**
 * `--tls required`: setup makes the certificates on the arbiter and both nodes (our certs verbs,
 * files through stdin/stdout only), starts our arbiter with them, and real corosync-qdevice on
 * both nodes votes over TLS.
 */
describe('quorate setup arbiter --tls required (real corosync-qdevice, our arbiter)', function () {
  // Our arbiter runs in the foreground: detach it as its unit would (the lab's teardown ends it with the namespace).
  const ctx = useSetupLab('required', (lab) => ['sh', '-c', '"$@" >/run/quorate-arbiter.log 2>&1 &', 'sh', process.execPath, cli, 'arbiter', 'run',
    '--listen', lab.hosts.arbiter.address, '--tls', 'required', '--cert-dir', LAB_ARBITER_CERT_DIR, '--status-socket', '/run/quorate-arbiter.sock']);

  it('makes the certificates and both nodes count the arbiter\'s vote over TLS', async () => {
    const t0 = performance.now();
    await runAll(ctx.runner, ctx.options);
    console.log(`      setup with TLS took ${Math.round(performance.now() - t0)} ms`);
    const status = await ctx.lab.quorumStatus('node2');
    assert.equal(status.totalVotes, 3);
    assert.equal(status.qdeviceVotes, 1);
    for (const node of ['node1', 'node2'] as const) {
      const tool = await ctx.lab.exec(node, ['corosync-qdevice-tool', '-sv']);
      assert.match(tool.stdout, /TLS active:\s+Yes/, `${node}: ${tool.stdout}`);
    }
    const conf = await ctx.runner.run('localhost', ['cat', ctx.options.confPath('localhost')]);
    assert.match(conf.stdout, /tls: required/);
    const list = await ctx.lab.exec('arbiter', [process.execPath, cli, 'arbiter', 'list', '--json', '--socket', '/run/quorate-arbiter.sock']);
    assert.equal(list.code, 0, list.stderr);
    assert.equal((JSON.parse(list.stdout) as { nodes: unknown[] }[])[0]?.nodes.length, 2);
  });
});
