#!/usr/bin/env bash
# Runs one stage of `make test` and prints how long it took, so slow parts stay visible.
# Usage: tests/stage.sh NAME COMMAND...
set -uo pipefail
name=$1; shift
start=$(date +%s)
echo "=== stage $name: start"
"$@"
rc=$?
duration=$(( $(date +%s) - start ))
status=ok; [ $rc -eq 0 ] || status="FAILED (exit $rc)"
echo "=== stage $name: $status in ${duration}s"
mkdir -p .cache && echo "$name ${duration}s $status" >> .cache/stage-times.txt
exit $rc
