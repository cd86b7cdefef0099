/**
 * The side-by-side failover bench's faults and its two subjects: quorate (its HA stack) and
 * Pacemaker (pacemaker.ts), each on a lab of its own with a BMC per node, the same probe and
 * the same faults. A subject knows how to cut a node's power and how to put its cluster back;
 * the measurement (fault to first answer from the other node) is the same for both.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { join } from 'node:path';
import { findDualRuns, readJournal, type DualRun } from '../daemon/resources/lab-service-journal';
import { monotonicClock } from '../util/clock';
import { restore as restoreQuorate, servingNode, type FaultKind } from './failover';
import type { LabHaCluster } from './ha-cluster';
import type { NamespaceLab } from './namespace-lab';
import type { NodeHost } from './names';
import type { LabPacemaker } from './pacemaker';
import { namespacePidsSync } from './processes';
import type { ServiceProbe } from './service-probe';

export type PeerFault = 'power-loss-bmc-alive' | 'power-loss-bmc-dead' | 'link-cut';
export const peerFaults: PeerFault[] = ['power-loss-bmc-alive', 'power-loss-bmc-dead', 'link-cut'];

export const peerFaultDescriptions: Record<PeerFault, string> = {
  'power-loss-bmc-alive': "power loss of the service's node, its BMC alive",
  'power-loss-bmc-dead': "power loss of the service's node, its BMC dead with it",
  'link-cut': "link cut of the service's node (its BMC reachable)",
};

export interface PeerRun {
  fault: PeerFault;
  from: NodeHost;
  to: NodeHost | null;
  /** Fault to the first answer from another node (ms); null when none answered within the wait. */
  failoverMs: number | null;
}

export interface FailoverSubject {
  name: 'quorate' | 'pacemaker';
  lab: NamespaceLab;
  nodes: NodeHost[];
  /** Journals whose starts, stops and power cuts the dual-run check reads. */
  journals: string[];
  powerOff(node: NodeHost): Promise<void>;
  /** Back to every node up with its stack and the service answering. */
  restore(run: PeerRun, probe: ServiceProbe): Promise<void>;
}

/**
 * The daemon config's `fencing` for a lab with BMCs: fence_ipmilan per node as Pacemaker's
 * devices are set (lanplus, cipher 3, the agent's default timeouts), the passwords in a root-only
 * secrets file in `dir`. The node stays off after a confirmed off (the bench powers it on: a
 * second power-on from the daemon would race it); recovery does not wait for the power-on either way.
 */
export function labFencing(lab: NamespaceLab, dir: string): Record<string, unknown> {
  const nodes = lab.nodes.map((n) => n.name as NodeHost);
  const secretsFile = join(dir, 'fence-secrets.json');
  writeFileSync(secretsFile, JSON.stringify(Object.fromEntries(nodes.map((n) => [`ipmi-${n}`, { password: lab.bmc(n).password }]))), { mode: 0o600 });
  return {
    secretsFile,
    afterFence: 'off',
    nodes: Object.fromEntries(nodes.map((n) => [n, [{ name: `ipmi-${n}`, agent: 'fence_ipmilan', options: { ip: lab.bmc(n).address, username: lab.bmc(n).username, lanplus: 1, cipher: 3 } }]])),
  };
}

function fenceAgentRuns(lab: NamespaceLab): boolean {
  return lab.nodes.flatMap((n) => namespacePidsSync(n.netns)).some((pid) => {
    try {
      return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('fence_');
    } catch {
      return false;
    }
  });
}

/** Until no fence agent has run in any node for two checks a second apart (or the timeout). */
async function untilNoFenceAgentRuns(lab: NamespaceLab, timeoutMs: number): Promise<void> {
  const deadline = monotonicClock.now() + timeoutMs;
  let quiet = 0;
  while (quiet < 2 && monotonicClock.now() < deadline) {
    quiet = fenceAgentRuns(lab) ? 0 : quiet + 1;
    await sleep(1000);
  }
}

export function quorateSubject(ha: LabHaCluster): FailoverSubject {
  return {
    name: 'quorate',
    lab: ha.lab,
    nodes: ha.nodes,
    journals: [ha.journalPath, ha.lab.powerJournalPath],
    powerOff: (node) => ha.powerOff(node),
    restore: async (run, probe) => {
      // A fence under way (it outlives a recovery by the lease) would power off the node being booted.
      await untilNoFenceAgentRuns(ha.lab, 60_000);
      // A fence through the BMC powers nodes off and on in processes of their own.
      ha.lab.reloadState();
      await ha.lab.setBmcFault(run.from, 'alive');
      const kind: FaultKind = run.fault === 'link-cut' ? 'link-cut' : 'power-loss';
      await restoreQuorate(ha, { fault: kind, from: run.from, to: run.to, failoverMs: run.failoverMs, outageMs: 0 });
      await servingNode(probe, ha.nodes, 90_000);
    },
  };
}

export function pacemakerSubject(pcmk: LabPacemaker): FailoverSubject {
  return {
    name: 'pacemaker',
    lab: pcmk.lab,
    nodes: pcmk.nodes,
    journals: [pcmk.journalPath, pcmk.lab.powerJournalPath],
    powerOff: (node) => pcmk.lab.powerOff(node),
    restore: async (run, probe) => {
      pcmk.lab.reloadState();
      await pcmk.lab.setBmcFault(run.from, 'alive');
      if (run.to === null) {
        // Its fence of the lost node is retried until the BMC answers again: let it finish and
        // recover the service before the node gets its stack back (a later fence would take it).
        const others = pcmk.nodes.filter((n) => n !== run.from);
        // If it has not within 2 minutes, settle's own timeout names what is missing.
        await Promise.any(others.map((n) => probe.waitFor(n, monotonicClock.now(), 120_000))).catch(() => undefined);
      }
      await pcmk.settle(180_000);
      await servingNode(probe, pcmk.nodes, 90_000);
    },
  };
}

/** Injects the fault on the node serving now and waits up to waitMs for another node to answer. */
export async function injectPeerFault(subject: FailoverSubject, probe: ServiceProbe, fault: PeerFault, waitMs: number): Promise<PeerRun> {
  const from = await servingNode(probe, subject.nodes, 30_000);
  if (fault === 'power-loss-bmc-dead') await subject.lab.setBmcFault(from, 'dies-with-node');
  const at = monotonicClock.now();
  if (fault === 'link-cut') await subject.lab.cutLink(from);
  else await subject.powerOff(from);
  const others = subject.nodes.filter((n) => n !== from);
  try {
    const answer = await Promise.any(others.map((n) => probe.waitFor(n, at, waitMs)));
    return { fault, from, to: answer.node as NodeHost, failoverMs: Math.round(answer.at - at) };
  } catch {
    return { fault, from, to: null, failoverMs: null };
  }
}

/** Every overlap of two instances of the service on different nodes in the subject's journals. */
export function subjectDualRuns(subject: FailoverSubject): { starts: number; dual: DualRun[] } {
  const entries = subject.journals.flatMap(readJournal);
  return { starts: entries.filter((e) => e.event === 'started').length, dual: findDualRuns(entries) };
}
