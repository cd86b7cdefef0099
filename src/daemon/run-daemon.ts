/**
 * `quorate daemon run`: the node daemon on real parts. It refuses to start when the start-up
 * check fails, then wires membership (votequorum), the store over CPG, the integrated quorum
 * device client when configured, the watchdog multiplexer and the resource drivers into the
 * NodeDaemon loop, and shuts down in order on SIGTERM/SIGINT.
 */
import { mkdirSync } from 'node:fs';
import { daemonMetrics } from '../metrics/daemon-metrics';
import { serveMetrics } from '../metrics/http-server';
import { parseMetricsListen } from '../metrics/listen';
import { Cmap } from '../native/cmap';
import { followDeviceSettings, loadQuorumDeviceConfig, openQuorumDevice, type QuorumDevice } from '../qdevice/client';
import { CorosyncMembership } from '../quorum/corosync-membership';
import { checkStateDirWritable, ClusterStore, DocumentRegistry, NativeCpgTransport, quorumFromMembership } from '../store';
import { HaStoreAdapter, registerHaDocuments } from './store/ha-adapter';
import { leaseFromTimings } from './store/lease';
import { monotonicClock } from '../util/clock';
import { createLogger } from '../util/logger';
import { maxDeadlineShareOfTimeout } from '../watchdog/mux-core';
import { arbiterVoteCondition, quorumCondition, type FencingCondition } from '../watchdog/fencing-conditions';
import type { DaemonConfig } from './config';
import type { ResourceDriver } from './resources/driver';
import { nodeFences, nodeFencesDoc, publishLastFence, recordRecoveries } from './fence-report';
import { deviceHealthPublisher, fenceDeviceHealth, fenceHealthDoc } from './fence-health';
import { startFenceMonitor } from './fence-monitoring';
import { gatherStartupCheck } from './gather-check';
import { arbiterTieDecisionMs } from './startup-check';
import { AgentFencer } from './fencer';
import { NodeDaemon } from './node-daemon';
import { nodeCapacity } from './capacity';
import { storeOperatorBackend } from './operator/backend';
import { detectShutdownKind } from './shutdown-kind';
import { startOperatorServer } from './operator/server';
import { ResourceRunner } from './resources/runner';
import { watchForStalls } from './stall-watch';
import { integratedVoteCondition } from './vote-condition';
import { MuxWatchdogControl } from './watchdog-control';

export class StartupRefusedError extends Error {
  constructor(problems: string[]) {
    super(`refusing to start: ${problems.join('; ')}`);
    this.name = 'StartupRefusedError';
  }
}

export interface RunningDaemon {
  daemon: NodeDaemon;
  store: ClusterStore;
  adapter: HaStoreAdapter;
  membership: CorosyncMembership;
  /**
   * Orderly shutdown of the loop, then of every connection: a reboot or power-off applies the
   * shutdown policy, a daemon stop leaves the services running for the next daemon.
   */
  stop(): Promise<void>;
}

