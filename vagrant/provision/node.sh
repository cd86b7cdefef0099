#!/bin/bash
# A cluster node: softdog as its watchdog, corosync with the quorum device on the arbiter, and
# quorate built from the synced repository (scripts/bootstrap.sh installs the Debian packages).
set -euo pipefail
name="$1"
export DEBIAN_FRONTEND=noninteractive

cd /quorate
bash scripts/bootstrap.sh

install -d -m 0755 /etc/corosync
install -m 0400 vagrant/.generated/authkey /etc/corosync/authkey
install -m 0644 vagrant/files/corosync.conf /etc/corosync/corosync.conf
node dist/src/cli/main.js diag config --file /etc/corosync/corosync.conf

# The HA stack (quorate command, units, softdog at boot), then softdog now for the multiplexer.
bash vagrant/provision/install-quorate.sh /quorate
modprobe softdog
test -c /dev/watchdog
printf '{\n  "node": "%s",\n  "qdevice": { "mode": "integrated" }\n}\n' "$name" > /etc/quorate/quorate.json
systemctl daemon-reload
systemctl restart corosync
systemctl restart quorate-watchdog-mux quorate-daemon
echo "provisioned $name: $(corosync-quorumtool -s | grep -E '^Quorate|Total votes' | tr '\n' ' ')"
# The demo HA service, added once both daemons run (node2 is provisioned last).
if [ "$name" = node2 ]; then
  for _ in $(seq 60); do quorate status --json | grep -q '"quorate": *true' && break; sleep 2; done
  quorate resource list --json | grep -q 'lab:web' \
    || quorate resource add lab:web --node node1 --param address=192.168.56.100/24 --param port=8080
fi
