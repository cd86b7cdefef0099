#!/usr/bin/env bash
# The whole suite: lint, unit tests, then the tests on real corosync in network namespaces.
set -uo pipefail
cd "$(dirname "$0")/.."
start_ms=$(( $(date +%s%N) / 1000000 ))
npx --no-install eslint . || { echo "lint failed"; exit 1; }
npx --no-install mocha --reporter dist/test/support/summary-reporter.js \
  --timeout 120000 --exit "dist/test/**/*.test.js" "$@"
rc=$?
elapsed_ms=$(( $(date +%s%N) / 1000000 - start_ms ))
printf 'suite duration: %d.%03d s\n' $((elapsed_ms / 1000)) $((elapsed_ms % 1000))
exit $rc
