#!/bin/bash
# Run on the Vagrant host after `vagrant up`: finds the node serving the demo service, powers it
# off (`vagrant halt --force`), and prints the time until the other node answers.
set -euo pipefail
cd "$(dirname "$0")"
url=http://192.168.56.100:8080/
serving() { curl -s --max-time 0.5 "$url" | grep -o 'node[0-9]' || true; }
from=$(serving)
[ -n "$from" ] || { echo "the demo service does not answer on $url" >&2; exit 1; }
echo "lab:web answers from $from; powering $from off"
start=$(date +%s.%N)
vagrant halt --force "$from" >/dev/null &
while :; do
  now=$(serving)
  if [ -n "$now" ] && [ "$now" != "$from" ]; then break; fi
  sleep 0.02
done
end=$(date +%s.%N)
echo "lab:web answers from $now after $(echo "$end - $start" | bc) s"
wait
