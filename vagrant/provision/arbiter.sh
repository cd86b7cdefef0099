#!/bin/bash
# The arbiter: corosync-qnetd, the vote of the quorum device (TLS off until certificates are wired).
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
apt-get install -y -q --no-install-recommends corosync-qnetd
echo 'COROSYNC_QNETD_OPTIONS="-s off"' > /etc/default/corosync-qnetd
systemctl enable corosync-qnetd
systemctl restart corosync-qnetd
corosync-qnetd-tool -s
