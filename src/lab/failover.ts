/**
 * One failover measurement in the lab: a fault hits the cluster while a probe outside it hits
 * the service's floating address; the figure is the time from the fault to the first answer
 * from a node other than the one that served before. Each fault kind also knows how to put the
 * cluster back for the next run (power on, heal, boot the HA stack).
 */
import { monotonicClock } from '../util/clock';
import type { LabHaCluster } from './ha-cluster';
import type { NodeHost } from './names';
import type { ProbeAnswer, ServiceProbe } from './service-probe';

export type FaultKind = 'power-loss' | 'link-cut' | 'other-link-cut' | 'arbiter-down-then-node-loss' | 'daemon-sigstop';

export const faultKinds: FaultKind[] = ['power-loss', 'link-cut', 'other-link-cut', 'arbiter-down-then-node-loss', 'daemon-sigstop'];

export const faultDescriptions: Record<FaultKind, string> = {
  'power-loss': "power loss of the service's node",
  'link-cut': "link cut of the service's node",
  'other-link-cut': 'link cut of the other node',
  'arbiter-down-then-node-loss': "arbiter down, then power loss of the service's node",
  'daemon-sigstop': "SIGSTOP of the daemon on the service's node",
};

export interface FailoverRun {
  fault: FaultKind;
  from: NodeHost;
  /** The node answering after the fault; null when none answered within the wait. */
  to: NodeHost | null;
  /** Fault to first answer from another node (ms); null when the service did not move. */
  failoverMs: number | null;
  /** Longest silence of the probe around the fault (ms). */
  outageMs: number;
}

/** The node the service answers from now (waits for a fresh answer). */
export async function servingNode(probe: ServiceProbe, nodes: NodeHost[], timeoutMs: number): Promise<NodeHost> {
  const since = monotonicClock.now();
  const answer = await Promise.any(nodes.map((n) => probe.waitFor(n, since, timeoutMs)));
  return answer.node as NodeHost;
}

/** The longest silence of the probe in [from, to]: between answers that `answered` counts (ms). */
export function longestGap(probe: ServiceProbe, from: number, to: number, answered = (a: ProbeAnswer): boolean => a.node !== null): number {
  const times = [from, ...probe.answers.filter((a) => a.at >= from && a.at <= to && answered(a)).map((a) => a.at), to];
  let gap = 0;
  for (let i = 1; i < times.length; i++) gap = Math.max(gap, times[i]! - times[i - 1]!);
  return Math.round(gap);
}

/**
 * Injects the fault on the service's node (or the other one), waits up to waitMs for the service
 * to answer from another node, and records the figures. Does not restore the cluster.
 */
export async function injectAndMeasure(cluster: LabHaCluster, probe: ServiceProbe, fault: FaultKind, waitMs: number): Promise<FailoverRun> {
  const nodes = cluster.nodes;
  const from = await servingNode(probe, nodes, 30_000);
  const other = nodes.find((n) => n !== from)!;
  const lab = cluster.lab;
  let at = monotonicClock.now();
  switch (fault) {
    case 'power-loss':
      at = monotonicClock.now();
      await cluster.powerOff(from);
      break;
    case 'link-cut':
      at = monotonicClock.now();
      await lab.cutLink(from);
      break;
    case 'other-link-cut':
      at = monotonicClock.now();
      await lab.cutLink(other);
      break;
    case 'arbiter-down-then-node-loss':
      await lab.stopArbiter();
      // Let both nodes see the arbiter gone before the node loss, as in a real double fault.
      await new Promise((r) => setTimeout(r, 3000));
      at = monotonicClock.now();
      await cluster.powerOff(from);
      break;
    case 'daemon-sigstop': {
      const pid = cluster.daemonPid(from);
      if (pid === undefined) throw new Error(`no daemon running on ${from}`);
      at = monotonicClock.now();
      process.kill(pid, 'SIGSTOP');
      break;
    }
  }
  // With more than two nodes the manager picks the target: any node but the faulted one counts.
  const candidates = fault === 'other-link-cut' ? [] : nodes.filter((n) => n !== from);
  let to: NodeHost | null = null;
  let failoverMs: number | null = null;
  if (candidates.length > 0) {
    try {
      const answer = await Promise.any(candidates.map((n) => probe.waitFor(n, at, waitMs)));
      to = answer.node as NodeHost;
      failoverMs = Math.round(answer.at - at);
    } catch {
      to = null;
    }
  } else {
    await new Promise((r) => setTimeout(r, waitMs));
    to = probe.answers.some((a) => a.at > at && a.node === from) ? from : null;
  }
  return { fault, from, to, failoverMs, outageMs: longestGap(probe, at, monotonicClock.now()) };
}

/** Puts the cluster back together after a run: every node powered, linked, with its HA stack, quorate. */
export async function restore(cluster: LabHaCluster, run: FailoverRun): Promise<void> {
  const lab = cluster.lab;
  if (run.fault === 'arbiter-down-then-node-loss') await lab.startArbiter();
  if (run.fault === 'link-cut' || run.fault === 'other-link-cut') {
    const cut = run.fault === 'link-cut' ? run.from : cluster.nodes.find((n) => n !== run.from)!;
    await lab.restoreLink(cut);
  }
  for (const node of cluster.nodes) {
    if (!lab.isPoweredOn(node)) await lab.powerOn(node);
    if (!cluster.isRunning(node)) await cluster.boot(node);
  }
  await cluster.waitReady(cluster.nodes, 90_000);
}
