/**
 * A real VM under HA in the hypervisor lab: the HA stack on every node with the vm driver on the
 * node's own libvirtd (migration addresses = the nodes' cluster addresses, shared storage = the
 * lab's shared directory, a plain host directory libvirt cannot know is shared, hence
 * trustSharedStorage), the lab guest added through the operator CLI with its domain XML, and
 * a probe outside the cluster that reads the guest's boot id (same id: migrated; new id: booted
 * again, so a failover). Used by test/lab/vm, `npm run bench -- vm` and the demo.
 */
import { monotonicClock } from '../util/clock';
import type { ServiceStatus } from '../ha/types';
import { longestGap } from './failover';
import { guestResponderPort } from './guest-image';
import { LabHaCluster } from './ha-cluster';
import { NamespaceLab } from './namespace-lab';
import { labGuestAddress, type NodeHost } from './names';
import type { LabOptions } from './options';
import { ServiceProbe, type ProbeAnswer } from './service-probe';

export const vmGuest = { sid: 'vm:web', name: 'web', address: labGuestAddress(0) };

export interface VmHa {
  lab: NamespaceLab;
  ha: LabHaCluster;
  probe: ServiceProbe;
  /** Where the domain XML was written (on the shared directory). */
  xmlPath: string;
}

/** A guest's answer: the boot id it reported and when. */
export interface GuestAnswer {
  at: number;
  bootId: string;
}

export function guestAnswer(answer: ProbeAnswer): GuestAnswer | null {
  return answer.bootId === null ? null : { at: answer.at, bootId: answer.bootId };
}

/** The hypervisor lab with the HA stack configured for the vm driver (nothing added yet). */
export async function startVmHa(options: LabOptions = {}, progress: (line: string) => void = () => undefined): Promise<VmHa> {
  const parts: Partial<VmHa> = {};
  try {
    parts.lab = await NamespaceLab.up({ profile: 'fast', qdevice: 'integrated', ...options, hypervisor: true }, progress);
    const lab = parts.lab;
    const migrationAddresses = Object.fromEntries(lab.nodes.map((n) => [n.name, n.address]));
    parts.ha = await LabHaCluster.start(lab, { extraConfig: { drivers: { vm: { migrationAddresses, sharedStorage: lab.hypervisor.sharedDir, trustSharedStorage: true } } } });
    parts.xmlPath = lab.hypervisor.writeDomain({ name: vmGuest.name, address: vmGuest.address });
    parts.probe = await ServiceProbe.start(lab, vmGuest.address.split('/')[0]!, guestResponderPort);
    return parts as VmHa;
  } catch (err) {
    await stopVmHa(parts);
    throw err;
  }
}

export async function stopVmHa(vm: Partial<VmHa>): Promise<void> {
  await vm.probe?.stop();
  await vm.ha?.stop();
  await vm.lab?.down();
}

/** `quorate resource add vm:web --domain-xml … --node NODE` on `via`; throws with the CLI's message when refused. */
export async function addVm(vm: VmHa, node: NodeHost, via: NodeHost = node): Promise<void> {
  const added = await vm.ha.cli(via, ['resource', 'add', vmGuest.sid, '--node', node, '--domain-xml', vm.xmlPath]);
  if (added.code !== 0) throw new Error(`quorate resource add ${vmGuest.sid} failed: ${added.stderr.trim() || added.stdout.trim()}`);
}

/** The manager's status of the VM as `viewer`'s daemon sees it (null while it cannot tell). */
export async function vmStatus(vm: VmHa, viewer: NodeHost): Promise<ServiceStatus | null> {
  const result = await vm.ha.cli(viewer, ['status', '--json']);
  try {
    const status = JSON.parse(result.stdout) as { ha: { store: { managerStatus: { serviceStatus: Record<string, ServiceStatus> } | null } } | null };
    return status.ha?.store.managerStatus?.serviceStatus[vmGuest.sid] ?? null;
  } catch {
    return null;
  }
}

export async function waitFor<T>(what: string, timeoutMs: number, check: () => Promise<T | null | undefined | false>): Promise<T> {
  const deadline = monotonicClock.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== null && value !== undefined && value !== false) return value;
    if (monotonicClock.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** Waits until the VM is `started` and running on `node`, as `viewer` sees it. */
export function waitStartedOn(vm: VmHa, node: NodeHost, timeoutMs: number, viewer: NodeHost = node): Promise<ServiceStatus> {
  return waitFor(`${vmGuest.sid} started on ${node}`, timeoutMs, async () => {
    const s = await vmStatus(vm, viewer);
    return s !== null && s.state === 'started' && s.node === node && s.running === true ? s : null;
  });
}

/** The first guest answer at or after `since`. */
export function waitGuest(vm: VmHa, since: number, timeoutMs: number): Promise<GuestAnswer> {
  return waitFor('an answer from the guest', timeoutMs, async () => {
    for (const a of vm.probe.answers) {
      const g = a.at >= since ? guestAnswer(a) : null;
      if (g !== null) return g;
    }
    return null;
  });
}

/** Boot ids the guest answered with in [from, to]. */
export function bootIdsBetween(vm: VmHa, from: number, to: number): string[] {
  const ids = vm.probe.answers.filter((a) => a.at >= from && a.at <= to).map(guestAnswer).filter((g) => g !== null).map((g) => g.bootId);
  return [...new Set(ids)];
}

/** libvirt's downtime of the last completed migration into `node` (`virsh domjobinfo --completed`), in ms. */
export async function libvirtDowntimeMs(vm: VmHa, node: NodeHost): Promise<number | null> {
  const info = await vm.lab.hypervisor.virsh(node, ['domjobinfo', vmGuest.name, '--completed']);
  const m = /^Total downtime:\s+(\d+)\s+ms/m.exec(info.stdout);
  return m === null ? null : Number(m[1]);
}

/** Domains libvirt runs on `node` (`virsh list --name`). */
export async function domainsOn(vm: VmHa, node: NodeHost): Promise<string[]> {
  const list = await vm.lab.hypervisor.virsh(node, ['list', '--name']);
  return list.stdout.split('\n').map((l) => l.trim()).filter((l) => l !== '');
}

export interface MigrationRun {
  from: NodeHost;
  to: NodeHost;
  /** Operator command to the VM started on the target (ms). */
  tookMs: number;
  /** Longest silence of the probe while it moved (ms). */
  probeGapMs: number;
  /** libvirt's measured downtime (ms), null when it did not tell. */
  libvirtDowntimeMs: number | null;
  /** Boot ids seen during the move: one, the same before and after, for a live migration. */
  bootIds: string[];
}

/** `quorate resource migrate vm:web TO` and the figures of that move. */
export async function migrateVm(vm: VmHa, from: NodeHost, to: NodeHost, timeoutMs = 120_000): Promise<MigrationRun> {
  const before = await waitGuest(vm, monotonicClock.now(), 30_000);
  const at = monotonicClock.now();
  const queued = await vm.ha.cli(from, ['resource', 'migrate', vmGuest.sid, to]);
  if (queued.code !== 0) throw new Error(`quorate resource migrate failed: ${queued.stderr.trim()}`);
  await waitStartedOn(vm, to, timeoutMs, from);
  const arrived = monotonicClock.now();
  const after = await waitGuest(vm, arrived, 30_000);
  return {
    from, to, tookMs: Math.round(arrived - at), probeGapMs: longestGap(vm.probe, before.at, after.at, (a) => a.bootId !== null),
    libvirtDowntimeMs: await libvirtDowntimeMs(vm, to), bootIds: bootIdsBetween(vm, before.at, after.at),
  };
}
