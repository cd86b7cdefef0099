/**
 * One failover on the VM lab, measured from the lab namespace: the demo service runs on one node,
 * a fault hits that node, and the host times (monotonic) when that node's kernel was reset by its
 * watchdog (its qemu ends: -no-reboot) and when the service first answers from the other node.
 * With a link cut the reset must come before that answer: the cut node's watchdog is what makes
 * the takeover safe.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { ServiceProbe } from '../lab/service-probe';
import { monotonicClock } from '../util/clock';
import { vmlabLayout, type GuestName } from './layout';
import type { VmLab } from './vmlab';

export type VmlabFault = 'link-cut' | 'power-loss';
export const vmlabFaults: readonly VmlabFault[] = ['link-cut', 'power-loss'];

export const demoServiceId = 'lab:web';

export interface VmlabFailover {
  fault: VmlabFault;
  from: GuestName;
  to: GuestName;
  /** Fault → the faulted node's reset (its qemu ended), ms; undefined for a power loss. */
  resetAfterMs?: number;
  /** Fault → first answer from the other node, ms. */
  answerAfterMs: number;
  /** Fault → last answer from the faulted node, ms (negative: it answered before the fault only). */
  lastOldAnswerMs?: number;
}

/** Adds the demo service on `node` unless it exists, and waits until it answers (from wherever it runs). */
export async function ensureDemoService(lab: VmLab, probe: ServiceProbe, node: GuestName, timeoutMs = 120_000): Promise<GuestName> {
  // A starved guest's CLI took over 60 s for the add (beside the main group): the wait's own timeout.
  const list = await lab.exec(node, ['quorate', 'resource', 'list', '--json'], timeoutMs);
  if (!list.stdout.includes(`"${demoServiceId}"`)) {
    const added = await lab.exec(node, ['quorate', 'resource', 'add', demoServiceId, '--node', node,
      '--param', `address=${vmlabLayout.serviceAddress}/24`, '--param', `port=${vmlabLayout.servicePort}`], timeoutMs);
    if (added.code !== 0) throw new Error(`cannot add ${demoServiceId} on ${node}: ${added.stderr.trim()}`);
  }
  const deadline = monotonicClock.now() + timeoutMs;
  for (;;) {
    const current = currentServiceNode(probe);
    if (current !== undefined) return current;
    if (monotonicClock.now() > deadline) throw new Error(`${demoServiceId} did not answer within ${timeoutMs / 1000} s`);
    await sleep(100);
  }
}

/** Where the demo service answers now (the latest answer within the last second). */
export function currentServiceNode(probe: ServiceProbe): GuestName | undefined {
  const latest = probe.answers.at(-1);
  return latest !== undefined && monotonicClock.now() - latest.at < 1000 ? (latest.node as GuestName | null) ?? undefined : undefined;
}

export async function measureFailover(lab: VmLab, probe: ServiceProbe, fault: VmlabFault, from: GuestName, timeoutMs = 180_000): Promise<VmlabFailover> {
  const to: GuestName = from === 'node1' ? 'node2' : 'node1';
  const faultAt = monotonicClock.now();
  if (fault === 'link-cut') await lab.cutLink(from);
  else lab.powerOff(from);
  // Watches the faulted guest's qemu (a reset ends it) until the other node answers.
  let resetAt: number | undefined;
  let first = probe.firstFrom(to, faultAt);
  while (first === undefined) {
    if (fault === 'link-cut' && resetAt === undefined && !lab.isRunning(from)) resetAt = monotonicClock.now();
    if (monotonicClock.now() - faultAt > timeoutMs) throw new Error(`no answer from ${to} within ${timeoutMs / 1000} s after the ${fault} of ${from}`);
    await sleep(20);
    first = probe.firstFrom(to, faultAt);
  }
  if (fault === 'link-cut' && resetAt === undefined && !lab.isRunning(from)) resetAt = monotonicClock.now();
  const lastOld = probe.answers.filter((a) => a.node === from).at(-1);
  return {
    fault, from, to,
    ...(resetAt !== undefined ? { resetAfterMs: Math.round(resetAt - faultAt) } : {}),
    answerAfterMs: Math.round(first.at - faultAt),
    ...(lastOld !== undefined ? { lastOldAnswerMs: Math.round(lastOld.at - faultAt) } : {}),
  };
}

/** Probes the demo service's floating address from the lab namespace every 20 ms. */
export function startDemoProbe(): ServiceProbe {
  return ServiceProbe.startIn(vmlabLayout.netns, vmlabLayout.serviceAddress, vmlabLayout.servicePort);
}
