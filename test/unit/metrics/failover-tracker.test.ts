import assert from 'node:assert/strict';
import type { ManagerStatus, ServiceStatus } from '../../../src/ha/types';
import { FailoverTracker } from '../../../src/metrics/failover-tracker';

function status(services: Record<string, Partial<ServiceStatus>>): ManagerStatus {
  const serviceStatus = Object.fromEntries(Object.entries(services).map(([sid, s]) => [sid, { state: 'started', node: 'node1', uid: 'u', ...s } as ServiceStatus]));
  return { master: 'node2', nodeStatus: {}, serviceStatus, nodeRequest: {}, disarm: null, uidCounter: 0, commandSeq: 0, unprotected: [] };
}

const none = (): undefined => undefined;

function tracker() {
  const seen = { failovers: [] as number[], recoveries: [] as number[] };
  const t = new FailoverTracker({ failover: (s) => seen.failovers.push(s), recovery: (s) => seen.recoveries.push(s) });
  return { t, seen };
}

describe('metrics: failovers followed on the replica', () => {
  it('times a failover from the lost node leaving the membership and a recovery from its start, on the master', () => {
    const { t, seen } = tracker();
    t.update(status({ 'lab:web': { running: true } }), none, true, 1000);
    t.update(status({ 'lab:web': { state: 'fence' } }), (node) => (node === 'node1' ? 7000 : undefined), true, 10_000);
    t.update(status({ 'lab:web': { state: 'recovery' } }), none, true, 12_000);
    t.update(status({ 'lab:web': { node: 'node2', running: false } }), none, true, 12_500);
    t.update(status({ 'lab:web': { node: 'node2', running: true } }), none, true, 13_000);
    assert.deepEqual(seen, { failovers: [6], recoveries: [1] });
    t.update(status({ 'lab:web': { node: 'node2', running: true } }), none, true, 14_000);
    assert.deepEqual(seen, { failovers: [6], recoveries: [1] }, 'counted once');
  });

  it('leaves the counting to the master', () => {
    const { t, seen } = tracker();
    t.update(status({ 'lab:web': { state: 'fence' } }), none, false, 0);
    t.update(status({ 'lab:web': { node: 'node2', running: true } }), none, false, 5000);
    assert.deepEqual(seen, { failovers: [], recoveries: [] });
  });

  it('forgets a lost service that is stopped or comes back on its own node', () => {
    const { t, seen } = tracker();
    t.update(status({ a: { state: 'fence' }, b: { state: 'fence' } }), none, true, 0);
    t.update(status({ a: { state: 'stopped' }, b: { running: true } }), none, true, 1000);
    t.update(status({ a: { node: 'node2', running: true }, b: { node: 'node2', running: true } }), none, true, 2000);
    assert.deepEqual(seen, { failovers: [], recoveries: [] });
  });
});
