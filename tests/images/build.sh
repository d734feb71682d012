#!/usr/bin/env bash
# Builds the systemd test images locally with debootstrap: no registry is reachable here.
# Usage: tests/images/build.sh [bookworm|trixie ...]   (default: bookworm)
# An image is rebuilt only when its recipe (this script) changed: it carries the recipe's hash
# in the label org.fedops.recipe.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
repository=fedops/debian-systemd
mirror=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
recipe_hash=$(sha256sum "$here/build.sh" | cut -c1-16)
suites=("$@")
[ ${#suites[@]} -gt 0 ] || suites=(bookworm)

ensure_debootstrap() {
  command -v debootstrap >/dev/null && return
  echo "images: installing debootstrap"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap >/dev/null
}

build_suite() {
  local suite=$1 tag="$repository:$1" current rootfs
  current=$(docker image inspect -f '{{ index .Config.Labels "org.fedops.recipe" }}' "$tag" 2>/dev/null || true)
  if [ "$current" = "$recipe_hash" ]; then
    echo "images: $tag is up to date ($recipe_hash)"
    return
  fi
  ensure_debootstrap
  rootfs=$(mktemp -d /tmp/fedops-rootfs.XXXXXX)
  trap 'rm -rf "$rootfs"' RETURN
  echo "images: debootstrap $suite into $rootfs"
  debootstrap --variant=minbase \
    --include=python3,python3-apt,systemd,systemd-sysv,dbus,iproute2,ca-certificates,sudo,acl,procps,curl,gnupg \
    "$suite" "$rootfs" "$mirror" >/tmp/debootstrap-"$suite".log 2>&1 \
    || { tail -20 /tmp/debootstrap-"$suite".log; exit 1; }
  # Trust the build host's CA bundle so HTTPS to npm and PyPI works from inside the containers.
  cp /etc/ssl/certs/ca-certificates.crt "$rootfs/usr/local/share/ca-certificates/build-host-bundle.crt" 2>/dev/null || true
  chroot "$rootfs" update-ca-certificates >/dev/null 2>&1 || true
  cp /etc/ssl/certs/ca-certificates.crt "$rootfs/etc/ssl/certs/ca-certificates.crt"
  # Keep downloaded packages so a bind-mounted /var/cache/apt/archives works as a shared cache.
  rm -f "$rootfs/etc/apt/apt.conf.d/docker-clean"
  echo 'Binary::apt::APT::Keep-Downloaded-Packages "true";' > "$rootfs/etc/apt/apt.conf.d/10keep-archives"
  # Services that make no sense in a container and slow its boot.
  for unit in systemd-resolved.service systemd-timesyncd.service getty@tty1.service \
              systemd-logind.service apt-daily.timer apt-daily-upgrade.timer; do
    ln -sf /dev/null "$rootfs/etc/systemd/system/$unit"
  done
  : > "$rootfs/etc/machine-id"
  rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/*
  tar -C "$rootfs" -c . | docker import \
    -c 'CMD ["/lib/systemd/systemd"]' \
    -c 'ENV container=docker' \
    -c "LABEL org.fedops.recipe=$recipe_hash" \
    - "$tag" >/dev/null
  echo "images: built $tag ($recipe_hash)"
}

for suite in "${suites[@]}"; do
  build_suite "$suite"
done
