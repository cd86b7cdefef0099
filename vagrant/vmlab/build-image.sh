#!/usr/bin/env bash
# Builds the VM lab's base image once per input change, from Debian's mirror and this checkout:
# debootstrap (corosync, the quorum device pair, systemd, sshd, Debian's kernel and initramfs),
# Node.js copied from the host, then the Vagrant provisioning's install step (install-quorate.sh)
# run in a chroot with the checkout bind-mounted where the guests mount their code disk.
# Output (printed on success): a cache directory with base.img (raw ext4), vmlinux, initrd.img and
# the lab's ssh key. Exit 3 with a reason when something is unavailable.
# Usage: vagrant/vmlab/build-image.sh [CACHE_ROOT]   (default /var/cache/quorate-vmlab)
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$PWD
cache_root=${1:-/var/cache/quorate-vmlab}
mirror=${QUORATE_VMLAB_MIRROR:-http://deb.debian.org/debian}
unavailable() { echo "vmlab image: $*" >&2; exit 3; }
[ "$(id -u)" -eq 0 ] || unavailable "needs root (debootstrap, chroot, bind mounts)"

packages=systemd-sysv,udev,iproute2,iputils-arping,procps,openssh-server,corosync,corosync-qdevice,corosync-qnetd,linux-image-amd64
node=$(readlink -f "$(command -v node)")
# Everything that ends up in the image names its cache directory.
key=$( { echo "$packages $mirror"; "$node" --version; cat vagrant/vmlab/build-image.sh vagrant/vmlab/guest-setup.sh \
  vagrant/vmlab/*.service vagrant/provision/install-quorate.sh systemd/quorate-daemon.service systemd/quorate-watchdog-mux.service; } \
  | sha256sum | cut -c1-16)
out=$cache_root/$key
if [ -f "$out/base.img" ]; then echo "$out"; exit 0; fi

need=()
command -v debootstrap >/dev/null || need+=(debootstrap)
command -v qemu-system-x86_64 >/dev/null || need+=(qemu-system-x86)
command -v qemu-img >/dev/null || need+=(qemu-utils)
command -v mkfs.ext4 >/dev/null || need+=(e2fsprogs)
command -v ssh-keygen >/dev/null || need+=(openssh-client)
if [ ${#need[@]} -gt 0 ]; then
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${need[@]}" >/dev/null 2>&1 \
    || unavailable "cannot install ${need[*]}"
fi

mkdir -p "$cache_root"
work=$(mktemp -d "$cache_root/build.XXXXXX")
rootfs=$work/rootfs
cleanup() {
  mountpoint -q "$rootfs/opt/quorate" 2>/dev/null && umount "$rootfs/opt/quorate"
  rm -rf "$work"
}
trap cleanup EXIT

echo "vmlab image: debootstrap bookworm (about 2 minutes, once)" >&2
debootstrap --variant=minbase --include="$packages" bookworm "$rootfs" "$mirror" >"$work/debootstrap.log" 2>&1 \
  || { tail -5 "$work/debootstrap.log" >&2; unavailable "debootstrap from $mirror failed"; }

# Node.js as on the host (Debian 12 ships 18; quorate needs 20), with the host's glibc.
install -m 0755 "$node" "$rootfs/usr/local/bin/node"

# The provisioning's install step, with the checkout where the guests mount their code disk.
mkdir -p "$rootfs/opt/quorate"
mount --bind "$root" "$rootfs/opt/quorate"
chroot "$rootfs" /bin/bash /opt/quorate/vagrant/provision/install-quorate.sh /opt/quorate >"$work/install.log" 2>&1 \
  || { cat "$work/install.log" >&2; unavailable "install-quorate.sh failed in the chroot"; }
umount "$rootfs/opt/quorate"

# The guest's identity comes from the kernel command line at every boot (one image, three guests).
install -m 0755 vagrant/vmlab/guest-setup.sh "$rootfs/usr/local/sbin/quorate-vmlab-guest"
install -m 0644 vagrant/vmlab/quorate-vmlab-guest.service "$rootfs/etc/systemd/system/"
for unit in corosync quorate-watchdog-mux quorate-daemon corosync-qnetd; do
  role=node; [ "$unit" = corosync-qnetd ] && role=arbiter
  mkdir -p "$rootfs/etc/systemd/system/$unit.service.d"
  printf '[Unit]\nConditionKernelCommandLine=quorate.role=%s\n' "$role" >"$rootfs/etc/systemd/system/$unit.service.d/vmlab-role.conf"
done
echo 'COROSYNC_QNETD_OPTIONS="-s off"' >"$rootfs/etc/default/corosync-qnetd"
chroot "$rootfs" systemctl enable quorate-vmlab-guest corosync-qnetd >/dev/null 2>&1
# On a busy host udev can take longer than systemd's 90 s for the code disk: waiting for it must
# not fail local-fs.target (emergency mode); the guest's setup unit requires the mount instead.
cat >"$rootfs/etc/fstab" <<'FSTAB'
/dev/vda / ext4 rw,noatime 0 1
/dev/vdb /opt/quorate ext4 ro,noatime,nofail,x-systemd.device-timeout=15min 0 0
FSTAB
chroot "$rootfs" systemctl mask serial-getty@ttyS0.service >/dev/null 2>&1
# Warnings and worse of every unit also go to the serial console, which the host keeps as a file:
# a guest its watchdog reset (qemu ends, the overlay with its journal goes with the lab) still
# tells why in a test's output.
mkdir -p "$rootfs/etc/systemd/journald.conf.d"
printf '[Journal]\nForwardToConsole=yes\nTTYPath=/dev/ttyS0\nMaxLevelConsole=warning\n' >"$rootfs/etc/systemd/journald.conf.d/vmlab-console.conf"
# Root logs in with the lab's key only.
ssh-keygen -q -t ed25519 -N '' -C quorate-vmlab -f "$work/id_ed25519"
install -d -m 0700 "$rootfs/root/.ssh"
install -m 0600 "$work/id_ed25519.pub" "$rootfs/root/.ssh/authorized_keys"

python3 scripts/extract-vmlinux.py "$rootfs"/boot/vmlinuz-* "$work/vmlinux"
cp "$rootfs"/boot/initrd.img-* "$work/initrd.img"
mkfs.ext4 -q -F -L quorate-root -d "$rootfs" "$work/base.img" 2G >&2
mkdir -p "$out"
# Older images (other input hashes) are 0.9 GB each: only the newest stays.
find "$cache_root" -mindepth 1 -maxdepth 1 -type d -regex '.*/[0-9a-f]\{16\}' ! -path "$out" -exec rm -rf {} +
mv "$work/base.img" "$work/vmlinux" "$work/initrd.img" "$work/id_ed25519" "$work/id_ed25519.pub" "$out/"
echo "$out"
