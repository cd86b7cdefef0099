import { run, runChecked } from '../util/run';
import type { GuestNetworkNames, HostAddressing, LabNames } from './names';

/**
 * The lab's network: one namespace per host, each with a veth into a bridge that lives in a
 * namespace of its own, so nothing is added to the root namespace. Faults act on the bridge
 * side (a switch port going dark) or on the host side (a powered-off machine has no link).
 */

const ip = (netns: string, ...args: string[]) => runChecked(['ip', '-n', netns, ...args]);

export async function createTopology(names: LabNames): Promise<void> {
  await runChecked(['ip', 'netns', 'add', names.bridgeNetns]);
  await ip(names.bridgeNetns, 'link', 'set', 'lo', 'up');
  await ip(names.bridgeNetns, 'link', 'add', names.bridge, 'type', 'bridge');
  await ip(names.bridgeNetns, 'link', 'set', names.bridge, 'up');
  await Promise.all(names.hosts.map((host) => createHost(names, host)));
}

/** What a machine on the lab's switch needs: hosts and BMCs alike. */
export type SwitchAttachment = Pick<HostAddressing, 'netns' | 'ifname' | 'port' | 'address'>;

/** A namespace with a veth into the lab's bridge, its address and link up. */
export async function createHost(names: LabNames, host: SwitchAttachment): Promise<void> {
  await runChecked(['ip', 'netns', 'add', host.netns]);
  await ip(host.netns, 'link', 'set', 'lo', 'up');
  await ip(names.bridgeNetns, 'link', 'add', host.port, 'type', 'veth', 'peer', 'name', host.ifname, 'netns', host.netns);
  await ip(names.bridgeNetns, 'link', 'set', host.port, 'master', names.bridge, 'up');
  await hostLinkUp(names, host);
}

/**
 * A hypervisor node's guest bridge, its uplink into the lab's switch as a port of its own (no
 * forwarding delay: a guest's first packets count).
 */
export async function createGuestNetwork(names: LabNames, host: HostAddressing, guest: GuestNetworkNames): Promise<void> {
  await ip(host.netns, 'link', 'add', guest.bridge, 'type', 'bridge', 'forward_delay', '0', 'stp_state', '0');
  await ip(names.bridgeNetns, 'link', 'add', guest.port, 'type', 'veth', 'peer', 'name', guest.uplink, 'netns', host.netns);
  await ip(names.bridgeNetns, 'link', 'set', guest.port, 'master', names.bridge, 'up');
  await ip(host.netns, 'link', 'set', guest.uplink, 'master', guest.bridge, 'up');
  await ip(host.netns, 'link', 'set', guest.bridge, 'up');
}

/** Bridge side: a guest port up or down (the node's cable carries its guests too). */
export async function setGuestPort(names: LabNames, guest: GuestNetworkNames, up: boolean): Promise<void> {
  await ip(names.bridgeNetns, 'link', 'set', guest.port, up ? 'up' : 'down');
}

/** Host side: address and link up (a machine that boots). */
export async function hostLinkUp(names: LabNames, host: SwitchAttachment): Promise<void> {
  await run(['ip', '-n', host.netns, 'addr', 'flush', 'dev', host.ifname]);
  await ip(host.netns, 'addr', 'add', `${host.address}/${names.prefixLength}`, 'dev', host.ifname);
  await ip(host.netns, 'link', 'set', host.ifname, 'up');
}

/** Host side: no address, link down (a machine without power). */
export async function hostLinkDown(host: HostAddressing): Promise<void> {
  await ip(host.netns, 'addr', 'flush', 'dev', host.ifname);
  await ip(host.netns, 'link', 'set', host.ifname, 'down');
}

/** Bridge side: the host's switch port up or down (a pulled or restored cable). */
export async function setPort(names: LabNames, host: HostAddressing, up: boolean): Promise<void> {
  await ip(names.bridgeNetns, 'link', 'set', host.port, up ? 'up' : 'down');
}

/** Isolated bridge ports talk only to non-isolated ones: nodes lose each other, keep the arbiter. */
export async function setPortIsolated(names: LabNames, host: HostAddressing, isolated: boolean): Promise<void> {
  await runChecked(['bridge', '-n', names.bridgeNetns, 'link', 'set', 'dev', host.port, 'isolated', isolated ? 'on' : 'off']);
}

export async function listNamespaces(): Promise<string[]> {
  const out = await runChecked(['ip', 'netns', 'list']);
  return out.split('\n').map((l) => l.trim().split(/\s+/)[0] ?? '').filter((n) => n !== '');
}

/** Pids of every process in a namespace (empty when the namespace is gone). */
export async function namespacePids(netns: string): Promise<number[]> {
  const result = await run(['ip', 'netns', 'pids', netns]);
  if (result.code !== 0) return [];
  return result.stdout.split('\n').map((l) => Number(l.trim())).filter((n) => Number.isInteger(n) && n > 0);
}
