#!/usr/bin/env bash
# Runs one stage of `make test` and prints how long it took, so slow parts stay visible.
# The output is kept in .cache/stage-logs/NAME.log; when the stage fails, the failing tasks and
# assertions are printed again at the end, where a CI log's tail shows them.
# Usage: tests/stage.sh NAME COMMAND...
set -uo pipefail
name=$1; shift
mkdir -p .cache/stage-logs
log=.cache/stage-logs/$name.log
start=$(date +%s)
echo "=== stage $name: start"
"$@" 2>&1 | tee "$log"
rc=${PIPESTATUS[0]}
duration=$(( $(date +%s) - start ))
status=ok; [ $rc -eq 0 ] || status="FAILED (exit $rc)"
if [ $rc -ne 0 ]; then
  echo "=== stage $name: what failed (whole output: $log)"
  grep -E -A14 '^fatal: |FAILED! =>|^failed: |AssertionError|^E   |^FAILED ' "$log" | cut -c1-400 | tail -80
fi
echo "=== stage $name: $status in ${duration}s"
echo "$name ${duration}s $status" >> .cache/stage-times.txt
exit $rc