export async function runDaemon(config: DaemonConfig, drivers: ResourceDriver[]): Promise<RunningDaemon> {
  const log = createLogger('daemon');
  const check = await gatherStartupCheck(config, { readMux: true });
  if (!check.ok) throw new StartupRefusedError(check.problems);
  log.info(`safety bound: ${check.bound.message}`);
  const timings = check.timings;

  const membership = await CorosyncMembership.open();
  const metrics = config.metrics.enabled ? daemonMetrics() : null;
  const closers: (() => void)[] = [watchForStalls(log, metrics?.stalled), () => membership.close()];
  try {
    const snapshot = membership.current();
    const self = snapshot.nodes.find((n) => n.nodeId === snapshot.localNodeId);
    if (self?.name !== config.node) {
      throw new StartupRefusedError([`config says this node is '${config.node}' but corosync calls it '${self?.name ?? snapshot.localNodeId}'`]);
    }
    // Opened before the conditions: the vote condition follows the ring this transport delivers in.
    const transport = new NativeCpgTransport('quorate-ha', (err) => log.error(`store transport: ${err.message}`));
    closers.push(() => transport.leave());
    const conditions: FencingCondition[] = [quorumCondition(membership)];
    let qdevice: QuorumDevice | null = null;
    if (config.qdevice.mode === 'integrated' && snapshot.qdevice !== null) {
      // Its own cmap connection, kept open: the client follows quorum.device.* changes (reloads).
      const cmap = Cmap.open();
      closers.push(() => cmap.close());
      const device = openQuorumDevice(loadQuorumDeviceConfig(cmap, config.qdevice.nssDb, log));
      device.device.on('warning', (w) => log.warn(`quorum device: ${w}`));
      device.device.on('state', (s) => log.info(`quorum device: vote ${s.vote}, ${s.connected ? 'connected' : 'not connected'}`));
      device.device.start();
      qdevice = device.device;
      closers.push(() => device.close(), followDeviceSettings(cmap, device.device, config.qdevice.nssDb, log));
      // The arbiter may answer a tie only after dead-peer detection of the silent node.
      const grace = config.qdevice.voteGraceMs || arbiterTieDecisionMs(check.corosync.device?.timeoutMs ?? 10_000) + 1000;
      conditions.push(integratedVoteCondition(device.device, membership, transport, grace, monotonicClock.now));
    } else {
      conditions.push(arbiterVoteCondition(membership));
    }

    mkdirSync(config.store.dir, { recursive: true, mode: 0o700 });
    try {
      checkStateDirWritable(config.store.dir);
    } catch (err) {
      throw new StartupRefusedError([`the state directory ${config.store.dir} is not writable: ${err instanceof Error ? err.message : String(err)}`]);
    }
    const registry = new DocumentRegistry();
    registerHaDocuments(registry);
    registry.register(nodeFencesDoc);
    registry.register(fenceHealthDoc);
    const store = new ClusterStore({
      transport,
      quorum: quorumFromMembership(membership), registry, dir: config.store.dir, clock: monotonicClock,
      leaseMs: leaseFromTimings(timings), clusterSize: snapshot.nodes.length,
      // An expired lock is free only once the judge saw it: a coarse look would add to every failover.
      expiryCheckMs: 100,
      log: (level, message, meta) => log[level](`store: ${message}`, meta),
    });
    closers.push(() => store.close());
    const names = new Map(snapshot.nodes.map((n) => [n.nodeId, n.name]));
    const adapter = new HaStoreAdapter(store, (id) => names.get(id) ?? `node${id}`);
    const resources = new ResourceRunner(drivers, config.drivers.lab.stopTimeoutMs);
    const daemon = new NodeDaemon({
      timings, membership, clock: monotonicClock, log,
      store: { view: () => adapter.view(), apply: (e) => metrics?.timeEffect(e, () => adapter.apply(e)) ?? adapter.apply(e), adopt: (lock) => adapter.adopt(lock), get current() { return store.current; }, get diskProblem() { return store.diskProblem; } },
      watchdog: new MuxWatchdogControl(config.watchdog.socket, Math.floor(timings.watchdogMs * maxDeadlineShareOfTimeout), conditions, log),
      resources, monitorIntervalMs: config.drivers.monitorIntervalMs, capacity: nodeCapacity(config.capacity),
      fencer: Object.keys(config.fencing.nodes).length > 0 ? new AgentFencer(config.fencing, log) : undefined,
    });
    if (metrics !== null) {
      closers.push(metrics.follow({
        membership, self: () => daemon.self(), storeView: () => adapter.view(), storeStatus: () => store.status(),
        onStoreChange: (listener) => store.onChange(listener), qdevice, now: monotonicClock.now, fences: () => nodeFences(store), fenceDevices: () => fenceDeviceHealth(store),
      }));
      const server = await serveMetrics(metrics.registry, parseMetricsListen(config.metrics.listen), log);
      closers.push(() => void server?.close());
    }
    await daemon.start();
    closers.push(publishLastFence(store, config.node, config.watchdog.fenceRecord, log, check.bootStatus),
      recordRecoveries(store, adapter, () => daemon.self().crm.role === 'master', monotonicClock.now, log),
      startFenceMonitor(config.fencing, config.node, deviceHealthPublisher(store, config.node, log)));
    const daemonState = () => {
      const self = daemon.self();
      const { node, quorate, members, nodes } = self.view;
      return { node, quorate, members, nodes, crm: self.crm, lrm: self.lrm, watchdog: self.watchdog, rounds: self.rounds, fences: nodeFences(store), fenceDevices: fenceDeviceHealth(store) };
    };
    const operator = await startOperatorServer(
      storeOperatorBackend(store, adapter, daemonState, { validateParams: (sid, params) => resources.validate(sid, params) }), config.operator.socket, log);
    closers.push(() => void operator.close());
    return {
      daemon, store, adapter, membership,
      stop: async () => {
        await daemon.stop(await detectShutdownKind(config.shutdown.jobsCommand, log));
        for (const close of closers.reverse()) close();
      },
    };
  } catch (err) {
    for (const close of closers.reverse()) close();
    throw err;
  }
}
