/**
 * The qemu command line of one VM lab guest. Software emulation (TCG) because KVM does not work
 * on these machines (docs/vmlab.md); a 128 MB translation cache keeps each qemu
 * near 0.5 GB instead of ~1.5 GB. `-no-reboot` turns a reset into qemu's exit, so a watchdog
 * reset is seen on the host as the qemu process ending, timed on the host's monotonic clock.
 */
import { vmlabPaths, type Guest } from './layout';

export interface GuestImage {
  /** The shared base disk and the kernel pair from vagrant/vmlab/build-image.sh. */
  base: string;
  kernel: string;
  initrd: string;
  sshKey: string;
}

/** The kernel command line: the guest's identity is read from it at boot (guest-setup.sh). */
export function guestKernelCommandLine(guest: Guest): string {
  return [
    'root=/dev/vda', 'rw', 'console=ttyS0', 'quiet', 'net.ifnames=0',
    `quorate.name=${guest.name}`, `quorate.role=${guest.role}`, `quorate.addr=${guest.cidr}`,
  ].join(' ');
}

export function qemuArgv(guest: Guest, image: GuestImage): string[] {
  return [
    'qemu-system-x86_64', '-name', guest.name,
    '-accel', 'tcg,tb-size=128', '-smp', '1', '-m', String(guest.memoryMiB),
    '-display', 'none', '-no-reboot',
    '-kernel', image.kernel, '-initrd', image.initrd, '-append', guestKernelCommandLine(guest),
    '-drive', `file=${vmlabPaths.overlay(guest)},if=virtio,format=qcow2`,
    '-drive', `file=${vmlabPaths.codeDisk},if=virtio,format=raw,readonly=on`,
    '-netdev', `tap,id=lan,ifname=${guest.tap},script=no,downscript=no`,
    '-device', `virtio-net-pci,netdev=lan,mac=${guest.mac}`,
    // The host's entropy: openssl's key generation (setup's certificates) must not wait for the guest's pool.
    '-device', 'virtio-rng-pci',
    '-serial', `file:${vmlabPaths.console(guest)}`,
    '-monitor', `unix:${vmlabPaths.monitor(guest)},server,nowait`,
    '-daemonize', '-pidfile', vmlabPaths.pidFile(guest),
  ];
}
