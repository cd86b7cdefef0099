import assert from 'node:assert/strict';
import { NodeDaemon } from '../../../src/daemon/node-daemon';
import { ResourceRunner } from '../../../src/daemon/resources/runner';
import type { ResourceDriver, ResourceState } from '../../../src/daemon/resources/driver';
import type { WatchdogControl } from '../../../src/daemon/watchdog-control';
import type { ShutdownKind } from '../../../src/ha/lrm';
import { simulatorTimingDefaults } from '../../../src/ha/timings';
import { agentLockName, defaultResource, type HaConfig } from '../../../src/ha/types';
import type { MembershipSnapshot, MembershipSource } from '../../../src/quorum/types';
import { emptyHaConfig, haConfigDoc, HaStoreAdapter } from '../../../src/daemon/store/ha-adapter';
import { SimCluster } from '../store/sim-cluster';

const names = ['node1', 'node2'];

function membership(localNodeId: number): MembershipSource {
  const snapshot: MembershipSnapshot = {
    localNodeId, quorate: true, ringId: '1.1', expectedVotes: 2, totalVotes: 2, quorum: 2, qdevice: null,
    nodes: names.map((name, i) => ({ nodeId: i + 1, name, votes: 1, member: true })),
  };
  return { current: () => snapshot, onChange: () => () => undefined, close: () => undefined };
}

/** The watchdog seam: records what the LRM asked for, in order. */
class RecordingWatchdog implements WatchdogControl {
  readonly ops: string[] = [];
  armed = false;
  /** Opens that fail before one succeeds (a multiplexer not up yet). */
  failOpens = 0;
  open(): Promise<void> {
    if (this.failOpens > 0) {
      this.failOpens -= 1;
      this.ops.push('open failed');
      return Promise.reject(new Error('no multiplexer'));
    }
    this.ops.push('open');
    this.armed = true;
    return Promise.resolve();
  }
  update(): Promise<void> {
    this.ops.push('update');
    return Promise.resolve();
  }
  close(): Promise<void> {
    this.ops.push('close');
    this.armed = false;
    return Promise.resolve();
  }
  /** A lease handed over and not yet taken by the next daemon. */
  handedOver = false;
  handover(): Promise<void> {
    this.ops.push('handover');
    this.armed = false;
    this.handedOver = true;
    return Promise.resolve();
  }
  reattach(): Promise<boolean> {
    if (!this.handedOver) return Promise.resolve(false);
    this.ops.push('reattach');
    this.handedOver = false;
    this.armed = true;
    return Promise.resolve(true);
  }
}

/** The driver seam: a service that is running once started, with the watchdog state at each call. */
class RecordingDriver implements ResourceDriver {
  readonly type = 'lab';
  readonly calls: string[] = [];
  private readonly running = new Set<string>();
  constructor(private readonly watchdog: RecordingWatchdog) {}
  /** The service ends without HA stopping it (a crash, a stop by hand). */
  crash(id: string): void {
    this.running.delete(id);
  }
  start(id: string): Promise<void> {
    this.calls.push(`start ${id} armed=${String(this.watchdog.armed)}`);
    this.running.add(id);
    return Promise.resolve();
  }
  stop(id: string): Promise<void> {
    this.calls.push(`stop ${id}`);
    this.running.delete(id);
    return Promise.resolve();
  }
  migrate(): Promise<void> {
    return Promise.reject(new Error('lab services do not migrate'));
  }
  /** Status calls that fail before one answers (a hypervisor not reachable yet). */
  failStatus = 0;
  status(id: string): Promise<ResourceState> {
    if (this.failStatus > 0) {
      this.failStatus -= 1;
      this.calls.push(`status ${id} failed`);
      return Promise.reject(new Error('hypervisor not reachable'));
    }
    return Promise.resolve(this.running.has(id) ? 'running' : 'stopped');
  }
}

