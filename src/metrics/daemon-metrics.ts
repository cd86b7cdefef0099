/**
 * The node daemon's metrics. Gauges are read from the daemon's parts when Prometheus scrapes
 * (nothing to keep in step); counters and histograms are fed by the three hooks below: ring
 * changes from the membership, store effects through `timeEffect`, failovers from the replica.
 * Labels stay low-cardinality: a state, an effect kind, a lock (one per node plus the manager's).
 */
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { StoreView } from '../ha/env';
import type { StoreEffect } from '../daemon/store/store-seam';
import type { QdeviceVoteState } from '../qdevice/client/quorum-device';
import type { MembershipSource } from '../quorum/types';
import type { ServiceState } from '../ha/types';
import type { NodeFences } from '../daemon/fence-report';
import type { FenceHealthReport } from '../daemon/fence-health';
import { FailoverTracker } from './failover-tracker';
import { processMetrics, type ProcessMetrics } from './process-metrics';

export interface DaemonMetricSources {
  membership: MembershipSource;
  /** This node's role and watchdog as the loop knows them (NodeDaemon.self). */
  self(): { crm: { role: string }; watchdog: 'armed' | 'disarmed' };
  storeView(): StoreView;
  storeStatus(): { version: number; current: boolean };
  /** Subscribes to every change of the replica. */
  onStoreChange(listener: () => void): () => void;
  /** The integrated quorum device client's vote, when the daemon runs one. */
  qdevice: { readonly state: QdeviceVoteState } | null;
  now(): number;
  /** Each node's published fences (fence-report.ts). */
  fences(): Record<string, NodeFences>;
  /** Each node's last status check of the fence devices it would use (fence-health.ts). */
  fenceDevices?(): Record<string, FenceHealthReport>;
}

export interface DaemonMetrics extends ProcessMetrics {
  /** Runs one store effect and measures how long the store took to apply it. */
  timeEffect(effect: StoreEffect, run: () => Promise<boolean>): Promise<boolean>;
  /** Reads the daemon's parts from now on (once they exist); returns the unsubscribe. */
  follow(sources: DaemonMetricSources): () => void;
}

const serviceStates: ServiceState[] = ['stopped', 'request_stop', 'started', 'fence', 'recovery', 'freeze', 'migrate', 'relocate', 'error'];
const qdeviceVotes: QdeviceVoteState['vote'][] = ['ack', 'nack', 'waiting', 'none'];
/** Lock and store round trips are milliseconds; a slow disk or a sync makes them seconds. */
const latencyBuckets = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];
/** Failovers take a lease and a membership change: seconds to minutes. */
const failoverBuckets = [1, 2, 4, 6, 8, 10, 12, 15, 20, 30, 45, 60, 120, 300];

export function daemonMetrics(): DaemonMetrics {
  const base = processMetrics();
  const registers = [base.registry];
  const commitSeconds = new Histogram({
    name: 'quorate_store_commit_duration_seconds', help: 'From handing a write or lock operation to the store to its being applied and on disk here, by effect',
    labelNames: ['effect', 'outcome'], buckets: latencyBuckets, registers,
  });
  const renewSeconds = new Histogram({
    name: 'quorate_ha_lock_renew_duration_seconds', help: "Round trip of this node's lock renewals through the store (agreed order, applied, on disk)",
    buckets: latencyBuckets, registers,
  });
  const timed = (effect: StoreEffect, seconds: number, outcome: string): void => {
    const kind = effect.kind === 'lock' ? `lock-${effect.op}` : effect.kind;
    commitSeconds.observe({ effect: kind, outcome }, seconds);
    if (effect.kind === 'lock' && effect.op === 'renew' && outcome === 'applied') renewSeconds.observe(seconds);
  };
  return {
    ...base,
    timeEffect: async (effect, run) => {
      const began = performance.now();
      try {
        const applied = await run();
        timed(effect, (performance.now() - began) / 1000, applied ? 'applied' : 'refused');
        return applied;
      } catch (err) {
        timed(effect, (performance.now() - began) / 1000, 'failed');
        throw err;
      }
    },
    follow: (sources) => followDaemon(registers, sources),
  };
}

