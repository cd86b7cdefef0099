import assert from 'node:assert/strict';
import { crmStep, initialCrmState } from '../../../src/ha/crm';
import { viewFromMembership, type ClusterView, type HaEffect, type StoreView } from '../../../src/ha/env';
import { crashWindowMs, initialLrmState, lrmStep, type LrmInput } from '../../../src/ha/lrm';
import { assertFenced, assertMayStart, SafetyViolation } from '../../../src/ha/safety';
import { simulatorTimingDefaults } from '../../../src/ha/timings';
import { agentLockName, defaultResource, managerLockName, type ManagerStatus } from '../../../src/ha/types';

const nodes = ['node1', 'node2'];

function view(node: string, quorate = true): ClusterView {
  return { now: 10_000, node, quorate, members: nodes, nodes };
}

function store(managerStatus: ManagerStatus | null, locks: StoreView['locks'] = {}): StoreView {
  return {
    config: { resources: { 'vm:101': defaultResource('node1') }, groups: {}, rules: [], settings: { shutdownPolicy: 'conditional' } },
    managerStatus, lrmStatus: {}, commands: [], locks,
  };
}

function managerStatus(state: 'started' | 'stopped', uid: string): ManagerStatus {
  return {
    master: 'node2', nodeStatus: { node1: 'online', node2: 'online' }, serviceStatus: { 'vm:101': { state, node: 'node1', uid } },
    nodeRequest: {}, disarm: null, uidCounter: 7, commandSeq: 0, unprotected: [],
  };
}

const driverOps = (effects: HaEffect[]) => effects.filter((e) => e.kind === 'driver');

