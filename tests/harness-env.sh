#!/usr/bin/env bash
# Prints the environment the molecule harness needs on this host, as `export` lines.
# cgroup v1 hosts (these CI machines) and cgroup v2 hosts (most users' CI) both run systemd
# containers with the host's cgroup tree mounted read-write and the host cgroup namespace.
set -euo pipefail
if [ "$(stat -fc %T /sys/fs/cgroup)" = cgroup2fs ]; then
  echo "export MOLECULE_CGROUP_VERSION=2"
else
  echo "export MOLECULE_CGROUP_VERSION=1"
fi
echo "export MOLECULE_CGROUPNS_MODE=host"
