#!/usr/bin/env bash
# The incident replayed end to end (molecule/incident), timed. Prints name: value lines; the
# headline last: incident_total_s, from the host fault appearing (inside the upgrade) to lives
# working again in docker, unattended (the original took about 82 hours by hand).
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top"
log=$(mktemp /tmp/bench-incident.XXXXXX.log)
start=$(date +%s)
if ! molecule test -s incident >"$log" 2>&1; then
  tail -60 "$log"
  echo "incident scenario FAILED (full log: $log)" >&2
  exit 1
fi
end=$(date +%s)
total=$(grep -o 'incident_total_s: [0-9.]*' "$log" | tail -1 | awk '{print $2}')
[ -n "$total" ] || { echo "no incident_total_s in $log" >&2; exit 1; }
echo "scenario_wall_s: $((end - start))"
echo "incident_original_by_hand_s: $((82 * 3600))"
echo "incident_total_s: $total"
