#!/bin/sh
# Runs on the Vagrant host before `vagrant up`: one corosync authkey for the whole cluster.
set -eu
dir="$(dirname "$0")/../.generated"
mkdir -p "$dir"
if [ ! -s "$dir/authkey" ]; then
  umask 077
  head -c 256 /dev/urandom > "$dir/authkey"
fi
