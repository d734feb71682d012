#!/usr/bin/env bash
# Benchmark of the docker_switch role on the molecule scenario's host (molecule/docker_switch):
# a bare-metal stand-in is prepared, then switched into docker while a poller inside the host
# asks http://127.0.0.1:9000/api/v1/ping every 100 ms. Prints `name: value` lines, headline last:
#   switch_run_s             wall time of the whole role run (image load included)
#   container_start_s        `systemctl restart peertube-docker` until the first pong
#   switch_downtime_recorded_s  the role's own measure (state last_downtime_s: bare metal stopped
#                            until its first pong of the container, polled every 2 s)
#   switch_downtime_s        longest run of failed pings during the switch (headline)
# The host is destroyed at the end. Needs the stand-in (make standin).
set -euo pipefail
cd "$(dirname "$0")/../.."
export PATH="$PWD/.venv/bin:$PATH" ANSIBLE_COLLECTIONS_PATH="$PWD/.cache/collections"
export ANSIBLE_FORCE_COLOR=false PY_COLORS=0
eval "$(tests/harness-env.sh)"
HOST=peertube-docker-switch
LOG=.cache/bench-docker_switch.log
mkdir -p .cache/apt-archives-docker_switch/partial
: >"$LOG"

cleanup() { molecule destroy -s docker_switch >>"$LOG" 2>&1 || true; }
trap cleanup EXIT

# One ping every 100 ms, a line per attempt: "<epoch seconds> <1 if pong else 0>".
POLLER='
import sys, time, urllib.request
out = open(sys.argv[1], "a", buffering=1)
while True:
    t = time.time()
    try:
        ok = urllib.request.urlopen("http://127.0.0.1:9000/api/v1/ping", timeout=0.5).read().strip() == b"pong"
    except Exception:
        ok = False
    out.write(f"{t:.3f} {int(ok)}\n")
    time.sleep(max(0.0, 0.1 - (time.time() - t)))
'
# Longest run of failures between the first and the last success, in seconds.
ANALYZE='
import sys
rows = [line.split() for line in open(sys.argv[1]) if line.strip()]
rows = [(float(t), ok == "1") for t, ok in rows]
oks = [i for i, (_, ok) in enumerate(rows) if ok]
if not oks:
    print("nan"); sys.exit(0)
worst, start = 0.0, None
for t, ok in rows[oks[0]:oks[-1] + 1]:
    if not ok and start is None:
        start = t
    elif ok and start is not None:
        worst, start = max(worst, t - start), None
print(f"{worst:.2f}")
'

echo "bench: preparing the bare-metal host (log: $LOG)" >&2
molecule destroy -s docker_switch >>"$LOG" 2>&1
molecule create -s docker_switch >>"$LOG" 2>&1
molecule prepare -s docker_switch >>"$LOG" 2>&1

docker exec "$HOST" rm -f /root/bench-ping.log
docker exec -d "$HOST" python3 -c "$POLLER" /root/bench-ping.log
echo "bench: switching into docker" >&2
t0=$(date +%s.%N)
molecule converge -s docker_switch >>"$LOG" 2>&1
t1=$(date +%s.%N)
docker exec "$HOST" pkill -f bench-ping.log || true
downtime=$(docker exec "$HOST" python3 -c "$ANALYZE" /root/bench-ping.log)
recorded=$(docker exec "$HOST" python3 -c '
import json
print(json.load(open("/etc/ansible/facts.d/peertube.fact")).get("last_downtime_s", "nan"))
')

start=$(docker exec "$HOST" python3 -c '
import subprocess, time, urllib.request
t = time.time()
subprocess.run(["systemctl", "restart", "peertube-docker"], check=True)
while True:
    try:
        if urllib.request.urlopen("http://127.0.0.1:9000/api/v1/ping", timeout=0.5).read().strip() == b"pong":
            break
    except Exception:
        pass
    if time.time() - t > 300:
        raise SystemExit("no pong after 300 s")
    time.sleep(0.1)
print(f"{time.time() - t:.2f}")
')

echo "switch_run_s: $(python3 -c "print(f'{$t1 - $t0:.1f}')")"
echo "container_start_s: $start"
echo "switch_downtime_recorded_s: $recorded"
echo "switch_downtime_s: $downtime"
