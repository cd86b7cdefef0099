#!/usr/bin/env bash
# Installs what `npm run lab` and `npm test` need when it is missing, then builds.
# Idempotent and quick when everything is already in place.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/bootstrap-steps.sh
source scripts/bootstrap-steps.sh

# Never on a live cluster node: the bootstrap stops corosync (see scripts/corosync-guard.sh).
source scripts/corosync-guard.sh
refuse_to_stop_cluster_corosync || exit 1

# Debian packages: real corosync, the quorum device pair, the library headers for the addon,
# the tools the namespace lab uses, and Pacemaker for the side-by-side failover bench.
packages=(
  corosync corosync-qnetd corosync-qdevice
  libcorosync-common-dev libcpg-dev libquorum-dev libvotequorum-dev libcmap-dev libqb-dev
  iproute2 procps psmisc util-linux openssl libnss3-tools
  python3 make g++
  nftables iputils-arping libvirt-clients prometheus
  openipmi ipmitool fence-agents
  pacemaker pacemaker-cli-utils resource-agents
  libvirt-daemon libvirt-daemon-driver-qemu qemu-system-x86 busybox-static cpio
)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "bootstrap: missing Debian packages: ${missing[*]} (run as root to install them)" >&2
    exit 1
  fi
  # No questions, and debconf's "delaying package configuration" notice stays in the step's log.
  export DEBIAN_FRONTEND=noninteractive
  step "apt-get update" apt-get update -q
  step "apt-get install ${missing[*]}" apt-get install -y -q --no-install-recommends "${missing[@]}"
fi
# The Debian corosync (and pacemaker) packages start a system instance on install; the lab runs its own.
if command -v systemctl >/dev/null 2>&1 && [ -d /run/systemd/system ]; then
  systemctl disable --now pacemaker corosync corosync-qdevice corosync-qnetd >/dev/null 2>&1 || true
fi

# npm dependencies: reinstall when node_modules is missing or older than the lock file.
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  step "npm ci" npm ci --no-audit --no-fund
fi

# The native addon: rebuild when any of its sources is newer than the binary.
addon=build/Release/quorate_native.node
if [ -f binding.gyp ]; then
  if [ ! -f "$addon" ] || [ -n "$(find binding.gyp native -newer "$addon" -print -quit)" ]; then
    nodedir_arg=()
    [ -f /usr/include/node/node_api.h ] && nodedir_arg=(--nodedir=/usr)
    step "native addon (node-gyp)" npx --no-install node-gyp rebuild "${nodedir_arg[@]}"
  fi
fi

# TypeScript (incremental, so a no-op build takes about a second).
last_step "TypeScript build (tsc)" npx --no-install tsc -p tsconfig.json