describe('HA steps (pure CRM and LRM)', () => {
  const heldLock = { [agentLockName('node1')]: { holder: 'node1', ageMs: 1000 } };

  function lrmInput(s: StoreView, overrides: Partial<LrmInput> = {}): LrmInput {
    return { view: view('node1'), store: s, timings: simulatorTimingDefaults, running: [], driverResults: [], shutdown: null, ...overrides };
  }

  it('LRM: arms the watchdog before asking for its lock, starts only once it holds it', () => {
    const s = store(managerStatus('started', 'node2.7'));
    const first = lrmStep(initialLrmState(), lrmInput(s));
    assert.deepEqual(first.effects.filter((e) => e.kind !== 'log' && e.kind !== 'write-lrm-status'), [
      { kind: 'watchdog', op: 'open' }, { kind: 'lock', op: 'acquire', lock: agentLockName('node1') },
    ]);
    assert.equal(driverOps(first.effects).length, 0);
    const second = lrmStep(first.state, lrmInput(store(managerStatus('started', 'node2.7'), heldLock)));
    assert.deepEqual(driverOps(second.effects), [{ kind: 'driver', op: 'start', sid: 'vm:101', uid: 'node2.7' }]);
  });

  it('LRM: runs a uid once (request/ack), even when the same request is seen again', () => {
    const s = store(managerStatus('started', 'node2.7'), heldLock);
    let state = lrmStep(initialLrmState(), lrmInput(s)).state;
    state = lrmStep(state, lrmInput(s)).state; // in flight: not issued again
    const done = lrmStep(state, lrmInput(s, { running: ['vm:101'], driverResults: [{ sid: 'vm:101', uid: 'node2.7', op: 'start', ok: true }] }));
    assert.deepEqual(done.state.results['node2.7'], { sid: 'vm:101', result: 'success' });
    const again = lrmStep(done.state, lrmInput(s, { running: ['vm:101'] }));
    assert.equal(driverOps(again.effects).length, 0, 'a uid with a result is never run again');
    const fresh = lrmStep(again.state, lrmInput(store(managerStatus('started', 'node2.8'), heldLock)));
    assert.deepEqual(driverOps(fresh.effects), [{ kind: 'driver', op: 'start', sid: 'vm:101', uid: 'node2.8' }]);
    assert.equal(fresh.state.results['node2.7'], undefined, 'results of old uids are pruned');
  });

  it('LRM: starts again a service that stopped outside HA after its start, and reports a failed restart as this node\'s error', () => {
    const s = store(managerStatus('started', 'node2.7'), heldLock);
    const started = lrmStep(lrmStep(initialLrmState(), lrmInput(s)).state,
      lrmInput(s, { running: ['vm:101'], driverResults: [{ sid: 'vm:101', uid: 'node2.7', op: 'start', ok: true }] }));
    const unsure = lrmStep(started.state, lrmInput(s, { running: ['vm:101'], unsure: ['vm:101'] }));
    assert.equal(driverOps(unsure.effects).length, 0, 'a status not known is no stop');
    const gone = lrmStep(unsure.state, lrmInput(s, { running: [] }));
    assert.deepEqual(driverOps(gone.effects), [{ kind: 'driver', op: 'start', sid: 'vm:101', uid: 'node2.7' }]);
    assert.ok(gone.effects.some((e) => e.kind === 'log' && e.level === 'warn' && e.msg.includes('stopped outside HA')));
    assert.equal(gone.state.results['node2.7'], undefined, 'the success it had is no longer reported');
    const waiting = lrmStep(gone.state, lrmInput(s, { running: ['vm:101'] }));
    assert.equal(driverOps(waiting.effects).length, 0, 'one start at a time');
    const startFailed = { sid: 'vm:101', uid: 'node2.7', op: 'start' as const, ok: false };
    const retried = lrmStep(waiting.state, lrmInput(s, { running: [], driverResults: [startFailed] }));
    assert.deepEqual(driverOps(retried.effects), [{ kind: 'driver', op: 'start', sid: 'vm:101', uid: 'node2.7' }], 'max_restart 1: one retry');
    const failed = lrmStep(retried.state, lrmInput(s, { running: [], driverResults: [startFailed] }));
    assert.deepEqual(failed.state.results['node2.7'], { sid: 'vm:101', result: 'error' });
    assert.equal(driverOps(failed.effects).length, 0, 'the error is for the manager to act on');
  });

  it('LRM: a service that keeps stopping outside HA is given up here after max_restart restarts within the crash window', () => {
    const s = store(managerStatus('started', 'node2.7'), heldLock);
    const at = (now: number) => ({ ...view('node1'), now });
    const startOk = { sid: 'vm:101', uid: 'node2.7', op: 'start' as const, ok: true };
    let state = lrmStep(initialLrmState(), lrmInput(s)).state;
    state = lrmStep(state, lrmInput(s, { running: ['vm:101'], driverResults: [startOk] })).state;
    const first = lrmStep(state, lrmInput(s, { view: at(20_000), running: [] }));
    assert.deepEqual(driverOps(first.effects), [{ kind: 'driver', op: 'start', sid: 'vm:101', uid: 'node2.7' }], 'max_restart 1: one restart');
    state = lrmStep(first.state, lrmInput(s, { view: at(21_000), running: ['vm:101'], driverResults: [startOk] })).state;
    const second = lrmStep(state, lrmInput(s, { view: at(20_000 + crashWindowMs - 1), running: [] }));
    assert.equal(driverOps(second.effects).length, 0, 'not started here again');
    assert.deepEqual(second.state.results['node2.7'], { sid: 'vm:101', result: 'error' }, 'the manager relocates on the error');
    // Outside the window the earlier crash no longer counts.
    state = lrmStep(first.state, lrmInput(s, { view: at(21_000), running: ['vm:101'], driverResults: [startOk] })).state;
    const later = lrmStep(state, lrmInput(s, { view: at(20_000 + crashWindowMs), running: [] }));
    assert.deepEqual(driverOps(later.effects), [{ kind: 'driver', op: 'start', sid: 'vm:101', uid: 'node2.7' }]);
  });

  it('LRM: stops feeding the watchdog when quorum goes, and never starts without it', () => {
    const s = store(managerStatus('started', 'node2.7'), heldLock);
    const active = lrmStep(lrmStep(initialLrmState(), lrmInput(s)).state, lrmInput(s, { running: ['vm:101'] }));
    const lost = lrmStep(active.state, lrmInput(s, { view: view('node1', false), running: ['vm:101'] }));
    assert.equal(lost.state.daemon, 'lost_agent_lock');
    assert.equal(lost.effects.some((e) => e.kind === 'watchdog' && e.op === 'update'), false);
    assert.equal(driverOps(lost.effects).length, 0);
  });

  it('LRM: the start assertion refuses a start without an armed watchdog', () => {
    const s = store(managerStatus('started', 'node2.7'), heldLock);
    // A state that believes it is active but never armed its watchdog: the step must refuse to start.
    const broken = { ...initialLrmState(), daemon: 'active' as const, watchdogOpen: false };
    assert.throws(() => lrmStep(broken, lrmInput(s)), SafetyViolation);
  });

  it('CRM: becomes master only once it holds the manager lock, and consumes each command once', () => {
    const base = store(managerStatus('started', 'node2.7'));
    base.config.resources['vm:102'] = defaultResource('node2');
    const commands = [{ seq: 1, command: { cmd: 'migrate' as const, sid: 'vm:101', target: 'node2' } }];
    const slave = crmStep(initialCrmState(), { view: view('node2'), store: { ...base, commands }, timings: simulatorTimingDefaults, shutdown: false });
    assert.equal(slave.state.role, 'slave');
    assert.deepEqual(slave.effects.filter((e) => e.kind === 'lock'), [{ kind: 'lock', op: 'acquire', lock: managerLockName }]);
    const locks = { [managerLockName]: { holder: 'node2', ageMs: 1000 } };
    const master = crmStep(slave.state, { view: view('node2'), store: { ...base, commands, locks }, timings: simulatorTimingDefaults, shutdown: false });
    assert.equal(master.state.role, 'master');
    const written = master.effects.find((e) => e.kind === 'write-manager-status');
    assert.ok(written !== undefined && written.kind === 'write-manager-status');
    assert.equal(written.status.commandSeq, 1);
    assert.equal(written.status.serviceStatus['vm:101']?.state, 'migrate');
    // The same queue seen again with the written status: the command is not applied twice.
    const again = crmStep(master.state, {
      view: view('node2'), store: { ...base, commands, locks, managerStatus: written.status }, timings: simulatorTimingDefaults, shutdown: false,
    });
    assert.equal(again.effects.some((e) => e.kind === 'log' && e.msg.startsWith('crm command')), false);
  });

  it('CRM: a master that loses quorum stops acting at once', () => {
    const locks = { [managerLockName]: { holder: 'node2', ageMs: 1000 } };
    const s = store(managerStatus('started', 'node2.7'), locks);
    const master = crmStep(initialCrmState(), { view: view('node2'), store: s, timings: simulatorTimingDefaults, shutdown: false });
    const lost = crmStep(master.state, { view: view('node2', false), store: s, timings: simulatorTimingDefaults, shutdown: false });
    assert.equal(lost.state.role, 'wait_for_quorum');
    assert.equal(lost.effects.some((e) => e.kind === 'write-manager-status' || e.kind === 'lock'), false);
  });
});

