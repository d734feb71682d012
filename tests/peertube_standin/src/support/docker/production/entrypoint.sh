#!/bin/sh
# Stand-in entrypoint, behaving like the official image's: seed /config, refresh the files the
# release owns, give /config to peertube; when the command is node and we are root, hand every
# path under /data not owned by peertube to it (the slow walk admins trip over), then drop
# privileges. Started with --user, none of the ownership work happens.
set -eu

if [ -z "$(ls -A /config 2>/dev/null)" ]; then
    cp /app/support/docker/production/config/production.yaml /config/
fi
cp /app/config/default.yaml /app/support/docker/production/config/custom-environment-variables.yaml /config/
if [ "$(id -u)" = 0 ]; then
    find /config ! -user peertube -exec chown peertube:peertube {} +
fi

case "${1:-}" in
    -*) set -- node "$@" ;;
esac

if [ "${1:-}" = node ] && [ "$(id -u)" = 0 ]; then
    find /data ! -user peertube -exec chown peertube:peertube {} +
    exec gosu peertube "$0" "$@"
fi

exec "$@"
