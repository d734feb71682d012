#!/usr/bin/env bash
# The lab: a disposable Debian host (a systemd container, as the tests use) that goes through
# the PeerTube lifecycle with the collection's playbooks.
# Usage: tests/lab/lab.sh up|down|status
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
name=fedops-peertube-lab
image=fedops/debian-systemd:bookworm
# docker inside the lab (the docker_switch step) keeps its data in a volume: overlay2 works there.
volume=fedops-peertube-lab-docker
steps="$top/.cache/lab/steps.tsv"
eval "$("$top/tests/harness-env.sh")"

# Always a fresh host: the lab replays the whole lifecycle from nothing.
create_host() {
  docker rm -f "$name" >/dev/null 2>&1 || true
  docker volume rm "$volume" >/dev/null 2>&1 || true
  docker run -d --name "$name" --hostname peertube-lab \
    --cap-add SYS_ADMIN --cap-add NET_ADMIN --security-opt seccomp=unconfined \
    --cgroupns "$MOLECULE_CGROUPNS_MODE" --tmpfs /run --tmpfs /run/lock --tmpfs /tmp:exec \
    -v /sys/fs/cgroup:/sys/fs/cgroup:rw -v "$top/.cache/apt-archives:/var/cache/apt/archives:rw" \
    -v "$volume:/var/lib/docker" \
    --stop-signal SIGRTMIN+3 "$image" /lib/systemd/systemd >/dev/null
  docker exec "$name" systemctl is-system-running --wait >/dev/null || true
  echo "lab: host $name is up ($(docker exec "$name" systemctl is-system-running))"
}

# The readable report: one line per step with its duration, the failed step named, the host's
# state at the end and the way to run the same playbooks on a real host.
report() {
  echo
  echo "===================== fedops.peertube lab report ====================="
  python3 - "$steps" "$1" <<'PY'
import sys
rows = [l.rstrip("\n").split("\t", 1) for l in open(sys.argv[1]) if "\t" in l]
rc = int(sys.argv[2])
total = 0.0
for i, (t, step) in enumerate(rows):
    if step == "done":
        break
    if i + 1 < len(rows):
        d = float(rows[i + 1][0]) - float(t)
        total += d
        print(f"  ok      {d:7.1f} s  {step}")
    else:
        print(f"  FAILED           {step}")
print(f"  total   {total:7.1f} s  ({'every step passed' if rc == 0 else 'stopped at the failed step, see .cache/lab/ansible.log'})")
PY
  echo "--- host state (/etc/ansible/facts.d/peertube.fact on $name)"
  docker exec -i "$name" python3 - <<'PY' 2>/dev/null || echo "  (no state file)"
import json
s = json.load(open("/etc/ansible/facts.d/peertube.fact"))
for k in ("version", "previous_version", "runtime", "image", "service_unit", "client_dist_dir"):
    print(f"  {k}: {s.get(k)}")
print(f"  backups: {len(s.get('backups', []))}, migrations_done: {[m['id'] for m in s.get('migrations_done', [])]}")
PY
  cat <<MSG
--- the per-host summaries of every playbook are in .cache/lab/ansible.log ("Print the summary").
Reach the lab host: docker exec -it $name bash      Remove it: make lab-down
On a real host: copy inventories/example/ (hosts.yml, group_vars/peertube/), set your values and
vault the secrets, then run the same playbooks:
  ansible-playbook -i inventory fedops.peertube.install   (or site, upgrade, rollback, verify,
  hls_migration, docker_switch); add --check --diff first to see what would change.
MSG
}

case "${1:-}" in
  up)
    create_host
    mkdir -p "$(dirname "$steps")"
    : >"$steps"
    export FEDOPS_LAB_STEPS="$steps"
    rc=0
    ansible-playbook -i "$top/tests/lab/inventory.yml" "$top/tests/lab/site.yml" \
      2>&1 | tee "$top/.cache/lab/ansible.log" || rc=$?
    report "$rc"
    exit "$rc"
    ;;
  down)
    docker rm -f "$name" >/dev/null 2>&1 && echo "lab: removed $name" || echo "lab: no lab host"
    docker volume rm "$volume" >/dev/null 2>&1 || true
    ;;
  status)
    docker ps -a --filter "name=^${name}$"
    ;;
  *)
    echo "usage: $0 up|down|status" >&2
    exit 2
    ;;
esac
