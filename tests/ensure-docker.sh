#!/usr/bin/env bash
# Makes sure a docker engine answers: installs Debian's docker.io when absent and starts dockerd
# when no daemon runs (PID 1 is not systemd on the CI machines, so nobody else starts it).
set -euo pipefail
log=${DOCKERD_LOG:-/var/log/fedops-dockerd.log}

if docker info >/dev/null 2>&1; then
  exit 0
fi
if ! command -v dockerd >/dev/null 2>&1; then
  echo "docker: installing docker.io"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq docker.io >/dev/null
fi
if ! docker info >/dev/null 2>&1; then
  if command -v systemctl >/dev/null 2>&1 && [ "$(ps -o comm= -p 1)" = systemd ]; then
    systemctl start docker
  else
    # A daemon killed with the previous session leaves pid files that make dockerd refuse to start.
    for pidfile in /var/run/docker.pid /var/run/docker/containerd/containerd.pid; do
      if [ -f "$pidfile" ] && ! kill -0 "$(cat "$pidfile" 2>/dev/null)" 2>/dev/null; then
        rm -f "$pidfile"
      fi
    done
    echo "docker: starting dockerd (log: $log)"
    nohup dockerd >"$log" 2>&1 &
  fi
fi
for _ in $(seq 1 60); do
  docker info >/dev/null 2>&1 && { echo "docker: engine $(docker version -f '{{.Server.Version}}') ready"; exit 0; }
  sleep 1
done
echo "docker: the engine did not answer within 60 s; see $log" >&2
tail -20 "$log" >&2 || true
exit 1
