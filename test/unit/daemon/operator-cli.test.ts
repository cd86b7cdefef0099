import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { renderHaStatus } from '../../../src/cli/ha-render';
import { defaultResource, managerLockName, type HaConfig, type ManagerStatus } from '../../../src/ha/types';
import { OperatorHarness } from './operator-harness';

const cli = join(__dirname, '..', '..', '..', 'src', 'cli', 'main.js');

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the built CLI as operators do, against the harness's socket. */
function quorate(socketPath: string, ...args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(process.execPath, [cli, ...args, '--socket', socketPath], { timeout: 60_000 }, (err, stdout, stderr) => {
      const code = err === null ? 0 : typeof err.code === 'number' ? err.code : -1;
      resolve({ code, stdout, stderr });
    });
  });
}

describe('operator CLI (built) against a served backend', function () {
  this.timeout(120_000);
  let h: OperatorHarness;
  before(async () => {
    h = await OperatorHarness.start();
  });
  after(() => h.stop());
  const q = (...args: string[]) => quorate(h.socketPath, ...args);
  const ok = async (...args: string[]): Promise<string> => {
    const r = await q(...args);
    assert.equal(r.code, 0, `quorate ${args.join(' ')}: ${r.stderr}`);
    return r.stdout;
  };
  const config = (): HaConfig => h.adapter(2).view().config;

  it('adds, changes, enables and disables a resource; list shows it in text and JSON', async () => {
    assert.match(await ok('resource', 'add', 'lab:web', '--param', 'address=10.0.0.9/24', '--param', 'port=8080', '--max-restart', '2'),
      /added lab:web on node1, requested state started/);
    assert.deepEqual(config().resources['lab:web'], { ...defaultResource('node1'), maxRestart: 2, params: { address: '10.0.0.9/24', port: '8080' } });
    await ok('resource', 'set', 'lab:web', '--node', 'node2', '--no-failback', '--unset-param', 'port', '--param', 'port=81');
    assert.deepEqual(config().resources['lab:web']?.params, { address: '10.0.0.9/24', port: '81' });
    assert.equal(config().resources['lab:web']?.node, 'node2');
    assert.equal(config().resources['lab:web']?.failback, false);
    await ok('resource', 'disable', 'lab:web');
    assert.equal(config().resources['lab:web']?.state, 'disabled');
    await ok('resource', 'enable', 'lab:web');
    const list = JSON.parse(await ok('resource', 'list', '--json')) as { resources: HaConfig['resources'] };
    assert.equal(list.resources['lab:web']?.state, 'started');
    assert.match(await ok('resource', 'list'), /lab:web\s+started\s+node2/);
  });

  it('static needs: --cores/--memory, taken from a VM\'s domain XML, dropped with --no-needs; list shows them', async () => {
    await ok('resource', 'add', 'lab:db', '--param', 'address=10.0.0.8/24', '--cores', '2', '--memory', '1024');
    assert.deepEqual(config().resources['lab:db']?.needs, { cores: 2, memoryMiB: 1024 });
    assert.match(await ok('resource', 'list'), /lab:db .* 2 cores, 1024 MiB/);
    const xml = join(h.dir, 'vm7.xml');
    writeFileSync(xml, "<domain type='qemu'><name>vm7</name><memory unit='GiB'>2</memory><vcpu>3</vcpu></domain>");
    await ok('resource', 'add', 'vm:7', '--domain-xml', xml);
    assert.deepEqual(config().resources['vm:7']?.needs, { cores: 3, memoryMiB: 2048 });
    await ok('resource', 'set', 'vm:7', '--cores', '1', '--memory', '512');
    assert.deepEqual(config().resources['vm:7']?.needs, { cores: 1, memoryMiB: 512 });
    await ok('resource', 'set', 'lab:db', '--no-needs');
    assert.equal(config().resources['lab:db']?.needs, undefined);
    for (const [args, message] of [
      [['resource', 'set', 'lab:db', '--cores', '2'], /--cores and --memory go together/],
      [['resource', 'set', 'lab:db', '--cores', '0', '--memory', '1'], /--cores and --memory must be at least 1/],
      [['resource', 'set', 'lab:db', '--no-needs', '--cores', '1', '--memory', '1'], /--no-needs goes with neither/],
    ] as const) {
      const r = await q(...args);
      assert.equal(r.code, 2, `quorate ${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, message);
    }
    writeFileSync(xml, "<domain type='qemu'><name>vm8</name><vcpu>1</vcpu></domain>");
    const bad = await q('resource', 'add', 'vm:8', '--domain-xml', xml);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--domain-xml: domain XML has no <memory> element \(or give --cores and --memory\)/);
  });

  it('groups and rules: add, list, refuse removal in use, remove', async () => {
    await ok('resource', 'add', 'vm:100', '--node', 'node1');
    await ok('group', 'add', 'pref', '--nodes', 'node1:2,node2', '--restricted');
    assert.deepEqual(config().groups.pref, { nodes: { node1: 2, node2: 0 }, restricted: true, nofailback: false });
    await ok('resource', 'set', 'vm:100', '--group', 'pref');
    const inUse = await q('group', 'remove', 'pref');
    assert.equal(inUse.code, 4);
    assert.match(inUse.stderr, /group pref is in use by vm:100/);
    assert.match(await ok('group', 'list'), /pref\s+node1:2,node2:0\s+yes\s+no\s+vm:100/);
    await ok('resource', 'set', 'vm:100', '--no-group');
    await ok('group', 'remove', 'pref');
    await ok('rule', 'add', 'apart', '--type', 'resource-affinity', '--resources', 'vm:100,lab:web', '--affinity', 'apart');
    await ok('rule', 'add', 'on2', '--type', 'node-affinity', '--resources', 'vm:100', '--nodes', 'node2:1', '--strict');
    assert.deepEqual((JSON.parse(await ok('rule', 'list', '--json')) as Array<{ id: string }>).map((r) => r.id), ['apart', 'on2']);
    await ok('resource', 'remove', 'vm:100');
    assert.deepEqual(config().rules, [], 'rules lose the removed resource, and rules left without enough resources go');
  });

  it('queues manager commands with sequence numbers', async () => {
    assert.match(await ok('resource', 'migrate', 'lab:web', 'node1'), /queued command 1: migrate lab:web to node1/);
    await ok('resource', 'relocate', 'lab:web', 'node2');
    await ok('node', 'maintenance', 'on', 'node2');
    const disarm = JSON.parse(await ok('disarm', '--mode', 'ignore', '--json')) as { seq: number; command: unknown };
    assert.deepEqual(disarm, { seq: 4, command: { cmd: 'disarm-ha', mode: 'ignore' } });
    await ok('arm');
    assert.deepEqual(h.adapter(1).view().commands.map((c) => c.command.cmd),
      ['migrate', 'relocate', 'enable-node-maintenance', 'disarm-ha', 'arm-ha']);
  });

  it('settings: shows the cluster-wide settings and sets the shutdown policy through the store', async () => {
    assert.equal(await ok('settings'), 'shutdown-policy: conditional\n');
    assert.match(await ok('settings', 'shutdown-policy', 'migrate'), /shutdown-policy set to migrate/);
    assert.equal(h.adapter(2).view().config.settings.shutdownPolicy, 'migrate', 'replicated to the other node');
    assert.deepEqual(JSON.parse(await ok('settings', '--json')), { shutdownPolicy: 'migrate' });
    const bad = await q('settings', 'shutdown-policy', 'reboot');
    assert.equal(bad.code, 2, bad.stderr);
    assert.match(bad.stderr, /shutdown policy must be one of conditional, freeze, failover, migrate, not "reboot"/);
    const unknown = await q('settings', 'fencing', 'hw');
    assert.equal(unknown.code, 2, unknown.stderr);
    await ok('settings', 'shutdown-policy', 'conditional');
  });

  it('exit codes: 2 for bad arguments, 4 for refusals, 3 without a daemon', async () => {
    const cases: Array<[string[], number, RegExp]> = [
      [['resource', 'add', 'web'], 2, /sid "web" is not valid: write TYPE:ID/],
      [['resource', 'add', 'vm:1', '--node', 'node9'], 2, /unknown node 'node9'/],
      [['resource', 'add', 'vm:1', '--max-restart', 'many'], 2, /'many' is not a whole number/],
      [['resource', 'add', 'vm:1', '--state', 'up'], 2, /state must be one of started, stopped, disabled, ignored/],
      [['resource', 'add', 'vm:1', '--param', 'novalue'], 2, /--param 'novalue' must be KEY=VALUE/],
      [['node', 'maintenance', 'maybe', 'node1'], 2, /maintenance takes on or off/],
      [['disarm', '--mode', 'later'], 2, /disarm mode must be one of freeze, ignore/],
      [['rule', 'add', 'r', '--type', 'node-affinity', '--resources', 'lab:web'], 2, /needs --nodes/],
      [['resource', 'add', 'lab:web'], 4, /resource lab:web already exists/],
      [['resource', 'remove', 'vm:404'], 4, /no resource vm:404/],
    ];
    for (const [args, code, message] of cases) {
      const r = await q(...args);
      assert.equal(r.code, code, `quorate ${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, message);
    }
    h.quorate = false;
    try {
      const refused = await q('arm');
      assert.equal(refused.code, 4);
      assert.match(refused.stderr, /not in a quorate partition/);
    } finally {
      h.quorate = true;
    }
    const missing = await quorate(join(h.dir, 'none.sock'), 'resource', 'list');
    assert.equal(missing.code, 3);
    assert.match(missing.stderr, /no quorate daemon listening on .*none.sock: is `quorate daemon run` active\?/);
  });

  it('renders the HA part of quorate status: master, nodes, services, arming, locks', async () => {
    await h.adapter(1).apply({ kind: 'lock', op: 'acquire', lock: managerLockName }).then(() => undefined, () => undefined);
    await new Promise((r) => setTimeout(r, 50));
    const status: ManagerStatus = {
      master: 'node1', nodeStatus: { node1: 'online', node2: 'maintenance' }, nodeRequest: { node2: { maintenance: true } },
      serviceStatus: { 'lab:web': { state: 'started', node: 'node1', uid: 'u1', running: true } },
      disarm: { mode: 'freeze', state: 'disarmed' }, uidCounter: 1, commandSeq: 0, unprotected: [],
    };
    await h.adapter(1).apply({ kind: 'write-manager-status', status });
    const text = renderHaStatus(h.backend(1).status());
    assert.match(text, /HA master:\s+node1/);
    assert.match(text, /HA armed:\s+no \(disarmed, mode freeze\)/);
    assert.match(text, /node2\s+maintenance\s+-\s+requested/);
    assert.match(text, /lab:web\s+started\s+node2\s+started\s+node1\s+yes/);
    assert.match(text, /ha-manager\s+node1/);
    const withDevices = renderHaStatus({ ...h.backend(1).status(), fenceDevices: { node2: { devices: [
      { device: 'ipmi-node1', node: 'node1', level: 1, ok: false, reason: 'Connection timed out (exit 1)', at: '2026-12-03T16:00:00.000Z', durationMs: 20_100 },
    ] } } });
    assert.match(withDevices, /ipmi-node1\s+node1 level 1\s+node2\s+FAILED: Connection timed out \(exit 1\)\s+2026-12-03T16:00:00.000Z/);
  });

  it('a node that cannot record HA state: the operator command gets the disk error at once, status shows it', async () => {
    h.cluster.disk(1).set('full', 0);
    try {
      await h.adapter(1).apply({ kind: 'write-lrm-status', node: 'node1', status: { state: 'wait_for_agent_lock', mode: 'active', results: {}, timestamp: 0 } as never })
        .then(() => assert.fail('a write on a full disk was acknowledged'), () => undefined);
      const refused = await q('arm');
      assert.equal(refused.code, 4, refused.stderr);
      assert.match(refused.stderr, /node node1 cannot record HA state \(writing .*store\.(log|json)\.?\S* failed: ENOSPC/);
      const status = h.backend(1).status();
      assert.match(status.diskProblem ?? '', /ENOSPC/);
      assert.match(renderHaStatus(status), /HA state disk:\s+CANNOT RECORD \(.*ENOSPC.*\): writes refused, no new HA work/);
    } finally {
      h.cluster.disk(1).set(null);
    }
  });
});
