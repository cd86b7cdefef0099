import assert from 'node:assert/strict';
import { crmStep, initialCrmState, type CrmState } from '../../../src/ha/crm';
import type { HaEffect, StoreView } from '../../../src/ha/env';
import { deviceRetryMs, type FenceDeviceResult } from '../../../src/ha/fence-device';
import { simulatorTimingDefaults as t } from '../../../src/ha/timings';
import { defaultResource, managerLockName, type ManagerStatus } from '../../../src/ha/types';

/**
 * The device path of fencing through the real CRM step: node1 is master, node2 ran vm:101 and
 * is lost. The harness plays the store: a write-manager-status is in the copy the next round reads.
 */
class Master {
  crm: CrmState = initialCrmState();
  store: StoreView;
  now = 100_000;
  members = ['node1'];
  effects: HaEffect[] = [];

  constructor(master = 'node1') {
    const status: ManagerStatus = {
      master, nodeStatus: { node1: 'online', node2: 'online' }, serviceStatus: { 'vm:101': { state: 'started', node: 'node2', uid: `${master}.1` } },
      nodeRequest: {}, disarm: null, uidCounter: 1, commandSeq: 0, unprotected: [],
    };
    this.store = {
      config: { resources: { 'vm:101': defaultResource('node2') }, groups: {}, rules: [], settings: { shutdownPolicy: 'conditional' } },
      managerStatus: status, lrmStatus: {}, commands: [],
      // node2's agent lock is unexpired: the lease path cannot fence it within these rounds.
      locks: { [managerLockName]: { holder: 'node1', ageMs: 500 }, 'ha-agent-node2': { holder: 'node2', ageMs: 1000 } },
    };
  }

  round(results: FenceDeviceResult[] = [], advanceMs = 1000): HaEffect[] {
    this.now += advanceMs;
    const view = { now: this.now, node: 'node1', quorate: true, members: this.members, nodes: ['node1', 'node2'] };
    const step = crmStep(this.crm, { view, store: this.store, timings: t, shutdown: false, fenceDevices: { nodes: ['node2'], results } });
    this.crm = step.state;
    for (const e of step.effects) if (e.kind === 'write-manager-status') this.store = { ...this.store, managerStatus: e.status };
    this.effects = step.effects;
    return step.effects;
  }

  /** Rounds until the fence device is asked; returns the attempt. */
  untilOffRequested(): string {
    for (let i = 0; i < 30; i++) {
      const off = this.round().find((e) => e.kind === 'fence-device' && e.op === 'off');
      if (off !== undefined && off.kind === 'fence-device' && off.op === 'off') return off.attempt;
    }
    throw new Error('no fence device request');
  }

  get service() {
    return this.store.managerStatus!.serviceStatus['vm:101']!;
  }
}

const confirmed = (attempt: string): FenceDeviceResult => ({ node: 'node2', attempt, off: true, device: 'ipmi-node2' });

describe('fencing by a fence device (HA core)', () => {
  it('asks the device once the node is in fence, recovers only after the store recorded the confirmed off', () => {
    const m = new Master();
    m.round(); // sees node2 online
    m.round(); // node2 gone from the membership from here on
    const attempt = m.untilOffRequested();
    assert.equal(m.service.state, 'fence');
    m.round([confirmed(attempt)]);
    assert.equal(m.service.state, 'fence', 'the proof is only written this round, not yet read back');
    assert.deepEqual(m.store.managerStatus!.fenceProofs, { node2: { attempt, device: 'ipmi-node2' } });
    m.round();
    assert.equal(m.service.state, 'started');
    assert.equal(m.service.node, 'node1');
    assert.equal(m.store.managerStatus!.nodeStatus.node2, 'unknown');
    assert.ok(m.effects.some((e) => e.kind === 'fence-device' && e.op === 'restore' && e.node === 'node2'));
  });

  it('does not count a confirmation for a node that came back in sight after the request', () => {
    const m = new Master();
    m.round();
    m.members = ['node1'];
    const attempt = m.untilOffRequested();
    m.members = ['node1', 'node2'];
    m.round();
    m.members = ['node1'];
    m.round([confirmed(attempt)]);
    m.round();
    assert.equal(m.service.state, 'fence');
    assert.equal(m.store.managerStatus!.fenceProofs, undefined);
  });

  it('ignores the result of another attempt, and a proof recorded before a master change', () => {
    const m = new Master();
    m.round();
    const attempt = m.untilOffRequested();
    m.round([{ ...confirmed(attempt), attempt: 'node3.9@1' }]);
    m.round();
    assert.equal(m.service.state, 'fence');
    m.round([confirmed(attempt)]);
    assert.ok(m.store.managerStatus!.fenceProofs?.node2 !== undefined);
    // Mastership lost and regained before the proof was read back: the new term starts over.
    m.crm = initialCrmState();
    for (let i = 0; i < 10; i++) m.round();
    assert.equal(m.service.state, 'fence');
  });

  it('retries a failed attempt after the retry delay, the lease path going on meanwhile', () => {
    const m = new Master();
    m.round();
    const attempt = m.untilOffRequested();
    m.round([{ node: 'node2', attempt, off: false, device: 'ipmi-node2', reason: 'Connection timed out (exit 1)' }]);
    let retried: string | undefined;
    for (let waited = 1000; retried === undefined && waited <= deviceRetryMs + 1000; waited += 1000) {
      const off = m.round().find((e) => e.kind === 'fence-device' && e.op === 'off');
      if (off?.kind === 'fence-device' && off.op === 'off') {
        assert.ok(waited >= deviceRetryMs);
        retried = off.attempt;
      }
    }
    assert.ok(retried !== undefined && retried !== attempt);
  });
});
