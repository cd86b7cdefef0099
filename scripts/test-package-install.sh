#!/usr/bin/env bash
# Installs the packages of dist/deb/ (`npm run package`) with dpkg in a Debian 12 chroot, in
# network and mount namespaces of their own (nothing of this machine is touched), checks what
# install, reinstall and removal do, purges them, and prints the install times. As root.
#
# The chroot (.cache/package-chroot, made on first use with debootstrap, about 3 minutes) has
# corosync and the cluster libraries from Debian, and this machine's node binary as a `nodejs`
# package (Debian 12 ships Node.js 18; operators take 20 from NodeSource).
set -euo pipefail
cd "$(dirname "$0")/.."
root=${1:-$PWD/.cache/package-chroot}
debs=$PWD/dist/deb
ls "$debs"/quorate-common_*_all.deb "$debs"/quorate_*.deb "$debs"/quorate-arbiter_*_all.deb >/dev/null

if [ ! -x "$root/usr/bin/node" ]; then
  command -v debootstrap >/dev/null || { echo "test-package-install: apt-get install debootstrap" >&2; exit 1; }
  rm -rf "$root" && mkdir -p "$(dirname "$root")"
  debootstrap --variant=minbase bookworm "$root" http://deb.debian.org/debian >"$root.debootstrap.log" 2>&1
  printf '#!/bin/sh\nexit 101\n' >"$root/usr/sbin/policy-rc.d"   # corosync's postinst must not start it
  chmod 0755 "$root/usr/sbin/policy-rc.d"
  node_pkg=$(mktemp -d)
  mkdir -p "$node_pkg/DEBIAN" "$node_pkg/usr/bin"
  cp "$(command -v node)" "$node_pkg/usr/bin/node"
  printf 'Package: nodejs\nVersion: %s-0local1\nArchitecture: %s\nMaintainer: quorate tests <dev@quorate.example.org>\nDepends: libc6, libstdc++6, libgcc-s1\nDescription: this machine'"'"'s node binary, for the package install test\n' \
    "$(node -p process.versions.node)" "$(dpkg --print-architecture)" >"$node_pkg/DEBIAN/control"
  dpkg-deb --root-owner-group -b "$node_pkg" "$root/tmp/nodejs-local.deb" >/dev/null
  rm -rf "$node_pkg"
  unshare -m sh -c "mount -t proc proc '$root/proc' && chroot '$root' sh -c 'apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends corosync /tmp/nodejs-local.deb'" \
    >>"$root.debootstrap.log" 2>&1
fi

rm -rf "$root/tmp/debs" && mkdir "$root/tmp/debs" && cp "$debs"/quorate*.deb "$root/tmp/debs/"
cat >"$root/tmp/install-test.sh" <<'EOF'
set -eu
cd /tmp/debs
fail() { echo "FAIL: $*" >&2; exit 1; }
ms() { echo $(( ($(date +%s%N) - $1) / 1000000 )); }
t=$(date +%s%N); out=$(dpkg -i quorate-common_*_all.deb quorate_*.deb 2>&1) || fail "install: $out"
echo "dpkg -i quorate-common quorate: $(ms "$t") ms"
echo "$out" | grep -q 'installed, nothing started' || fail "postinst said nothing: $out"
t=$(date +%s%N); dpkg -i quorate-arbiter_*_all.deb >/dev/null 2>&1 || fail "arbiter install"
echo "dpkg -i quorate-arbiter: $(ms "$t") ms"
[ "$(quorate --version)" = "$(dpkg-query -W -f='${Version}' quorate-common | sed 's/-[^-]*$//')" ] || fail "quorate --version"
node -e "require('/usr/lib/quorate/build/Release/quorate_native.node')" || fail "the addon does not load"
rc=0; quorate status >/dev/null 2>&1 || rc=$?
[ "$rc" -eq 3 ] || fail "quorate status without corosync: exit $rc, 3 expected"
for f in /usr/share/man/man8/quorate.8.gz /usr/share/man/man8/quorate-daemon.8.gz /usr/share/man/man8/quorate-arbiter.8.gz \
  /usr/share/bash-completion/completions/quorate /usr/share/doc/quorate/docs/install.md /lib/systemd/system/quorate-daemon.service \
  /lib/systemd/system/quorate-arbiter.service /etc/quorate/arbiter.json /etc/default/quorate-watchdog-mux; do
  [ -e "$f" ] || fail "$f missing"
done
mkdir -p /run/quorate && touch /run/quorate/watchdog-mux.active
dpkg -r quorate >/dev/null 2>&1 && fail "removed with the watchdog armed"
[ "$(dpkg-query -W -f='${Status}' quorate)" = "deinstall ok installed" ] || fail "quorate not kept installed"
echo "dpkg -r quorate with the watchdog armed: refused"
rm /run/quorate/watchdog-mux.active
dpkg -i quorate_*.deb >/dev/null 2>&1 || fail "reinstall"
dpkg --purge quorate-arbiter quorate quorate-common >/dev/null 2>&1 || fail "purge"
for f in /usr/lib/quorate /etc/quorate /lib/systemd/system/quorate-daemon.service /usr/bin/quorate; do
  [ ! -e "$f" ] || fail "$f left after purge"
done
echo "purged, nothing left"
EOF
unshare -m -n sh -c "mount -t proc proc '$root/proc' && mount -t tmpfs tmpfs '$root/run' && chroot '$root' sh /tmp/install-test.sh"
for deb in "$debs"/quorate*.deb; do
  echo "$(basename "$deb"): $(du -k "$deb" | cut -f1) KiB, installed $(dpkg-deb -f "$deb" Installed-Size) KiB"
done
