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

# The HA stack: the daemon casts the quorum device's vote itself (qdevice.mode integrated), so
# corosync-qdevice stays off; the multiplexer owns /dev/watchdog (softdog).
ln -sf /quorate/dist/src/cli/main.js /usr/local/bin/quorate
chmod +x /quorate/dist/src/cli/main.js
install -d -m 0700 /etc/quorate
printf '{\n  "node": "%s",\n  "qdevice": { "mode": "integrated" }\n}\n' "$name" > /etc/quorate/quorate.json
install -m 0644 systemd/quorate-watchdog-mux.service systemd/quorate-daemon.service /etc/systemd/system/
systemctl daemon-reload
systemctl disable --now corosync-qdevice 2>/dev/null || true
systemctl enable corosync quorate-watchdog-mux quorate-daemon
systemctl restart corosync
systemctl restart quorate-watchdog-mux quorate-daemon
echo "provisioned $name: $(corosync-quorumtool -s | grep -E '^Quorate|Total votes' | tr '\n' ' ')"
# The demo HA service, added once both daemons run (node2 is provisioned last).
if [ "$name" = node2 ]; then
  for _ in $(seq 60); do quorate status --json | grep -q '"quorate": *true' && break; sleep 2; done
  quorate resource list --json | grep -q 'lab:web' \
    || quorate resource add lab:web --node node1 --param address=192.168.56.100/24 --param port=8080
fi
