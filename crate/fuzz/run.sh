#!/usr/bin/env bash
# Runs every fuzz target for SECONDS (default 60) and reports executions and crashes.
set -euo pipefail
cd "$(dirname "$0")"
SECONDS_PER_TARGET=${1:-60}
command -v cargo-fuzz >/dev/null || cargo install cargo-fuzz
status=0
for target in $(cargo +nightly fuzz list); do
  mkdir -p "corpus/$target"
  log=$(mktemp)
  if cargo +nightly fuzz run "$target" "corpus/$target" -- -max_total_time="$SECONDS_PER_TARGET" -print_final_stats=1 >"$log" 2>&1; then
    result=ok
  else
    result=CRASH; status=1
  fi
  execs=$(grep -oE 'stat::number_of_executed_units: *[0-9]+' "$log" | grep -oE '[0-9]+$' || echo '?')
  echo "fuzz $target: $result, $execs executions in ${SECONDS_PER_TARGET}s"
  [[ $result == ok ]] || tail -n 30 "$log"
  rm -f "$log"
done
exit $status
