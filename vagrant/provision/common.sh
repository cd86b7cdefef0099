#!/bin/bash
# Every VM: the cluster's host names and Node.js 20 (Debian 12 ships 18; quorate needs >= 20).
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive

cat > /etc/hosts.quorate <<'HOSTS'
192.168.56.11 node1
192.168.56.12 node2
192.168.56.13 arbiter
HOSTS
grep -q 'node1$' /etc/hosts || cat /etc/hosts.quorate >> /etc/hosts

apt-get update -q
apt-get install -y -q --no-install-recommends ca-certificates curl xz-utils

node_version=v20.18.1
if ! node --version 2>/dev/null | grep -q '^v2[0-9]'; then
  cd /tmp
  tarball="node-${node_version}-linux-x64.tar.xz"
  curl -fsSLO "https://nodejs.org/dist/${node_version}/${tarball}"
  curl -fsSLO "https://nodejs.org/dist/${node_version}/SHASUMS256.txt"
  grep " ${tarball}\$" SHASUMS256.txt | sha256sum -c -
  tar -xJf "$tarball" -C /usr/local --strip-components=1
fi
node --version
