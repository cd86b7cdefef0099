import { randomBytes } from 'node:crypto';
import { LabOptionError } from './errors';

/**
 * Names and addresses of one lab. Every namespace and interface name carries the lab's random
 * id, so two labs on one machine never collide and leftovers of a crashed run can be found by
 * name. Interface names stay within the kernel's 15 characters.
 */
export type NodeHost = 'node1' | 'node2' | 'node3';
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

export function nodeHostNames(count: 2 | 3): NodeHost[] {
  return count === 3 ? ['node1', 'node2', 'node3'] : ['node1', 'node2'];
}

/**
 * Each lab has its own bridge namespace, so the subnet is private to it and may be the same in
 * every lab; nothing is added to the root namespace.
 */
export function labNames(id: string, nodeCount: 2 | 3): LabNames {
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
    hosts: [...nodes, host('arbiter', 'ar', 9)],
  };
}

/** The lab id in a namespace name made by `labNames`, or undefined for anyone else's namespace. */
export function labIdOfNamespace(netns: string): string | undefined {
  return new RegExp(`^${namespacePrefix}([0-9a-f]{6})-(n[1-3]|ar|br)$`).exec(netns)?.[1];
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

/** The lab id in a BMC namespace name made by `bmcAddressing`. */
export function labIdOfBmcNamespace(netns: string): string | undefined {
  return new RegExp(`^${namespacePrefix}([0-9a-f]{6})-b[0-9]{1,2}$`).exec(netns)?.[1];
}
