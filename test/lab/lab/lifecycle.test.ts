import assert from 'node:assert/strict';
import { NamespaceLab } from '../../../src/lab/namespace-lab';
import { monotonicClock } from '../../../src/util/clock';
import { skipWithoutLab } from '../../support/lab';
import { tracesOf } from './leftovers';

describe('lab lifecycle (real corosync in namespaces)', function () {
  const labs: NamespaceLab[] = [];

  before(function () {
    skipWithoutLab(this);
  });

  afterEach(async () => {
    for (const lab of labs.splice(0)) await lab.down();
  });

  it('brings two labs up at once, both quorate with the device vote, and down leaves nothing behind', async () => {
    const started = monotonicClock.now();
    const [a, b] = await Promise.all([NamespaceLab.up({ profile: 'fast' }), NamespaceLab.up({ profile: 'fast' })]);
    labs.push(a, b);
    console.log(`      bring-up of two labs at once: ${monotonicClock.now() - started} ms (${a.upDurationMs} / ${b.upDurationMs} ms each)`);
    assert.notEqual(a.id, b.id);
    const namespacesA = Object.values(a.hosts).map((h) => h.netns);
    assert.equal(Object.values(b.hosts).filter((h) => namespacesA.includes(h.netns)).length, 0);

    const statuses = await Promise.all([a, b].flatMap((lab) => [lab.quorumStatus('node1'), lab.quorumStatus('node2')]));
    for (const status of statuses) {
      assert.equal(status.quorate, true);
      assert.equal(status.nodes, 2);
      assert.equal(status.expectedVotes, 3);
      assert.equal(status.totalVotes, 3);
      assert.equal(status.qdeviceVotes, 1);
    }

    const daemonPids = [a, b].map(async (lab) => (await lab.status()).hosts.flatMap((h) => h.daemons.map((d) => d.pid)));
    const pids = (await Promise.all(daemonPids));
    const downStarted = monotonicClock.now();
    for (const lab of labs.splice(0)) await lab.down();
    console.log(`      teardown of two labs: ${monotonicClock.now() - downStarted} ms`);
    for (const [i, lab] of [a, b].entries()) {
      const traces = tracesOf(lab.id, pids[i] ?? [], [lab.dir, lab.hosts.node1.dir]);
      assert.deepEqual(traces, { namespaces: [], processes: [], shmFiles: [], dirs: [] });
    }
  });

  it('runs helpers in a node with its private /run: corosync tools and node scripts work there', async () => {
    const lab = await NamespaceLab.up({ profile: 'fast' });
    labs.push(lab);
    const cmap = await lab.exec('node1', ['corosync-cmapctl', '-g', 'totem.token']);
    assert.equal(cmap.code, 0, cmap.stderr);
    assert.match(cmap.stdout, /= 1000$/m);
    const pidFiles = await Promise.all(['node1', 'node2'].map((n) => lab.exec(n as 'node1', ['cat', '/run/corosync.pid'])));
    assert.notEqual(pidFiles[0]?.stdout, pidFiles[1]?.stdout, 'each node has its own /run');
    assert.equal((await lab.exec('node1', ['cat'], { input: 'to stdin' })).stdout, 'to stdin');
    const slow = await lab.exec('node1', ['sleep', '10'], { timeoutMs: 200 });
    assert.equal(slow.code, 124);
    assert.match(slow.stderr, /timed out after 200 ms/);
    const qdevice = await lab.exec('node2', ['corosync-qdevice-tool', '-s']);
    assert.match(qdevice.stdout, /State:\s+Connected/);

    const script = "process.stdin.on('data', (d) => process.stdout.write('echo:' + d))";
    const child = lab.spawn('node1', [process.execPath, '-e', script], { stdio: ['pipe', 'pipe', 'inherit'] });
    const echoed = await new Promise<string>((resolve) => {
      child.stdout?.once('data', (d: Buffer) => resolve(d.toString()));
      child.stdin?.write('hello');
    });
    assert.equal(echoed, 'echo:hello');
    child.kill();
  });
});