describe('HA cluster view from the membership seam', () => {
  it('names the local node, the members of its partition and quorum', () => {
    const v = viewFromMembership({
      localNodeId: 2, quorate: true, ringId: '1.8', expectedVotes: 3, totalVotes: 2, quorum: 2, qdevice: null,
      nodes: [
        { nodeId: 1, name: 'node1', votes: 1, member: true },
        { nodeId: 2, name: 'node2', votes: 1, member: true },
        { nodeId: 3, name: 'node3', votes: 1, member: false },
      ],
    }, 1234);
    assert.deepEqual(v, { now: 1234, node: 'node2', quorate: true, members: ['node1', 'node2'], nodes: ['node1', 'node2', 'node3'] });
  });

  it('refuses a snapshot without the local node', () => {
    assert.throws(() => viewFromMembership({
      localNodeId: 9, quorate: false, ringId: '1.1', expectedVotes: 1, totalVotes: 1, quorum: 1, qdevice: null, nodes: [],
    }, 0), /lacks the local node 9/);
  });
});

describe('HA safety assertions', () => {
  it('name what is missing for a start', () => {
    assert.throws(() => assertMayStart({ node: 'node1', sid: 'vm:101', quorate: false, holdsAgentLock: false, watchdogArmed: true }),
      /node 'node1' would start 'vm:101' without quorum, its agent lock/);
    assert.doesNotThrow(() => assertMayStart({ node: 'node1', sid: 'vm:101', quorate: true, holdsAgentLock: true, watchdogArmed: true }));
  });

  it('refuse recovery without the lost node’s agent lock', () => {
    assert.throws(() => assertFenced('node3', 'node3', 'node1'), /recovery from 'node3' without holding its agent lock \(holder: node3\)/);
    assert.throws(() => assertFenced('node3', undefined, 'node1'), /holder: none/);
    assert.doesNotThrow(() => assertFenced('node3', 'node1', 'node1'));
  });
});
