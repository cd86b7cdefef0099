/**
 * libvirt domain XML for a hypervisor lab guest: the same text on every node (the guest bridge
 * has one name in all of them, the image and disk live on the shared directory), a stable UUID
 * and MAC derived from the guest's name, and the floating address on the kernel command line.
 */
import { createHash } from 'node:crypto';
import type { GuestImage } from './guest-image';

export interface GuestDomainSpec {
  /** Domain name: letters, digits, '-', '_' (it appears in paths and on the kernel command line). */
  name: string;
  /** The guest's floating address with its prefix, e.g. 10.213.0.150/24. */
  address: string;
  image: GuestImage;
  /** Raw disk on the shared directory; virtlockd leases it. */
  disk: string;
  /** The node bridge the guest's NIC joins. */
  bridge: string;
  memoryMiB?: number;
}

const namePattern = /^[A-Za-z0-9][A-Za-z0-9_-]{0,47}$/;
const cidrPattern = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/;

/** UUID and MAC from the name: a guest defined again (on any node) is the same domain. */
export function guestIdentity(name: string): { uuid: string; mac: string } {
  const h = createHash('sha256').update(`quorate-lab-guest:${name}`).digest('hex');
  const uuid = `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-8${h.slice(17, 20)}-${h.slice(20, 32)}`;
  const mac = `52:54:00:${h.slice(32, 34)}:${h.slice(34, 36)}:${h.slice(36, 38)}`;
  return { uuid, mac };
}

export function renderGuestDomain(spec: GuestDomainSpec): string {
  if (!namePattern.test(spec.name)) throw new Error(`invalid guest name ${JSON.stringify(spec.name)}: use 1-48 of A-Z, a-z, 0-9, '-', '_'`);
  const cidr = cidrPattern.exec(spec.address);
  if (cidr === null || cidr.slice(1, 5).some((o) => Number(o) > 255) || Number(cidr[5]) > 32) {
    throw new Error(`invalid guest address ${JSON.stringify(spec.address)}: expected IPv4 with a prefix length, like 10.213.0.150/24`);
  }
  const memoryMiB = spec.memoryMiB ?? 128;
  if (!Number.isInteger(memoryMiB) || memoryMiB < 64) throw new Error(`invalid guest memory ${String(memoryMiB)} MiB: at least 64`);
  for (const path of [spec.image.kernel, spec.image.initramfs, spec.disk]) {
    if (!path.startsWith('/') || /[<>&'"]/.test(path)) throw new Error(`guest path ${JSON.stringify(path)} must be absolute and free of XML special characters`);
  }
  const { uuid, mac } = guestIdentity(spec.name);
  return `<domain type='qemu'>
  <name>${spec.name}</name>
  <uuid>${uuid}</uuid>
  <memory unit='MiB'>${memoryMiB}</memory>
  <vcpu>1</vcpu>
  <os>
    <type arch='x86_64' machine='pc'>hvm</type>
    <kernel>${spec.image.kernel}</kernel>
    <initrd>${spec.image.initramfs}</initrd>
    <cmdline>console=ttyS0 quiet guestip=${spec.address} guestname=${spec.name}</cmdline>
  </os>
  <features><acpi/></features>
  <cpu mode='custom' match='exact'><model fallback='allow'>qemu64</model></cpu>
  <on_poweroff>destroy</on_poweroff>
  <on_reboot>restart</on_reboot>
  <on_crash>destroy</on_crash>
  <devices>
    <emulator>/usr/bin/qemu-system-x86_64</emulator>
    <disk type='file' device='disk'>
      <driver name='qemu' type='raw' cache='none'/>
      <source file='${spec.disk}'/>
      <target dev='vda' bus='virtio'/>
    </disk>
    <interface type='bridge'>
      <source bridge='${spec.bridge}'/>
      <mac address='${mac}'/>
      <model type='virtio'/>
    </interface>
    <serial type='pty'><log file='/var/log/libvirt/qemu/${spec.name}-console.log' append='on'/></serial>
    <console type='pty'/>
    <memballoon model='none'/>
  </devices>
</domain>
`;
}
