import { section, sectionsNamed, type ConfSection } from './corosync-conf';
import type { NetHost } from './net-probe';

const ipv4 = /^\d{1,3}(?:\.\d{1,3}){3}$/;

/**
 * The hosts to probe from corosync.conf: every node by its ring0_addr and the quorum device's
 * arbiter as "arbiter"; this host is the one whose address is local. Addresses must be IPv4
 * literals (a probe never resolves names: it must hit exactly what corosync uses).
 */
export function netHostsFromConf(root: ConfSection, localAddresses: string[]): { self: NetHost; peers: NetHost[] } {
  const hosts: NetHost[] = sectionsNamed(section(root, ['nodelist']), 'node').map((node, i) => ({
    name: node.values.get('name') ?? `node #${i + 1}`,
    address: node.values.get('ring0_addr') ?? '',
  }));
  const arbiter = section(root, ['quorum', 'device', 'net'])?.values.get('host');
  if (arbiter !== undefined) hosts.push({ name: 'arbiter', address: arbiter });
  for (const host of hosts) {
    if (!ipv4.test(host.address)) throw new Error(`${host.name}: address ${JSON.stringify(host.address)} is not an IPv4 address; name the hosts with --self and --peer`);
  }
  const self = hosts.find((h) => localAddresses.includes(h.address));
  if (self === undefined) throw new Error(`none of ${hosts.map((h) => h.address).join(', ')} is an address of this host; name it with --self`);
  return { self, peers: hosts.filter((h) => h !== self) };
}
