import type { StoreView } from '../../../src/ha/env';
import type { DaemonMetricSources } from '../../../src/metrics/daemon-metrics';
import type { MembershipSnapshot } from '../../../src/quorum/types';

/**
 * A node daemon's parts as the metrics read them (their seam): two members and the arbiter's
 * vote, this node the master with an armed watchdog, one service started and one in error.
 */
export function sampleDaemon(): { sources: DaemonMetricSources; changeRing(ringId: string): void } {
  let snapshot: MembershipSnapshot = {
    localNodeId: 1, quorate: true, ringId: '1.4', expectedVotes: 3, totalVotes: 3, quorum: 2,
    nodes: [{ nodeId: 1, name: 'node1', votes: 1, member: true }, { nodeId: 2, name: 'node2', votes: 1, member: true }],
    qdevice: { name: 'Qdevice', voting: true, votes: 1 },
  };
  const listeners: ((s: MembershipSnapshot) => void)[] = [];
  const view: StoreView = {
    config: { resources: {}, groups: {}, rules: [], settings: { shutdownPolicy: 'conditional' } },
    managerStatus: {
      master: 'node1', nodeStatus: {}, nodeRequest: {}, disarm: null, uidCounter: 2, commandSeq: 0, unprotected: [],
      serviceStatus: { 'lab:a': { state: 'started', node: 'node1', uid: '1', running: true }, 'lab:b': { state: 'error', node: 'node2', uid: '2' } },
    },
    lrmStatus: {}, commands: [], locks: { 'ha-manager': { holder: 'node1', ageMs: 250 }, 'ha-agent-node1': { holder: 'node1', ageMs: 100 } },
  };
  return {
    sources: {
      membership: { current: () => snapshot, onChange: (l) => { listeners.push(l); return () => undefined; }, close: () => undefined },
      self: () => ({ crm: { role: 'master' }, watchdog: 'armed' }),
      storeView: () => view, storeStatus: () => ({ version: 42, current: true }), onStoreChange: () => () => undefined,
      qdevice: { state: { connected: true, vote: 'ack', lastAckAt: 9000, ringId: null, ackedRingId: null } },
      now: () => 10_000,
      fences: () => ({ node2: { last: { client: 'lrm', condition: 'deadline-missed', reason: 'client lrm missed its deadline by 1 ms', at: '2026-12-03T12:00:00.000Z', device: 'lab:x', timeoutMs: 6000 }, resets: { 'deadline-missed': 2 } } }),
      fenceDevices: () => ({ node1: { devices: [{ device: 'ipmi-node2', node: 'node2', level: 1, ok: false, reason: 'Connection timed out (exit 1)', at: '2026-12-03T12:00:00.000Z', durationMs: 20_100 }] } }),
    },
    changeRing: (ringId) => {
      snapshot = { ...snapshot, ringId };
      for (const l of listeners) l(snapshot);
    },
  };
}
