import { randomBytes } from 'node:crypto';
import { LabOptionError } from './errors';

/**
 * Names and addresses of one lab. Every namespace and interface name carries the lab's random
 * id, so two labs on one machine never collide and leftovers of a crashed run can be found by
 * name. Interface names stay within the kernel's 15 characters.
 */
export type NodeHost = `node${number}`;
export type HostName = NodeHost | 'arbiter';

export const defaultLabName = 'default';
/** Prefix of every namespace a lab creates: `ql<id>-<role>`. */
export const namespacePrefix = 'ql';
const labNamePattern = /^[a-z0-9][a-z0-9_-]{0,31}$/;

export interface HostAddressing {
  name: HostName;
  /** Network namespace of the host. */
  netns: string;
  /** Interface inside the host's namespace. */
  ifname: string;
  /** Peer interface in the bridge namespace: the host's switch port. */
  port: string;
  /** IPv4 address on the lab's subnet. */
  address: string;
  /** corosync node id (nodes only; the arbiter has none). */
  nodeId?: number;
}

export interface LabNames {
  id: string;
  bridgeNetns: string;
  bridge: string;
  prefixLength: number;
  hosts: HostAddressing[];
}

export function newLabId(): string {
  return randomBytes(3).toString('hex');
}

export function validateLabName(name: string): string {
  if (!labNamePattern.test(name)) {
    throw new LabOptionError(`invalid lab name ${JSON.stringify(name)}: use 1-32 of a-z, 0-9, '-', '_' starting with a letter or digit`);
  }
  return name;
}

/** A lab has 2 to 16 nodes: node1…node16 (addresses .1-.16, corosync node ids 1-16). */
export const minLabNodes = 2;
export const maxLabNodes = 16;
/** The arbiter's host octet: above every node's. */
const arbiterOctet = 20;

export function nodeHostNames(count: number): NodeHost[] {
  return Array.from({ length: count }, (_, i): NodeHost => `node${i + 1}`);
}

/** Whether `name` is a host a lab of up to 16 nodes can have (node1…node16 or the arbiter). */
export function isLabHostName(name: string): name is HostName {
  return name === 'arbiter' || /^node([1-9]|1[0-6])$/.test(name);
}

/**
 * Each lab has its own bridge namespace, so the subnet is private to it and may be the same in
 * every lab; nothing is added to the root namespace.
 */
export function labNames(id: string, nodeCount: number): LabNames {
  const host = (name: HostName, role: string, octet: number, nodeId?: number): HostAddressing => ({
    name,
    netns: `${namespacePrefix}${id}-${role}`,
    ifname: `q${id}e0`,
    port: `q${id}${role}`,
    address: `10.213.0.${octet}`,
    ...(nodeId === undefined ? {} : { nodeId }),
  });
  const nodes = nodeHostNames(nodeCount).map((n, i) => host(n, `n${i + 1}`, i + 1, i + 1));
  return {
    id,
    bridgeNetns: `${namespacePrefix}${id}-br`,
    bridge: `q${id}br`,
    prefixLength: 24,
    hosts: [...nodes, host('arbiter', 'ar', arbiterOctet)],
  };
}

/** The lab id in a namespace name made by `labNames`, or undefined for anyone else's namespace. */
export function labIdOfNamespace(netns: string): string | undefined {
  return new RegExp(`^${namespacePrefix}([0-9a-f]{6})-(n\\d{1,2}|ar|br)$`).exec(netns)?.[1];
}

/**
 * A node's lab BMC: a namespace of its own on the lab's switch (`ql<id>-b<n>`), so it outlives the
 * node's power and link, at 10.213.0.(200 + node id).
 */
export function bmcAddressing(id: string, nodeId: number): Omit<HostAddressing, 'name' | 'nodeId'> {
  return {
    netns: `${namespacePrefix}${id}-b${nodeId}`,
    ifname: `q${id}e0`,
    port: `q${id}b${nodeId}`,
    address: `10.213.0.${200 + nodeId}`,
  };
}

/**
 * A hypervisor node's guest network (`--hypervisor`): a bridge inside the node (`q<id>gb`, the
 * same name on every node, so one domain XML fits all) whose uplink veth (`q<id>gu`) has its peer
 * on the lab's switch as the node's guest port (`q<id>g<n>`). It is apart from the node's own
 * link, so guests stay reachable from the lab's probe host and the node's address stays on its veth.
 */
export interface GuestNetworkNames {
  bridge: string;
  uplink: string;
  port: string;
}

export function guestNetworkNames(id: string, nodeId: number): GuestNetworkNames {
  return { bridge: `q${id}gb`, uplink: `q${id}gu`, port: `q${id}g${nodeId}` };
}

/** Floating addresses for hypervisor lab guests: 10.213.0.150 + index (0-49), with the lab's prefix. */
export function labGuestAddress(index: number): string {
  if (!Number.isInteger(index) || index < 0 || index > 49) throw new LabOptionError(`invalid guest index ${String(index)}: expected 0 to 49`);
  return `10.213.0.${150 + index}/24`;
}

/** The lab id in a BMC namespace name made by `bmcAddressing`. */
export function labIdOfBmcNamespace(netns: string): string | undefined {
  return new RegExp(`^${namespacePrefix}([0-9a-f]{6})-b[0-9]{1,2}$`).exec(netns)?.[1];
}
