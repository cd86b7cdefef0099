#!/bin/bash
# Installs built quorate code as a node's HA stack: the `quorate` command, the systemd units of the
# daemon and the watchdog multiplexer, /etc/quorate. Works in a chroot too (the VM lab's image is
# provisioned this way), so it only enables units and never starts them.
# Usage: install-quorate.sh CODE_DIR   (a checkout with dist/ and build/Release/ built)
set -euo pipefail
code="$1"
test -f "$code/dist/src/cli/main.js" || { echo "install-quorate: $code/dist is not built" >&2; exit 1; }
ln -sf "$code/dist/src/cli/main.js" /usr/local/bin/quorate
chmod +x "$code/dist/src/cli/main.js" 2>/dev/null || true
install -d -m 0700 /etc/quorate
install -m 0644 "$code/systemd/quorate-watchdog-mux.service" "$code/systemd/quorate-daemon.service" /etc/systemd/system/
# softdog is the node's watchdog: loaded at every boot, /dev/watchdog for the multiplexer.
echo softdog > /etc/modules-load.d/softdog.conf
# The daemon casts the quorum device's vote itself (qdevice.mode integrated): corosync-qdevice stays off.
systemctl disable corosync-qdevice >/dev/null 2>&1 || true
systemctl enable corosync quorate-watchdog-mux quorate-daemon