describe('NodeDaemon on the store over a simulated CPG', () => {
  let cluster: SimCluster;
  const daemons: NodeDaemon[] = [];
  const watchdogs: RecordingWatchdog[] = [];
  const drivers: RecordingDriver[] = [];
  const daemonLogs: string[] = [];

  beforeEach(async () => {
    cluster = new SimCluster(7, 2);
    await cluster.settle();
    const config: HaConfig = { ...emptyHaConfig(), resources: { 'lab:web': defaultResource('node1') } };
    await Promise.all([cluster.node(1).put(haConfigDoc, 'config', config), cluster.settle()]);
    for (const id of [1, 2]) {
      const watchdog = new RecordingWatchdog();
      watchdogs.push(watchdog);
      drivers.push(new RecordingDriver(watchdog));
      daemons.push(daemonOn(id));
    }
    for (const d of daemons) await d.start();
  });

  function adapterOf(id: number): HaStoreAdapter {
    return new HaStoreAdapter(cluster.node(id), (n) => names[n - 1] ?? `node${n}`);
  }

  /** A daemon on node `id` with that node's watchdog and driver; confirmed renewals of its agent lock go into the watchdog's ops. */
  function daemonOn(id: number): NodeDaemon {
    const store = cluster.node(id);
    const adapter = adapterOf(id);
    const watchdog = watchdogs[id - 1]!;
    return new NodeDaemon({
      timings: simulatorTimingDefaults, membership: membership(id), clock: cluster.clock,
      log: process.env.DEBUG_DAEMON === undefined
        ? { info: () => undefined, warn: (m) => daemonLogs.push(`${id} warn ${m}`), error: (m) => daemonLogs.push(`${id} error ${m}`) }
        : { info: (m) => console.log(id, m), warn: (m) => console.log(id, m), error: (m) => console.log(id, m) },
      store: {
        view: () => adapter.view(),
        apply: async (e) => {
          const applied = await adapter.apply(e);
          if (applied && e.kind === 'lock' && e.op === 'renew' && e.lock === agentLockName(names[id - 1]!)) watchdog.ops.push('renewed');
          return applied;
        },
        adopt: (lock) => adapter.adopt(lock),
        get current() { return store.current; },
        get diskProblem() { return store.diskProblem; },
      },
      watchdog, resources: new ResourceRunner([drivers[id - 1]!], 1000), monitorIntervalMs: 2000, capacity: { cores: 4 * id, memoryMiB: 1024 },
    });
  }

  /** Stops a daemon and runs the cluster until that stop completed (at most `ms`). */
  async function stopAndWait(daemon: NodeDaemon, kind: ShutdownKind, ms = 10_000): Promise<void> {
    let done = false;
    void daemon.stop(kind).then(() => {
      done = true;
    });
    for (let t = 0; t < ms && !done; t += 250) await runFor(250);
    assert.equal(done, true, `the ${kind} completed`);
  }

  const serviceState = () => adapterOf(2).view().managerStatus?.serviceStatus['lab:web'];

  afterEach(() => {
    for (const d of daemons) d.halt();
    daemons.length = 0;
    watchdogs.length = 0;
    drivers.length = 0;
    daemonLogs.length = 0;
    cluster.destroy();
  });

  async function runFor(ms: number): Promise<void> {
    for (let t = 0; t < ms; t += 250) {
      cluster.clock.advance(250);
      await cluster.settle();
    }
  }

  it('elects one master and starts the service on its node only, with the watchdog armed first', async () => {
    await runFor(20_000);
    const roles = daemons.map((d) => d.self().crm.role).sort();
    assert.deepEqual(roles, ['master', 'slave']);
    assert.deepEqual(drivers[0]!.calls, ['start web armed=true']);
    assert.deepEqual(drivers[1]!.calls, []);
    assert.equal(watchdogs[0]!.ops[0], 'open');
    assert.ok(watchdogs[0]!.ops.filter((op) => op === 'update').length > 5, 'fed every round after a renewal');
    assert.equal(daemons[0]!.self().lrm.state, 'active');
    assert.deepEqual(Object.fromEntries(Object.entries(adapterOf(2).view().lrmStatus).map(([n, l]) => [n, l.capacity])),
      { node1: { cores: 4, memoryMiB: 1024 }, node2: { cores: 8, memoryMiB: 1024 } }, 'each LRM publishes its capacity');
  });

  it('starts again, on its node, a service that stopped outside HA, once its monitor saw it', async () => {
    await runFor(20_000);
    drivers[0]!.crash('web');
    await runFor(5_000);
    assert.deepEqual(drivers[0]!.calls, ['start web armed=true', 'start web armed=true']);
    assert.deepEqual(drivers[1]!.calls, []);
    assert.ok(daemonLogs.includes("1 warn resource monitor: 'lab:web' no longer runs here (it crashed or was stopped outside HA)"), daemonLogs.join('\n'));
    assert.deepEqual(serviceState()?.node, 'node1');
  });

  it('relocates a service that keeps stopping outside HA on its node (max_restart 1: the second crash within the window)', async () => {
    await runFor(20_000);
    drivers[0]!.crash('web');
    await runFor(5_000);
    drivers[0]!.crash('web');
    await runFor(60_000);
    assert.deepEqual(drivers[0]!.calls, ['start web armed=true', 'start web armed=true']);
    assert.deepEqual(drivers[1]!.calls, ['start web armed=true']);
    assert.equal(serviceState()?.node, 'node2');
    assert.equal(serviceState()?.state, 'started');
  });

  it('a node whose disk cannot record HA state takes no new HA work and keeps running; it starts the service once the disk records again', async () => {
    cluster.disk(1).set('full', 0);
    await runFor(20_000);
    assert.deepEqual(drivers[0]!.calls, [], 'no start it could not record');
    assert.match(cluster.node(1).diskProblem ?? '', /ENOSPC/);
    assert.equal(daemons[0]!.self().view.quorate, false, 'it counts itself out of quorum meanwhile');
    assert.ok(daemons[0]!.self().rounds.count > 10, 'the daemon kept running its rounds');
    assert.deepEqual(daemonLogs.filter((l) => l.startsWith('1 ') && /cannot record/.test(l)), [], 'the store logs the disk once; the daemon does not repeat it per write');
    assert.equal(cluster.logs.filter((l) => l.startsWith('1 error cannot record HA state')).length, 1);
    cluster.disk(1).set(null);
    await runFor(30_000);
    assert.equal(cluster.node(1).diskProblem, null);
    assert.deepEqual(drivers[0]!.calls, ['start web armed=true']);
  });

  it('a node running a service whose disk stops recording keeps it running and protected (its renewals are recorded by the others), and starts nothing new', async () => {
    await runFor(20_000);
    assert.deepEqual(drivers[0]!.calls, ['start web armed=true']);
    cluster.disk(1).set('full', 0);
    const ops = watchdogs[0]!.ops;
    const before = ops.length;
    await runFor(30_000);
    const after = ops.slice(before);
    // Its own acknowledgement of a renewal waits for a record that fails, so 'renewed' is not logged here: node2's copy shows the renewals.
    assert.ok(after.filter((op) => op === 'update').length > 20, `still fed: ${after.slice(0, 12).join(', ')}`);
    assert.ok(after.lastIndexOf('update') > after.length - 4, 'fed up to the end');
    assert.equal(daemons[0]!.self().lrm.state, 'active');
    assert.deepEqual(drivers[0]!.calls, ['start web armed=true'], 'not stopped');
    assert.equal(cluster.node(2).lock(agentLockName('node1'))?.holder, 1, 'the lock stays held, renewed in the others\' copies');
    assert.ok((cluster.node(2).lock(agentLockName('node1'))?.ageMs ?? Infinity) < simulatorTimingDefaults.feedWindowMs);
    // New work: a second service for node1 is not started while it cannot record.
    await Promise.all([adapterOf(2).editConfig({ op: 'add-resource', sid: 'lab:db', resource: defaultResource('node1') }), runFor(1000)]);
    await runFor(10_000);
    const db = adapterOf(2).view().managerStatus?.serviceStatus['lab:db'];
    assert.deepEqual([db?.state, db?.node], ['started', 'node1'], 'the manager asks node1 to start it');
    assert.deepEqual(drivers[0]!.calls, ['start web armed=true']);
  });

  it('acts on a lock it just took in a follow-up round, not a whole round later (mastership, then the agent lock, then the start)', async () => {
    const stepMs = 10;
    let elapsed = 0;
    while (drivers[0]!.calls.length === 0 && elapsed < 10_000) {
      cluster.clock.advance(stepMs);
      elapsed += stepMs;
      await cluster.settle();
    }
    assert.deepEqual(drivers[0]!.calls, ['start web armed=true']);
    // Manager lock, agent lock, start: each waits for a lock, each follows 50 ms after it was taken.
    assert.ok(elapsed < simulatorTimingDefaults.roundMs, `the service started ${elapsed} ms after the daemons, more than one ${simulatorTimingDefaults.roundMs} ms round`);
  });

  it('starts nothing while the watchdog cannot be opened, and starts once it can', async () => {
    watchdogs[0]!.failOpens = 3;
    await runFor(20_000);
    assert.deepEqual(watchdogs[0]!.ops.slice(0, 4), ['open failed', 'open failed', 'open failed', 'open']);
    assert.deepEqual(drivers[0]!.calls, ['start web armed=true']);
  });

  it('stops its services and closes the watchdog on an orderly power-off', async () => {
    await runFor(20_000);
    const stopped = daemons[0]!.stop('poweroff');
    let done = false;
    void stopped.then(() => {
      done = true;
    });
    await runFor(10_000);
    assert.equal(done, true, 'the shutdown completed');
    assert.deepEqual(drivers[0]!.calls, ['start web armed=true', 'stop web']);
    assert.equal(watchdogs[0]!.ops.at(-1), 'close');
    assert.equal(watchdogs[0]!.armed, false);
  });

  it('a daemon stop freezes the service in place and hands the lease over; the next daemon takes it and feeds only after its own renewal', async () => {
    await runFor(20_000);
    await stopAndWait(daemons[0]!, 'daemon-stop');
    assert.deepEqual(drivers[0]!.calls, ['start web armed=true'], 'the service was not stopped');
    assert.equal(watchdogs[0]!.ops.at(-1), 'handover');
    assert.equal(serviceState()?.state, 'freeze');
    assert.equal(adapterOf(2).view().locks[agentLockName('node1')]?.holder, 'node1', 'the agent lock stays held for the next daemon');
    await runFor(2000);
    assert.equal(serviceState()?.state, 'freeze', 'nobody recovers a frozen service');

    const ops = watchdogs[0]!.ops;
    const before = ops.length;
    daemons[0] = daemonOn(1);
    await daemons[0].start();
    await runFor(10_000);
    const after = ops.slice(before);
    assert.equal(after[0], 'reattach');
    assert.ok(!after.includes('open'), 'no new lease');
    const firstFeed = after.indexOf('update');
    assert.ok(firstFeed > after.indexOf('renewed') && after.indexOf('renewed') > 0, `fed only after a confirmed renewal of its own: ${after.join(', ')}`);
    assert.deepEqual(drivers[0]!.calls, ['start web armed=true'], 'never stopped, never started again');
    assert.equal(serviceState()?.state, 'started');
    assert.equal(serviceState()?.node, 'node1');
    assert.equal(daemons[0].self().lrm.state, 'active');
  });

  it('a re-attached daemon that cannot read a service\'s status keeps the lease and the lock, retries the status and feeds once it knows', async () => {
    await runFor(20_000);
    await stopAndWait(daemons[0]!, 'daemon-stop');
    const ops = watchdogs[0]!.ops;
    const before = ops.length;
    drivers[0]!.failStatus = 5;
    daemons[0] = daemonOn(1);
    await daemons[0].start();
    await runFor(10_000);
    const after = ops.slice(before);
    assert.equal(after[0], 'reattach');
    assert.ok(!after.includes('close'), `the lease was never closed while the frozen service may run: ${after.join(', ')}`);
    assert.ok(after.includes('update'), 'fed again after a confirmed renewal once the status was known');
    assert.equal(drivers[0]!.calls.filter((c) => c === 'status web failed').length, 5, 'the status was retried');
    assert.deepEqual(drivers[0]!.calls.filter((c) => c.startsWith('start')), ['start web armed=true'], 'never started again');
    assert.equal(serviceState()?.state, 'started');
    assert.equal(serviceState()?.node, 'node1');
    assert.equal(adapterOf(2).view().locks[agentLockName('node1')]?.holder, 'node1');
    assert.equal(daemons[0].self().lrm.state, 'active');
  });

  it('a node reset by its watchdog that comes back within the lease neither renews nor uses its previous run\'s locks: it starts only under a lock of its own, taken after the old one expired', async () => {
    await runFor(20_000);
    const before = cluster.node(2).lock(agentLockName('node1'));
    assert.equal(before?.holder, 1);
    // The reset: daemon and store die, the service with them (the driver of the new run knows nothing); no lease to re-attach.
    daemons[0]!.halt();
    cluster.crash(1);
    await runFor(3000);
    cluster.start(1);
    watchdogs[0] = new RecordingWatchdog();
    drivers[0] = new RecordingDriver(watchdogs[0]);
    daemons[0] = daemonOn(1);
    await daemons[0].start();
    const ops = watchdogs[0].ops;
    while (drivers[0].calls.length === 0 && cluster.clock.now() < 200_000) await runFor(250);
    assert.deepEqual(drivers[0].calls, ['start web armed=true']);
    assert.equal(ops.indexOf('renewed') > ops.indexOf('open'), true, `a renewal of its own preceded the start: ${ops.join(', ')}`);
    assert.ok(cluster.logs.some((l) => l.includes(`lock ${agentLockName('node1')} of node 1 expired`)), 'the previous run\'s agent lock expired before the start');
    assert.notEqual(cluster.node(2).lock(agentLockName('node1'))?.generation, before?.generation);
  });

  it('a reboot follows the shutdown policy the store holds at that moment (changed at run time, no restart)', async () => {
    await runFor(20_000);
    await Promise.all([adapterOf(2).editConfig({ op: 'set-settings', settings: { shutdownPolicy: 'freeze' } }), runFor(1000)]);
    await stopAndWait(daemons[0]!, 'poweroff');
    assert.deepEqual(drivers[0]!.calls, ['start web armed=true', 'stop web'], 'stopped with the node');
    assert.equal(watchdogs[0]!.ops.at(-1), 'close');
    assert.equal(serviceState()?.state, 'freeze', 'freeze: it waits for its node, even on a power-off');
  });

  it('a power-off under the migrate policy moves the service to the other node before the daemon exits', async () => {
    await runFor(20_000);
    await Promise.all([adapterOf(2).editConfig({ op: 'set-settings', settings: { shutdownPolicy: 'migrate' } }), runFor(1000)]);
    await stopAndWait(daemons[0]!, 'poweroff', 20_000);
    assert.deepEqual(drivers[0]!.calls, ['start web armed=true', 'stop web'], 'a lab service moves by stop and start');
    await runFor(5000);
    assert.deepEqual(drivers[1]!.calls, ['start web armed=true']);
    assert.equal(serviceState()?.node, 'node2');
  });
});