/** The gauges read at scrape time, and the counters fed by the membership and the replica. */
function followDaemon(registers: Registry[], sources: DaemonMetricSources): () => void {
  const snapshot = () => sources.membership.current();
  const gauge = (name: string, help: string, read: () => number) =>
    new Gauge({ name, help, registers, collect() { this.set(read()); } });

  gauge('quorate_cluster_quorate', 'This node is in a quorate partition (votequorum) with a current copy of the store: 1, else 0', () => Number(snapshot().quorate && sources.storeStatus().current));
  gauge('quorate_cluster_votes', 'Votes present in this partition (votequorum total votes)', () => snapshot().totalVotes);
  gauge('quorate_cluster_expected_votes', 'Expected votes (votequorum)', () => snapshot().expectedVotes);
  gauge('quorate_cluster_quorum_votes', 'Votes needed for quorum (votequorum)', () => snapshot().quorum);
  gauge('quorate_cluster_members', 'Nodes in this partition', () => snapshot().nodes.filter((n) => n.member).length);
  gauge('quorate_cluster_nodes', 'Nodes configured in the cluster', () => snapshot().nodes.length);
  gauge('quorate_qdevice_configured', 'A quorum device is configured: 1, else 0', () => Number(snapshot().qdevice !== null));
  gauge('quorate_qdevice_voting', "The quorum device's vote counts in this partition (votequorum's view): 1, else 0", () => Number(snapshot().qdevice?.voting === true));
  const ringChanges = new Counter({ name: 'quorate_cluster_ring_changes_total', help: 'Membership (totem ring) changes seen by this node', registers });
  let ring = snapshot().ringId;
  /** When this node saw each node leave its partition (monotonic ms): where a failover starts. */
  const leftAt = new Map<string, number>();
  const unsubscribeMembership = sources.membership.onChange((s) => {
    if (s.ringId !== ring) ringChanges.inc();
    ring = s.ringId;
    for (const node of s.nodes) {
      if (node.member) leftAt.delete(node.name);
      else if (!leftAt.has(node.name)) leftAt.set(node.name, sources.now());
    }
  });

  const device = sources.qdevice;
  if (device !== null) {
    new Gauge({
      name: 'quorate_qdevice_vote', help: "The integrated quorum device client's vote from the arbiter (1 for the current one)", labelNames: ['vote'], registers,
      collect() {
        for (const vote of qdeviceVotes) this.set({ vote }, Number(device.state.vote === vote));
      },
    });
    gauge('quorate_qdevice_connected', 'The integrated quorum device client is connected to the arbiter: 1, else 0', () => Number(device.state.connected));
    gauge('quorate_qdevice_last_ack_age_seconds', "Seconds since the arbiter's last ACK (-1: none yet)", () => {
      const at = device.state.lastAckAt;
      return at === null ? -1 : (sources.now() - at) / 1000;
    });
  }

  gauge('quorate_ha_master', 'This node is the HA manager (master): 1, else 0', () => Number(sources.self().crm.role === 'master'));
  gauge('quorate_ha_watchdog_armed', "This node's LRM holds an armed watchdog lease: 1, else 0", () => Number(sources.self().watchdog === 'armed'));
  new Gauge({
    name: 'quorate_ha_services', help: 'HA services per manager state (as this replica has the manager status)', labelNames: ['state'], registers,
    collect() {
      const counts = new Map<string, number>(serviceStates.map((s) => [s, 0]));
      for (const service of Object.values(sources.storeView().managerStatus?.serviceStatus ?? {})) counts.set(service.state, (counts.get(service.state) ?? 0) + 1);
      for (const [state, count] of counts) this.set({ state }, count);
    },
  });
  new Gauge({
    name: 'quorate_ha_lock_age_seconds', help: "Seconds since this replica saw each lock granted or renewed (a lock expires at the lease)", labelNames: ['lock'], registers,
    collect() {
      this.reset();
      for (const [lock, view] of Object.entries(sources.storeView().locks)) this.set({ lock }, view.ageMs / 1000);
    },
  });
  new Counter({
    name: 'quorate_node_resets_total', help: 'Watchdog resets each node reported after it came back, by the condition that stopped the feeding (from the store)',
    labelNames: ['node', 'condition'], registers,
    collect() {
      this.reset();
      for (const [node, fences] of Object.entries(sources.fences())) for (const [condition, count] of Object.entries(fences.resets)) this.inc({ node, condition }, count ?? 0);
    },
  });
  const fenceDevices = sources.fenceDevices;
  if (fenceDevices !== undefined) {
    const labelNames = ['device', 'node', 'checked_by'];
    const eachDevice = (set: (labels: Record<string, string>, d: FenceHealthReport['devices'][number]) => void): void => {
      for (const [checker, report] of Object.entries(fenceDevices())) for (const d of report.devices) set({ device: d.device, node: d.node, checked_by: checker }, d);
    };
    new Gauge({
      name: 'quorate_fence_device_up', help: "A fence device's last status check by a node that would use it succeeded: 1, else 0 (from the store)", labelNames, registers,
      collect() {
        this.reset();
        eachDevice((labels, d) => this.set(labels, Number(d.ok)));
      },
    });
    new Gauge({
      name: 'quorate_fence_device_checked_timestamp_seconds', help: "Wall-clock time of a fence device's last status check (Unix seconds, the checking node's clock)", labelNames, registers,
      collect() {
        this.reset();
        eachDevice((labels, d) => this.set(labels, Date.parse(d.at) / 1000));
      },
    });
  }
  gauge('quorate_store_version', "Version of this node's copy of the replicated store", () => sources.storeStatus().version);
  gauge('quorate_store_current', "This node's copy of the store is current: 1, else 0 (writes and quorum wait)", () => Number(sources.storeStatus().current));

  const failoverSeconds = new Histogram({
    name: 'quorate_ha_failover_duration_seconds', help: 'From the lost node leaving the membership (as this node saw it) to the manager recording the service running on another node (counted by the master)',
    buckets: failoverBuckets, registers,
  });
  const recoverySeconds = new Histogram({
    name: 'quorate_ha_recovery_duration_seconds', help: 'From a service entering recovery (its node fenced) to its running on another node (counted by the master)',
    buckets: failoverBuckets, registers,
  });
  const tracker = new FailoverTracker({ failover: (s) => failoverSeconds.observe(s), recovery: (s) => recoverySeconds.observe(s) });
  const unsubscribeStore = sources.onStoreChange(() => {
    const view = sources.storeView();
    tracker.update(view.managerStatus, (node) => leftAt.get(node), sources.self().crm.role === 'master', sources.now());
  });

  return () => {
    unsubscribeMembership();
    unsubscribeStore();
  };
}
