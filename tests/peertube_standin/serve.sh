#!/usr/bin/env bash
# Serves .cache/standin/ over HTTP on the docker bridge so test containers can download the
# release archives: serve.sh start|stop|url|status. Start is idempotent.
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
ROOT=${STANDIN_OUT:-$REPO/.cache/standin}
PIDFILE=$REPO/.cache/standin-serve.pid
LOGFILE=$REPO/.cache/standin-serve.log
PORT=${STANDIN_PORT:-8765}

bridge_ip() {
    local ip
    ip=$(docker network inspect bridge -f '{{range .IPAM.Config}}{{.Gateway}}{{end}}' 2>/dev/null || true)
    echo "${ip:-172.17.0.1}"
}

url() { echo "http://$(bridge_ip):$PORT"; }

running() {
    [ -s "$PIDFILE" ] && kill -0 "$(cat "$PIDFILE")" 2>/dev/null
}

case "${1:-}" in
    start)
        mkdir -p "$ROOT" "$(dirname "$PIDFILE")"
        # The served tree names itself, so a server left by another checkout on the same port
        # (other archives, another signing key) is noticed instead of silently used.
        echo "$ROOT" > "$ROOT/.serve-root"
        served=$(curl -fsS "$(url)/.serve-root" 2>/dev/null || true)
        if [ "$served" = "$ROOT" ]; then
            url
            exit 0
        elif [ -n "$served" ]; then
            echo "serve.sh: $(url) already serves $served; stop it (its serve.sh stop) first" >&2
            exit 1
        fi
        setsid python3 -m http.server "$PORT" --bind "$(bridge_ip)" --directory "$ROOT" \
            >"$LOGFILE" 2>&1 < /dev/null &
        echo $! > "$PIDFILE"
        for _ in $(seq 1 50); do
            curl -fsS -o /dev/null "$(url)/" 2>/dev/null && { url; exit 0; }
            sleep 0.1
        done
        echo "serve.sh: server did not answer on $(url), see $LOGFILE" >&2
        exit 1
        ;;
    stop)
        if running; then kill "$(cat "$PIDFILE")"; fi
        rm -f "$PIDFILE"
        ;;
    status)
        if running; then echo "running (pid $(cat "$PIDFILE")) on $(url)"; else echo stopped; exit 3; fi
        ;;
    url)
        url
        ;;
    *)
        echo "usage: $0 start|stop|status|url" >&2
        exit 2
        ;;
esac
