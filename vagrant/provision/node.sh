#!/bin/bash
# A cluster node: softdog as its watchdog, corosync with the quorum device on the arbiter, and
# quorate built from the synced repository (scripts/bootstrap.sh installs the Debian packages).
set -euo pipefail
name="$1"
export DEBIAN_FRONTEND=noninteractive

# softdog is the node's watchdog: loaded now and at every boot, /dev/watchdog for the multiplexer.
echo softdog > /etc/modules-load.d/softdog.conf
modprobe softdog
test -c /dev/watchdog

cd /quorate
bash scripts/bootstrap.sh

install -d -m 0755 /etc/corosync
install -m 0400 vagrant/.generated/authkey /etc/corosync/authkey
install -m 0644 vagrant/files/corosync.conf /etc/corosync/corosync.conf
node dist/src/cli/main.js diag config --file /etc/corosync/corosync.conf

systemctl enable corosync corosync-qdevice
systemctl restart corosync
systemctl restart corosync-qdevice
echo "provisioned $name: $(corosync-quorumtool -s | grep -E '^Quorate|Total votes' | tr '\n' ' ')"
