#!/usr/bin/env bash
# Benchmark of fedops.peertube.live_check against a running instance (the lab by default):
# how long a healthy probe takes, and how fast it reports the incident's muxing failure.
# Usage: make bench B=live_check   (BENCH_HOST=<container> BENCH_RUNS=N BENCH_HOSTNAME=<fqdn>)
# Prints `name: value` lines, the headline last.
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
host=${BENCH_HOST:-fedops-peertube-lab}
runs=${BENCH_RUNS:-3}
hostname=${BENCH_HOSTNAME:-peertube.test}
password=${BENCH_PROBE_PASSWORD:-test-probe-password}
fault=/etc/peertube-standin/fault-live-var-stream-map
export ANSIBLE_COLLECTIONS_PATH="$top/.cache/collections" ANSIBLE_STDOUT_CALLBACK=ansible.builtin.json
export ANSIBLE_LOAD_CALLBACK_PLUGINS=1 ANSIBLE_PYTHON_INTERPRETER=auto_silent
PATH="$top/.venv/bin:$PATH"

if [ "$(docker inspect -f '{{.State.Running}}' "$host" 2>/dev/null)" != true ]; then
  echo "live_check bench: host $host is not running (start it with: make lab)" >&2
  exit 2
fi

probe() {  # prints the module result as JSON (a failed probe is a result too)
  { ansible "$host" -i "$host," -c community.docker.docker -m fedops.peertube.live_check \
    -a "hostname=$hostname ca_file=/etc/ssl/peertube/$hostname.crt username=fedops_probe password=$password timeout=60" \
    2>/dev/null || true; } | python3 -c 'import json,sys; d=json.load(sys.stdin); print(json.dumps(d["plays"][0]["tasks"][0]["hosts"][sys.argv[1]]))' "$host"
}

field() { python3 -c 'import json,sys; d=json.loads(sys.argv[1]); v=d
for k in sys.argv[2].split("."): v=v.get(k) if isinstance(v, dict) else None
print(v)' "$1" "$2"; }

median() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }

published=() segment=() total=()
for _ in $(seq "$runs"); do
  result=$(probe)
  if [ "$(field "$result" ok)" != True ]; then
    echo "live_check bench: healthy probe failed: $(field "$result" category) $(field "$result" msg)" >&2
    exit 1
  fi
  published+=("$(field "$result" timings.to_published_s)")
  segment+=("$(field "$result" timings.to_first_segment_s)")
  total+=("$(field "$result" timings.total_s)")
done

docker exec "$host" sh -c "mkdir -p $(dirname $fault) && touch $fault"
trap 'docker exec "$host" rm -f "$fault"' EXIT
result=$(probe)
docker exec "$host" rm -f "$fault"
category=$(field "$result" category)

echo "live_check_runs: $runs"
echo "live_check_to_published_s_median: $(median "${published[@]}")"
echo "live_check_to_first_segment_s_median: $(median "${segment[@]}")"
echo "live_check_total_s_median: $(median "${total[@]}")"
echo "live_check_fault_category: $category"
echo "live_check_muxing_failure_reported_s: $(field "$result" timings.total_s)"
