/**
 * The hypervisor lab's guest: Debian's kernel and a busybox initramfs whose init sets the
 * floating address from the kernel command line (`guestip=`), answers HTTP on port 8080 with its
 * name and boot id (a migrated guest keeps it, a rebooted one gets a new one) and powers off on
 * the ACPI power button. Built once per set of inputs and kept under /var/cache/quorate-hvlab.
 */
import { createHash } from 'node:crypto';
import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { runChecked } from '../util/run';
import { hypervisorCacheDir } from './hypervisor-node';

export interface GuestImage {
  /** The bzImage, which qemu boots directly. */
  kernel: string;
  initramfs: string;
}

/** The guest's HTTP port. */
export const guestResponderPort = 8080;

const busyboxPath = '/bin/busybox';
const aptArchives = '/var/cache/apt/archives';
const debCache = join(hypervisorCacheDir, 'debs');
/** Debian's small kernel flavour for virtual machines; its metapackage names the current image. */
const kernelMetapackage = 'linux-image-cloud-amd64';
const kernelDebPattern = /^linux-image-\d[\w.+-]*-amd64_[\w.+~-]+_amd64\.deb$/;
/** insmod order: each module after the ones it needs (virtio_ring before virtio, failover before virtio_net). */
const guestModules = ['virtio_ring', 'virtio', 'virtio_pci_modern_dev', 'virtio_pci_legacy_dev', 'virtio_pci', 'failover', 'net_failover', 'virtio_net', 'button', 'evdev'];

const initScript = `#!/bin/busybox sh
/bin/busybox --install -s /bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
for m in ${guestModules.join(' ')}; do insmod /lib/modules/$m.ko; done
name=guest; address=
for arg in $(cat /proc/cmdline); do
  case "$arg" in guestip=*) address="\${arg#guestip=}";; guestname=*) name="\${arg#guestname=}";; esac
done
ip link set lo up
ip addr add "$address" dev eth0
ip link set eth0 up
mkdir -p /www
echo "guest $name boot $(cat /proc/sys/kernel/random/boot_id)" > /www/index.html
httpd -p ${guestResponderPort} -h /www
arping -U -c 1 -I eth0 "\${address%/*}" >/dev/null 2>&1 &
# In the foreground (then in the background of init): as a daemon busybox acpid ignores the button.
acpid -f -c /etc/acpid -l /dev/console &
while true; do sleep 3600; done
`;

const powerButtonScript = '#!/bin/sh\nsync\npoweroff -f\n';

/** The cached guest for the current inputs, built first when missing. */
export async function ensureGuestImage(progress: (message: string) => void = () => undefined): Promise<GuestImage> {
  const deb = await kernelDeb(progress);
  const key = createHash('sha256').update(basename(deb)).update(readFileSync(busyboxPath)).update(initScript).update(powerButtonScript)
    .digest('hex').slice(0, 16);
  const dir = join(hypervisorCacheDir, `guest-${key}`);
  const image = { kernel: join(dir, 'vmlinuz'), initramfs: join(dir, 'initramfs.gz') };
  if (existsSync(image.kernel) && existsSync(image.initramfs)) return image;
  progress(`building the guest from ${basename(deb)} into ${dir}`);
  mkdirSync(hypervisorCacheDir, { recursive: true });
  const work = mkdtempSync(join(hypervisorCacheDir, '.build-'));
  try {
    await buildGuest(deb, work);
    try {
      renameSync(join(work, 'out'), dir);
    } catch {
      // Another lab built the same guest meanwhile.
      if (!existsSync(image.initramfs)) throw new Error(`cannot store the guest in ${dir}`);
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  return image;
}

async function buildGuest(deb: string, work: string): Promise<void> {
  const extracted = join(work, 'deb');
  await runChecked(['dpkg-deb', '-x', deb, extracted], { timeoutMs: 120_000 });
  const kernelName = readdirSync(join(extracted, 'boot')).find((f) => f.startsWith('vmlinuz-'));
  if (kernelName === undefined) throw new Error(`${deb} holds no /boot/vmlinuz-*`);
  const release = kernelName.slice('vmlinuz-'.length);
  const root = join(work, 'root');
  for (const dir of ['bin', 'proc', 'sys', 'dev', 'lib/modules', 'etc/acpid/PWRF']) mkdirSync(join(root, dir), { recursive: true });
  copyFileSync(busyboxPath, join(root, 'bin', 'busybox'));
  chmodSync(join(root, 'bin', 'busybox'), 0o755);
  const modules = moduleFiles(join(extracted, 'lib', 'modules', release));
  for (const module of guestModules) {
    const file = modules.get(module);
    if (file === undefined) throw new Error(`kernel ${release} has no module ${module}.ko`);
    copyFileSync(file, join(root, 'lib', 'modules', `${module}.ko`));
  }
  writeFileSync(join(root, 'init'), initScript, { mode: 0o755 });
  writeFileSync(join(root, 'etc', 'acpid', 'PWRF', '00000080'), powerButtonScript, { mode: 0o755 });
  const out = join(work, 'out');
  mkdirSync(out);
  copyFileSync(join(extracted, 'boot', kernelName), join(out, 'vmlinuz'));
  await runChecked(['sh', '-c', 'cd "$1" && find . | cpio -o -H newc --quiet | gzip -9 > "$2"', 'sh', root, join(out, 'initramfs.gz')], { timeoutMs: 60_000 });
}

/** Module name → .ko file, for every module of the kernel tree. */
function moduleFiles(dir: string): Map<string, string> {
  const found = new Map<string, string>();
  const walk = (d: string): void => {
    for (const entry of readdirSync(d, { withFileTypes: true })) {
      if (entry.isDirectory()) walk(join(d, entry.name));
      else if (entry.name.endsWith('.ko')) found.set(entry.name.slice(0, -3).replaceAll('-', '_'), join(d, entry.name));
    }
  };
  walk(dir);
  return found;
}

/** A Debian kernel image package: one kept by us or apt, else downloaded with `apt-get download`. */
async function kernelDeb(progress: (message: string) => void): Promise<string> {
  for (const dir of [debCache, aptArchives]) {
    const found = existsSync(dir) ? readdirSync(dir).filter((f) => kernelDebPattern.test(f)).sort().at(-1) : undefined;
    if (found !== undefined) return join(dir, found);
  }
  const depends = await runChecked(['apt-cache', 'depends', '--no-recommends', '--no-suggests', kernelMetapackage]);
  const image = /Depends: (linux-image-\S+-amd64)\b/.exec(depends)?.[1];
  if (image === undefined) throw new Error(`apt-cache knows no kernel image for ${kernelMetapackage}: run apt-get update`);
  progress(`downloading ${image} for the guest`);
  mkdirSync(debCache, { recursive: true });
  await runChecked(['sh', '-c', 'cd "$1" && apt-get download -q "$2"', 'sh', debCache, image], { timeoutMs: 300_000 });
  const downloaded = readdirSync(debCache).find((f) => f.startsWith(`${image}_`) && f.endsWith('.deb'));
  if (downloaded === undefined) throw new Error(`apt-get download ${image} left no .deb in ${debCache}`);
  return join(debCache, downloaded);
}
