# Sourced by bootstrap.sh: how a bootstrap step shows itself. Each step's output (apt's and
# debconf's chatter, npm's, node-gyp's) goes to a log that is printed only when the step fails;
# what shows is the step's name as it starts and its duration when it ends.

bootstrap_steps_run=0

bootstrap_now_ms() { echo $(( $(date +%s%N) / 1000000 )); }

bootstrap_seconds() { # MS -> "12.3 s"
  printf '%d.%d s' $(( $1 / 1000 )) $(( ($1 % 1000) / 100 ))
}

# step LABEL CMD...: runs CMD, printing "bootstrap: LABEL …" first and "bootstrap: LABEL done in N s"
# after; on failure its output and "bootstrap: LABEL failed after N s", then exits with its status.
step() {
  local label=$1; shift
  echo "bootstrap: ${label} …"
  bootstrap_run "$label" "$@"
  echo "bootstrap: ${label} done in $(bootstrap_seconds "$bootstrap_last_ms")"
}

# last_step LABEL CMD...: a step, but when no step ran before it (everything was in place) it
# prints one line only, once it is done.
last_step() {
  if [ "$bootstrap_steps_run" -gt 0 ]; then step "$@"; return; fi
  local label=$1; shift
  bootstrap_run "$label" "$@"
  echo "bootstrap: everything in place (${label} $(bootstrap_seconds "$bootstrap_last_ms"))"
}

bootstrap_run() {
  local label=$1; shift
  local log start status=0
  log=$(mktemp "${TMPDIR:-/tmp}/quorate-bootstrap.XXXXXX")
  start=$(bootstrap_now_ms)
  "$@" >"$log" 2>&1 || status=$?
  bootstrap_last_ms=$(( $(bootstrap_now_ms) - start ))
  bootstrap_steps_run=$(( bootstrap_steps_run + 1 ))
  if [ "$status" -ne 0 ]; then
    cat "$log" >&2
    rm -f "$log"
    echo "bootstrap: ${label} failed after $(bootstrap_seconds "$bootstrap_last_ms") (exit ${status})" >&2
    exit "$status"
  fi
  rm -f "$log"
}
