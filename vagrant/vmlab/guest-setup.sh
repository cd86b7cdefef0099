#!/bin/sh
# Runs at every boot of a VM lab guest, before corosync: takes the guest's name, role and address
# from the kernel command line (quorate.name=, quorate.role=node|arbiter, quorate.addr=CIDR) and
# its cluster files from the code disk the host made for this lab (/opt/quorate/vmlab).
set -eu
arg() { tr ' ' '\n' </proc/cmdline | sed -n "s/^quorate\.$1=//p"; }
name=$(arg name); role=$(arg role); addr=$(arg addr)
[ -n "$name" ] && [ -n "$role" ] && [ -n "$addr" ] || { echo "quorate-vmlab-guest: quorate.name/role/addr missing from the kernel command line" >&2; exit 1; }
hostname "$name"
echo "$name" >/etc/hostname
ip link set lo up
# virtio-net's module is loaded by udev: wait for the interface rather than race it.
for _ in $(seq 100); do [ -e /sys/class/net/eth0 ] && break; sleep 0.1; done
ip link set eth0 up
ip addr replace "$addr" dev eth0
files=/opt/quorate/vmlab
cp "$files/hosts" /etc/hosts
if [ "$role" = node ]; then
  install -d -m 0755 /etc/corosync
  install -m 0400 "$files/authkey" /etc/corosync/authkey
  install -m 0644 "$files/corosync.conf" /etc/corosync/corosync.conf
  install -m 0600 "$files/quorate-$name.json" /etc/quorate/quorate.json
  install -m 0644 "$files/watchdog-mux.env" /etc/default/quorate-watchdog-mux
fi
echo "quorate-vmlab-guest: $name ($role) at $addr"
