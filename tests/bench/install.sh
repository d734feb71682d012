#!/usr/bin/env bash
# Benchmark of the install role (molecule scenario `install`, both hosts in parallel):
# the first converge from the bare image and the no-op second converge.
# Usage: make bench B=install. Prints `name: value` lines, the headline last. Figures are
# printed, never asserted. Leaves no container behind.
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top"
export ANSIBLE_COLLECTIONS_PATH="$top/.cache/collections" PY_COLORS=0 ANSIBLE_FORCE_COLOR=false
PATH="$top/.venv/bin:$PATH"
eval "$(tests/harness-env.sh)"
log=$(mktemp -d /tmp/fedops-bench-install.XXXXXX)
trap 'molecule destroy -s install >"$log/destroy.log" 2>&1 || true' EXIT

tests/peertube_standin/serve.sh start >/dev/null
molecule destroy -s install >"$log/destroy0.log" 2>&1
# create + prepare (prepare also runs --check on the fresh hosts); not part of the figures.
molecule create -s install >"$log/create.log" 2>&1
molecule prepare -s install >"$log/prepare.log" 2>&1

timed() {  # timed <name> -> seconds, with the changed count of the PLAY RECAP
  local start end
  start=$(date +%s.%N)
  molecule converge -s install >"$log/$1.log" 2>&1 || { echo "install bench: $1 failed, see $log/$1.log" >&2; exit 1; }
  end=$(date +%s.%N)
  python3 -c 'import sys; print(f"{float(sys.argv[2]) - float(sys.argv[1]):.1f}")' "$start" "$end"
}

first=$(timed first_converge)
noop=$(timed noop_converge)
changed=$(grep -aoE 'changed=[0-9]+' "$log/noop_converge.log" | awk -F= '{s+=$2} END {print s+0}')

echo "install_hosts: 2"
echo "install_noop_converge_changed: $changed"
echo "install_noop_converge_seconds: $noop"
echo "install_first_converge_seconds: $first"
