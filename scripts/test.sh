#!/usr/bin/env bash
# The whole suite: lint, unit tests, then the tests on real corosync in network namespaces.
# The qemu guests' tests (test/vm: the VM lab, the hypervisor lab, a VM under HA; minutes of
# software emulation, mostly waiting on guest boots) run beside the rest as a second mocha
# process; each lab has its own namespaces, so the two groups share nothing. Arguments (test
# files, mocha flags) run just those, in one process.
set -uo pipefail
cd "$(dirname "$0")/.."
start_ms=$(( $(date +%s%N) / 1000000 ))
npx --no-install eslint . || { echo "lint failed"; exit 1; }
mocha_run() { npx --no-install mocha --reporter dist/test/support/summary-reporter.js --timeout 120000 --exit "$@"; }
print_duration() {
  local elapsed_ms=$(( $(date +%s%N) / 1000000 - start_ms ))
  printf 'suite duration: %d.%03d s\n' $((elapsed_ms / 1000)) $((elapsed_ms % 1000))
}

if [ $# -gt 0 ]; then
  mocha_run "$@"; rc=$?
  print_duration
  exit $rc
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/quorate-test.XXXXXX")
QUORATE_TEST_GROUP=vm QUORATE_TEST_COUNTS=$work/vm.counts mocha_run "dist/test/vm/**/*.test.js" >"$work/vm.log" 2>&1 &
vm_pid=$!
trap 'kill -TERM "$vm_pid" 2>/dev/null; wait "$vm_pid" 2>/dev/null; rm -rf "$work"; exit 130' INT TERM
QUORATE_TEST_GROUP=main QUORATE_TEST_COUNTS=$work/main.counts mocha_run "dist/test/**/*.test.js" --ignore "dist/test/vm/**"
main_rc=$?
wait "$vm_pid"; vm_rc=$?
trap - INT TERM
echo; echo "== the qemu guests' tests (test/vm), run beside the others =="
cat "$work/vm.log"
read -r p1 f1 s1 < "$work/main.counts" 2>/dev/null || { p1=0; f1=1; s1=0; }
read -r p2 f2 s2 < "$work/vm.counts" 2>/dev/null || { p2=0; f2=1; s2=0; }
rm -rf "$work"
echo "tests: $((p1 + p2)) passed, $((f1 + f2)) failed, $((s1 + s2)) skipped"
print_duration
[ "$main_rc" -eq 0 ] && [ "$vm_rc" -eq 0 ]
