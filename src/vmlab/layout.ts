/**
 * The VM lab's fixed shape: two nodes and an arbiter with the Vagrant cluster's addresses (the
 * same corosync.conf serves both), on a bridge inside one network namespace so nothing touches
 * the host's own network. One VM lab at a time.
 */
import { join } from 'node:path';

export type GuestRole = 'node' | 'arbiter';
export type GuestName = 'node1' | 'node2' | 'arbiter';

export interface Guest {
  name: GuestName;
  role: GuestRole;
  /** Address with prefix, as the guest sets it on eth0. */
  cidr: string;
  address: string;
  /** The guest's tap on the lab bridge; taking it down cuts the guest's link. */
  tap: string;
  mac: string;
  memoryMiB: number;
}

function guest(name: GuestName, role: GuestRole, host: number, memoryMiB: number): Guest {
  return {
    name, role, memoryMiB,
    address: `192.168.56.${host}`,
    cidr: `192.168.56.${host}/24`,
    tap: `qvm-${name}`,
    mac: `52:54:00:56:00:${host.toString(16).padStart(2, '0')}`,
  };
}

export const vmlabGuests: readonly Guest[] = [
  guest('node1', 'node', 11, 768),
  guest('node2', 'node', 12, 768),
  guest('arbiter', 'arbiter', 13, 384),
];

export const vmlabLayout = {
  netns: 'qvmlab',
  bridge: 'qvm-br',
  /** The lab host's address on the bridge: probes and ssh come from here. */
  bridgeCidr: '192.168.56.1/24',
  runDir: '/run/quorate-vmlab',
  /** The demo service's floating address and port (the Vagrant demo's). */
  serviceAddress: '192.168.56.100',
  servicePort: 8080,
};

export function guestNamed(name: string): Guest {
  const found = vmlabGuests.find((g) => g.name === name);
  if (found === undefined) throw new Error(`no VM lab guest named ${name} (guests: ${vmlabGuests.map((g) => g.name).join(', ')})`);
  return found;
}

export const vmlabPaths = {
  state: join(vmlabLayout.runDir, 'state.json'),
  codeDisk: join(vmlabLayout.runDir, 'code.img'),
  overlay: (g: Guest): string => join(vmlabLayout.runDir, `${g.name}.qcow2`),
  console: (g: Guest): string => join(vmlabLayout.runDir, `${g.name}.console`),
  pidFile: (g: Guest): string => join(vmlabLayout.runDir, `${g.name}.pid`),
  monitor: (g: Guest): string => join(vmlabLayout.runDir, `${g.name}.monitor`),
};
