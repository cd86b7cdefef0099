# Sourced by bootstrap.sh (and by its test): the bootstrap stops the system corosync so the lab can
# run its own, which on a live cluster node would take the node out of its cluster.
#
# A host is a configured cluster node when both hold:
#  - its corosync.conf has a nodelist naming an address that is not loopback (Debian's stock
#    corosync.conf lists one node on 127.0.0.1: a fresh install is no cluster), and
#  - a corosync answers on this host (its IPC is per network namespace) with at least one joined
#    member in its runtime membership.
# QUORATE_BOOTSTRAP_STOP_COROSYNC=1 stops it anyway.

# Exit 0 when corosync.conf ($1, default /etc/corosync/corosync.conf) has a non-loopback node address.
corosync_conf_has_cluster_nodelist() {
  local conf=${1:-/etc/corosync/corosync.conf}
  [ -r "$conf" ] || return 1
  # The nodelist section's addresses (ringN_addr), comments stripped; nodelists do not nest braces
  # deeper than node { }.
  sed -e 's/#.*//' "$conf" | awk '
    /^[[:space:]]*nodelist[[:space:]]*\{/ { inlist = 1; depth = 0 }
    inlist {
      if ($0 ~ /ring[0-9]+_addr[[:space:]]*:/) { sub(/.*:[[:space:]]*/, ""); sub(/[[:space:]]*$/, ""); print }
      depth += gsub(/\{/, "{"); depth -= gsub(/\}/, "}")
      if (depth <= 0) inlist = 0
    }' | grep -qvE '^(127\.|::1$|localhost$)'
}

# Prints the number of joined members of the corosync answering here; exit 1 when none answers.
corosync_joined_members() {
  command -v corosync-cmapctl >/dev/null 2>&1 || return 1
  local members
  members=$(corosync-cmapctl -b runtime.members 2>/dev/null) || return 1
  printf '%s\n' "$members" | grep -cE '^runtime\.members\.[0-9]+\.status \(str\) = joined$' || true
}

# Exit 0 when this host is a configured cluster node (see above); prints the members it counted.
corosync_in_configured_cluster() {
  local conf=${1:-/etc/corosync/corosync.conf} members
  corosync_conf_has_cluster_nodelist "$conf" || return 1
  members=$(corosync_joined_members) || return 1
  [ "${members:-0}" -ge 1 ] || return 1
  echo "$members"
}

# Exit 1 with a message on stderr when the bootstrap must not stop this host's corosync.
refuse_to_stop_cluster_corosync() {
  local conf=${1:-/etc/corosync/corosync.conf} members
  members=$(corosync_in_configured_cluster "$conf") || return 0
  if [ "${QUORATE_BOOTSTRAP_STOP_COROSYNC:-}" = 1 ]; then
    echo "bootstrap: QUORATE_BOOTSTRAP_STOP_COROSYNC=1: stopping corosync of a configured cluster ($members joined members)" >&2
    return 0
  fi
  cat >&2 <<EOF
bootstrap: refusing to run: this host is a node of a configured corosync cluster
  ($conf has a nodelist and the running corosync has $members joined members).
  The development bootstrap disables and stops corosync, corosync-qdevice and corosync-qnetd,
  which would take this node out of its cluster. Install quorate on cluster nodes from its
  Debian package (docs/install.md); to stop corosync here anyway, run it again with
  QUORATE_BOOTSTRAP_STOP_COROSYNC=1.
EOF
  return 1
}
