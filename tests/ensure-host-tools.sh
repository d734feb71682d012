#!/usr/bin/env bash
# Debian packages the tests run on the CI host itself: ffmpeg (the live pusher's unit tests and
# the stand-in's media), zip/unzip and gnupg (release archives and their signatures),
# debootstrap (test images). Installed only when missing, so a prepared machine pays nothing.
set -euo pipefail
missing=()
for pair in ffmpeg:ffmpeg zip:zip unzip:unzip gpg:gnupg curl:curl debootstrap:debootstrap; do
  command -v "${pair%%:*}" >/dev/null 2>&1 || missing+=("${pair#*:}")
done
[ ${#missing[@]} -eq 0 ] && exit 0
echo "host tools: installing ${missing[*]}"
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
