import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { NamespaceLab, type LabStatus } from '../../../src/lab/namespace-lab';
import { newLabId } from '../../../src/lab/names';
import { readState } from '../../../src/lab/state';
import { listNamespacesSync } from '../../../src/lab/teardown';
import { skipWithoutLab } from '../../support/lab';
import { tracesOf } from './leftovers';

const cli = join(__dirname, '../../../src/cli/main.js');
const labModule = join(__dirname, '../../../src/lab/namespace-lab.js');

function quorate(...args: string[]) {
  return spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', timeout: 90_000 });
}

/** A process that owns a lab and then waits forever, as a test run that will be interrupted. */
async function startOwner(name: string): Promise<{ child: ReturnType<typeof spawn>; id: string }> {
  const script = `require(${JSON.stringify(labModule)}).NamespaceLab.up({ profile: 'fast', name: ${JSON.stringify(name)} })
    .then((lab) => { console.log(lab.id); setInterval(() => undefined, 1000); }, (e) => { console.error(e); process.exit(1); });`;
  const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  const [data] = (await once(child.stdout, 'data')) as [Buffer];
  return { child, id: data.toString().trim() };
}

describe('lab CLI and crashed runs (real corosync)', function () {
  const name = `t-${newLabId()}`;

  before(function () {
    skipWithoutLab(this);
  });

  after(() => {
    if (readState(name) !== undefined) quorate('lab', 'down', '--name', name);
  });

  it('up, status --json, exec and down work across separate invocations', () => {
    const up = quorate('lab', 'up', '--name', name, '--profile', 'fast', '--json');
    assert.equal(up.status, 0, up.stderr);
    const upResult = JSON.parse(up.stdout) as { id: string; upDurationMs: number };
    console.log(`      CLI lab up: quorate after ${upResult.upDurationMs} ms`);

    const status = quorate('lab', 'status', '--name', name, '--json');
    assert.equal(status.status, 0, status.stderr);
    const parsed = JSON.parse(status.stdout) as LabStatus;
    for (const node of parsed.hosts.filter((h) => h.nodeId !== undefined)) {
      assert.ok(typeof node.quorum === 'object', `${node.name}: ${String(node.quorum)}`);
      assert.equal(node.quorum.quorate, true);
      assert.equal(node.quorum.nodes, 2);
      assert.equal(node.quorum.expectedVotes, 3);
      assert.equal(node.quorum.qdeviceVotes, 1);
    }

    const exec = quorate('lab', 'exec', '--name', name, 'node1', '--', 'corosync-quorumtool', '-s');
    assert.equal(exec.status, 0, exec.stderr);
    assert.match(exec.stdout, /^Quorate:\s+Yes$/m);
    assert.equal(quorate('lab', 'exec', '--name', name, 'node2', '--', 'sh', '-c', 'exit 7').status, 7);

    const again = quorate('lab', 'up', '--name', name, '--profile', 'fast');
    assert.equal(again.status, 1);
    assert.match(again.stderr, /already up/);

    const down = quorate('lab', 'down', '--name', name);
    assert.equal(down.status, 0, down.stderr);
    const daemons = parsed.hosts.flatMap((h) => h.daemons.map((d) => d.pid));
    assert.deepEqual(tracesOf(upResult.id, daemons, parsed.hosts.map((h) => h.dir)), { namespaces: [], processes: [], shmFiles: [], dirs: [] });
    const after = quorate('lab', 'status', '--name', name);
    assert.equal(after.status, 3);
    assert.match(after.stderr, /not up/);
  });

  it('SIGINT to the owner tears its lab down', async () => {
    const { child, id } = await startOwner(`${name}-int`);
    const state = readState(`${name}-int`);
    assert.ok(state !== undefined && listNamespacesSync().some((n) => n.includes(id)));
    child.kill('SIGINT');
    await once(child, 'exit');
    assert.deepEqual(tracesOf(id, state.pidsEverStarted, [state.workDir, state.dir]), { namespaces: [], processes: [], shmFiles: [], dirs: [] });
  });

  it('a later up clears the leftovers of an owner killed with SIGKILL', async () => {
    const { child, id } = await startOwner(`${name}-kill`);
    child.kill('SIGKILL');
    await once(child, 'exit');
    assert.ok(listNamespacesSync().some((n) => n.includes(id)), 'the killed owner left its lab behind');
    const left = readState(`${name}-kill`);
    assert.ok(left !== undefined);
    const daemons = Object.values(left.hosts).flatMap((h) => Object.values(h?.daemons ?? {}));
    const lab = await NamespaceLab.up({ profile: 'fast', name: `${name}-kill` });
    try {
      assert.deepEqual(tracesOf(id, [...left.pidsEverStarted, ...daemons], [left.workDir]), { namespaces: [], processes: [], shmFiles: [], dirs: [] });
    } finally {
      await lab.down();
    }
  });
});
