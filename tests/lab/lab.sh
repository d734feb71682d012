#!/usr/bin/env bash
# The lab: a disposable Debian host (a systemd container, as the tests use) that goes through
# the PeerTube lifecycle with the collection's playbooks.
# Usage: tests/lab/lab.sh up|down|status
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
name=fedops-peertube-lab
image=fedops/debian-systemd:bookworm
eval "$("$top/tests/harness-env.sh")"

create_host() {
  if [ "$(docker inspect -f '{{.State.Running}}' "$name" 2>/dev/null)" = true ]; then
    echo "lab: host $name is already running"
    return
  fi
  docker rm -f "$name" >/dev/null 2>&1 || true
  docker run -d --name "$name" --hostname peertube-lab \
    --cap-add SYS_ADMIN --cap-add NET_ADMIN --security-opt seccomp=unconfined \
    --cgroupns "$MOLECULE_CGROUPNS_MODE" --tmpfs /run --tmpfs /run/lock --tmpfs /tmp:exec \
    -v /sys/fs/cgroup:/sys/fs/cgroup:rw -v "$top/.cache/apt-archives:/var/cache/apt/archives:rw" \
    --stop-signal SIGRTMIN+3 "$image" /lib/systemd/systemd >/dev/null
  docker exec "$name" systemctl is-system-running --wait >/dev/null || true
  echo "lab: host $name is up ($(docker exec "$name" systemctl is-system-running))"
}

case "${1:-}" in
  up)
    create_host
    if [ -f "$top/tests/lab/site.yml" ]; then
      ansible-playbook -i "$name," -c community.docker.docker "$top/tests/lab/site.yml"
    else
      cat <<MSG
lab: the lifecycle playbooks are not written yet. On this host the lab will:
  install the stand-in PeerTube 3.4.0 with a few VODs, run a live check, upgrade to 4.0.0 with
  the HLS migration, verify, roll back, switch to docker, verify again, and print a report.
Reach the host with: docker exec -it $name bash
MSG
    fi
    ;;
  down)
    docker rm -f "$name" >/dev/null 2>&1 && echo "lab: removed $name" || echo "lab: no lab host"
    ;;
  status)
    docker ps -a --filter "name=^${name}$"
    ;;
  *)
    echo "usage: $0 up|down|status" >&2
    exit 2
    ;;
esac
