#!/usr/bin/env bash
# Builds the qemu guest of the kernel watchdog test from Debian packages, never from committed
# images: a Debian kernel (apt-get download + dpkg-deb -x), a busybox initramfs with Node.js and
# its shared libraries, watchdog.ko and two drivers (softdog.ko, i6300esb.ko for qemu's emulated
# Intel 6300ESB); then a second small archive with /init, the built addon and our compiled code.
# The kernel and the base archive are cached in .cache/watchdog-guest (gitignored, rebuilt when
# base_version changes); the code archive is rebuilt every time. The kernel command line's
# quorate.wdt=DRIVER picks the driver /init loads (default softdog).
#
# Usage: scripts/build-watchdog-guest.sh GUEST_ENTRY_JS
# Prints the cache directory on success. Exit 3 with a reason when something is unavailable.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
entry=${1:?usage: build-watchdog-guest.sh GUEST_ENTRY_JS}
cache=$root/.cache/watchdog-guest
mkdir -p "$cache"
unavailable() { echo "build-watchdog-guest: $*" >&2; exit 3; }

# Tools: qemu, a static busybox, cpio. Installed only for this test, as root.
need=()
command -v qemu-system-x86_64 >/dev/null || need+=(qemu-system-x86)
dpkg-query -W -f='${Status}' busybox-static 2>/dev/null | grep -q "ok installed" || need+=(busybox-static)
command -v cpio >/dev/null || need+=(cpio)
if [ ${#need[@]} -gt 0 ]; then
  [ "$(id -u)" -eq 0 ] || unavailable "missing ${need[*]} and not root to install them"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${need[@]}" >"$cache/apt.log" 2>&1 \
    || unavailable "cannot install ${need[*]} (see $cache/apt.log)"
fi

# The kernel the linux-image-amd64 metapackage points at, extracted once per base_version.
base_version=2
if [ ! -f "$cache/vmlinux" ] || [ ! -f "$cache/base.cpio" ] || [ "$(cat "$cache/base-version" 2>/dev/null)" != "$base_version" ]; then
  pkg=$(apt-cache depends linux-image-amd64 2>/dev/null | awk '/Depends: linux-image-[0-9]/ {print $2; exit}')
  [ -n "$pkg" ] || unavailable "apt knows no linux-image-amd64 (apt-get update?)"
  work=$(mktemp -d "$cache/build.XXXXXX")
  trap 'rm -rf "$work"' EXIT
  (cd "$work" && apt-get download "$pkg" >/dev/null 2>&1) || unavailable "apt-get download $pkg failed"
  dpkg-deb -x "$work"/*.deb "$work/pkg"
  kver=$(ls "$work/pkg/lib/modules")
  python3 scripts/extract-vmlinux.py "$work/pkg/boot/vmlinuz-$kver" "$work/vmlinux"

  base=$work/base
  mkdir -p "$base"/{bin,dev,proc,sys,tmp,run,lib/modules,usr/bin}
  cp /bin/busybox "$base/bin/busybox"
  for tool in sh mount insmod sleep cat echo poweroff ls mkdir; do ln -s busybox "$base/bin/$tool"; done
  cp "$work/pkg/lib/modules/$kver/kernel/drivers/watchdog/watchdog.ko" \
     "$work/pkg/lib/modules/$kver/kernel/drivers/watchdog/softdog.ko" \
     "$work/pkg/lib/modules/$kver/kernel/drivers/watchdog/i6300esb.ko" "$base/lib/modules/"
  node=$(readlink -f "$(command -v node)")
  cp "$node" "$base/usr/bin/node"
  # Node's shared libraries, at the paths the dynamic loader looks them up.
  for lib in $(ldd "$node" | grep -o '/[^ ]*'); do
    mkdir -p "$base$(dirname "$lib")"
    cp -L "$lib" "$base$lib"
  done
  (cd "$base" && find . | cpio -o -H newc --quiet >"$work/base.cpio")
  mv "$work/vmlinux" "$cache/vmlinux"
  mv "$work/base.cpio" "$cache/base.cpio"
  echo "$kver" >"$cache/kernel-version"
  echo "$base_version" >"$cache/base-version"
fi

# Our code: the compiled sources, the addon, and the guest entry as /app/guest-entry.js.
addon=$root/build/Release/quorate_native.node
[ -f "$addon" ] || unavailable "the native addon is not built ($addon)"
app=$(mktemp -d "$cache/app.XXXXXX")
mkdir -p "$app/app/build/Release"
cp -r "$root/dist" "$app/app/dist"
cp "$root/package.json" "$app/app/"
cp "$addon" "$app/app/build/Release/"
# The addon links corosync's libraries: they must load even though the guest only uses ioctls.
for lib in $(ldd "$addon" | grep -o '/[^ ]*'); do
  mkdir -p "$app$(dirname "$lib")"
  cp -L "$lib" "$app$lib"
done
printf "require('./%s');\n" "${entry#./}" >"$app/app/guest-entry.js"
cat >"$app/init" <<'INIT'
#!/bin/sh
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
wdt=softdog
for arg in $(cat /proc/cmdline); do
  case $arg in quorate.wdt=*) wdt=${arg#quorate.wdt=} ;; esac
done
# The watchdog core is a module: it must be loaded before the driver.
insmod /lib/modules/watchdog.ko
insmod "/lib/modules/$wdt.ko"
echo "GUEST up ($wdt)"
cd /app && /usr/bin/node guest-entry.js
echo "GUEST entry exited $?"
poweroff -f
INIT
chmod +x "$app/init"
(cd "$app" && find . | cpio -o -H newc --quiet >"$cache/app.cpio")
rm -rf "$app"
cat "$cache/base.cpio" "$cache/app.cpio" >"$cache/initramfs.cpio"
echo "$cache"
