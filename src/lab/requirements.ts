import { spawnSync } from 'node:child_process';

const programs = ['ip', 'bridge', 'unshare', 'corosync', 'corosync-quorumtool', 'corosync-cmapctl', 'corosync-qdevice', 'corosync-qnetd', 'corosync-qnetd-tool'];

/**
 * Why a lab cannot run on this machine, or undefined when it can. Tests on real corosync skip
 * with this reason instead of failing where root or the Debian packages are missing.
 */
export function labUnavailableReason(): string | undefined {
  if (process.getuid?.() !== 0) return 'the namespace lab needs root (network and mount namespaces)';
  const missing = programs.filter((p) => spawnSync('sh', ['-c', `command -v ${p}`], { stdio: 'ignore' }).status !== 0);
  if (missing.length > 0) return `the namespace lab needs ${missing.join(', ')} (run scripts/bootstrap.sh)`;
  return undefined;
}

/** What a hypervisor lab runs besides the lab's own programs, with the Debian package of each. */
const hypervisorPrograms: Record<string, string> = {
  libvirtd: 'libvirt-daemon', virtlogd: 'libvirt-daemon', virtlockd: 'libvirt-daemon', virsh: 'libvirt-clients',
  'qemu-system-x86_64': 'qemu-system-x86', cpio: 'cpio', 'dpkg-deb': 'dpkg', useradd: 'passwd',
};

/** Why `--hypervisor` cannot run here (missing programs, with their packages), or undefined. */
export function hypervisorUnavailableReason(): string | undefined {
  const lab = labUnavailableReason();
  if (lab !== undefined) return lab;
  const missing = Object.keys(hypervisorPrograms).filter((p) => spawnSync('sh', ['-c', `command -v ${p}`], { stdio: 'ignore' }).status !== 0);
  // The guest's init is busybox-static's binary, copied into an initramfs without libraries.
  if (spawnSync('sh', ['-c', '[ -x /bin/busybox ] && ! ldd /bin/busybox >/dev/null 2>&1'], { stdio: 'ignore' }).status !== 0) missing.push('busybox (static)');
  if (missing.length === 0) return undefined;
  const packages = [...new Set(missing.map((p) => hypervisorPrograms[p] ?? 'busybox-static'))];
  return `the hypervisor lab needs ${missing.join(', ')} (Debian packages ${packages.join(', ')}; run scripts/bootstrap.sh)`;
}
