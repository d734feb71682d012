#!/usr/bin/env python3
"""Benchmark of the upgrade role's downtime and of the automatic rollback's recovery time.

Prints figures (no timed assertions), headline last: `upgrade_downtime_ratio: <value>`.

On a throw-away systemd container started from the fixture image "3.4.0 installed"
(fedops/peertube-fixture:peertube-3.4.0, `make fixtures`) and prepared by
molecule/upgrade/prepare.yml (seeded VODs), a poller inside the container
requests https://peertube.test/api/v1/config through nginx every 20 ms; downtime is the total
time of failed polls. For each of 5 pairs:
  restart   `systemctl restart peertube` on 3.4.0
  upgrade   the upgrade role 3.4.0 -> 3.4.1 (release already staged after the first pair, so
            the measured run is what an operator sees), then the rollback role back to 3.4.0
            (not measured)
upgrade_downtime_ratio = median(upgrade downtime) / median(restart downtime) over the 5 pairs.

Recovery: the upgrade to 3.4.1 with a release that reports another version (verification
fails); time from the first poll that sees that version (verification fails right after) to
the first poll that sees 3.4.0 again, versus the documented manual way back: stop, `pg_restore
-c -C -d postgres <dump>`, start, until ping.
Usage: tests/bench/upgrade.py [--pairs N] [--keep]   (make bench B=upgrade)
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
NAME = "peertube-bench-upgrade"
FROM, TO = "3.4.0", "3.4.1"
RELEASE = f"/var/www/peertube/versions/peertube-v{TO}"
FIXTURE = "fedops/peertube-fixture:peertube-3.4.0"

POLLER = r"""
import json, socket, ssl, sys, time
ctx = ssl.create_default_context(cafile="/etc/ssl/peertube/peertube.test.crt")
req = b"GET /api/v1/config HTTP/1.1\r\nHost: peertube.test\r\nConnection: close\r\n\r\n"
out = open(sys.argv[1], "w", buffering=1)
while True:
    t = time.time()
    version = None
    try:
        with socket.create_connection(("127.0.0.1", 443), timeout=1) as raw:
            with ctx.wrap_socket(raw, server_hostname="peertube.test") as s:
                s.sendall(req)
                data = b""
                while True:
                    chunk = s.recv(65536)
                    if not chunk:
                        break
                    data += chunk
        head, _, body = data.partition(b"\r\n\r\n")
        if head.startswith(b"HTTP/1.1 200"):
            if b"transfer-encoding: chunked" in head.lower():
                body = body.split(b"\r\n", 1)[1].rsplit(b"\r\n0\r\n", 1)[0]
            version = json.loads(body)["serverVersion"]
    except Exception:
        pass
    out.write(json.dumps([t, version]) + "\n")
    time.sleep(max(0, 0.02 - (time.time() - t)))
"""


def sh(cmd, check=True, **kw):
    return subprocess.run(cmd, check=check, text=True, capture_output=True, **kw)


def dexec(*args, check=True):
    return sh(["docker", "exec", NAME, *args], check=check)


def log(msg):
    print(f"# {msg}", file=sys.stderr, flush=True)


class Lab:
    def __init__(self):
        self.tmp = Path(tempfile.mkdtemp(prefix="bench-upgrade-"))
        inv = self.tmp / "inventory"
        inv.mkdir()
        (inv / "hosts.yml").write_text(
            json.dumps({"peertube": {"hosts": {NAME: {"ansible_connection": "community.docker.docker"}}}})
        )
        (inv / "group_vars").symlink_to(ROOT / "molecule" / "upgrade" / "group_vars")
        self.inventory = inv
        self.env = dict(
            os.environ,
            MOLECULE_PROJECT_DIRECTORY=str(ROOT),
            ANSIBLE_COLLECTIONS_PATH=str(ROOT / ".cache" / "collections"),
            ANSIBLE_PIPELINING="true",
            ANSIBLE_FORCE_COLOR="false",
        )

    def playbook(self, path, extra=None, check=True):
        cmd = ["ansible-playbook", "-i", str(self.inventory), str(path)]
        if extra:
            cmd += ["--extra-vars", json.dumps(extra)]
        res = subprocess.run(cmd, text=True, capture_output=True, env=self.env, check=False)
        if check and res.returncode != 0:
            sys.exit(f"{path} failed:\n{res.stdout[-4000:]}\n{res.stderr[-2000:]}")
        return res

    def role(self, role, extra=None, check=True):
        play = [{"hosts": "peertube", "gather_facts": True, "roles": [{"role": f"fedops.peertube.{role}"}]}]
        path = self.tmp / f"{role}.yml"
        path.write_text(json.dumps(play))
        return self.playbook(path, extra, check)

    def create(self):
        sh(["docker", "rm", "-f", NAME], check=False)
        cgroupns = os.environ.get("MOLECULE_CGROUPNS_MODE", "host")
        sh([
            "docker", "run", "-d", "--name", NAME, "--cap-add", "SYS_ADMIN", "--cap-add", "NET_ADMIN",
            "--security-opt", "seccomp=unconfined", f"--cgroupns={cgroupns}",
            "--tmpfs", "/run", "--tmpfs", "/run/lock", "--tmpfs", "/tmp:exec",
            "-v", "/sys/fs/cgroup:/sys/fs/cgroup:rw",
            "-v", f"{ROOT}/.cache/apt-archives:/var/cache/apt/archives:rw",
            "--stop-signal", "SIGRTMIN+3", FIXTURE, "/lib/systemd/systemd",
        ])  # fmt: skip
        dexec("sh", "-c", f"cat > /usr/local/bin/bench-poller.py <<'EOF'\n{POLLER}\nEOF")

    def destroy(self):
        sh(["docker", "rm", "-f", NAME], check=False)

    def poll(self, action):
        """Runs action() while polling; returns the poll records [(t, version|None)] up to the
        first successful poll after the action (PeerTube listens some time after systemctl returns)."""
        out = "/tmp/bench-poll.jsonl"
        pid = dexec(
            "sh",
            "-c",
            f"rm -f {out}; nohup python3 /usr/local/bin/bench-poller.py {out} >/dev/null 2>&1 & echo $!",
        )
        time.sleep(0.5)
        try:
            action()
            end = time.time()
            for _ in range(600):
                recs = [json.loads(x) for x in dexec("cat", out).stdout.splitlines() if x.strip()]
                if any(t > end and v for t, v in recs):
                    break
                time.sleep(0.2)
        finally:
            dexec("kill", pid.stdout.strip(), check=False)
        recs = [json.loads(x) for x in dexec("cat", out).stdout.splitlines() if x.strip()]
        return recs


def downtime(records):
    """Total seconds of failed polls (each failed poll counts until the next poll)."""
    total = 0.0
    for (t, v), (t2, _) in zip(records, records[1:]):
        if v is None:
            total += t2 - t
    return total


def first_after(records, pred, start=0.0):
    return next((t for t, v in records if t >= start and pred(v)), None)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--pairs", type=int, default=5)
    ap.add_argument("--keep", action="store_true", help="keep the container")
    args = ap.parse_args()
    lab = Lab()
    sh([str(ROOT / "tests" / "peertube_standin" / "serve.sh"), "start"])
    log("creating and preparing the container (install role, 3.4.0)")
    lab.create()
    try:
        lab.playbook(ROOT / "molecule" / "upgrade" / "prepare.yml")
        quick = {
            "peertube_version": TO,
            "peertube_upgrade_verify_live": False,
            "peertube_rollback_verify_live": False,
        }
        back = {"peertube_version": TO, "peertube_rollback_verify_live": False}
        restarts, upgrades = [], []
        for i in range(args.pairs):
            recs = lab.poll(lambda: dexec("systemctl", "restart", "peertube"))
            # systemctl returns before PeerTube listens: wait for the poller to see it again.
            restarts.append(downtime(recs))
            recs = lab.poll(lambda: lab.role("upgrade", quick))
            assert recs[-1][1] == TO, recs[-5:]
            upgrades.append(downtime(recs))
            log(f"pair {i + 1}: restart {restarts[-1]:.3f} s, upgrade {upgrades[-1]:.3f} s")
            lab.role("rollback", back)
        # Recovery after a failed verification.
        dexec(
            "sed",
            "-i",
            f's/"version": "{TO}"/"version": "{TO}-tampered"/',
            f"{RELEASE}/dist/server/build-info.json",
        )
        t0 = time.time()
        recs = lab.poll(lambda: lab.role("upgrade", quick, check=False))
        total_run = time.time() - t0
        dexec(
            "sed",
            "-i",
            f's/"version": "{TO}-tampered"/"version": "{TO}"/',
            f"{RELEASE}/dist/server/build-info.json",
        )
        seen_bad = first_after(recs, lambda v: v == f"{TO}-tampered")
        back_ok = first_after(recs, lambda v: v == FROM, seen_bad or 0)
        recovery = (back_ok - seen_bad) if seen_bad and back_ok else float("nan")
        dump = json.loads(dexec("cat", "/etc/ansible/facts.d/peertube.fact").stdout)["backups"][-1]["db_dump"]
        # Upstream's documented way back (the dump is root's: read through stdin). pg_restore
        # exits 1 on mere warnings, so PeerTube is started whatever it says, and that is logged.
        manual_cmd = (
            f"systemctl stop peertube; runuser -u postgres -- pg_restore --clean --if-exists --create"
            f" -d postgres < {dump}; rc=$?; systemctl start peertube; exit $rc"
        )
        manual_run = []
        recs = lab.poll(lambda: manual_run.append(dexec("sh", "-c", manual_cmd, check=False)))
        if manual_run[0].returncode:
            log(f"pg_restore exited {manual_run[0].returncode}: {manual_run[0].stderr.strip()[-600:]}")
        # The manual way counts from the stop until the poller sees PeerTube again.
        manual = downtime(recs)
        med_r, med_u = statistics.median(restarts), statistics.median(upgrades)
        print(f"restart_downtime_s_median: {med_r:.3f}")
        print(f"upgrade_downtime_s_median: {med_u:.3f}")
        print(f"restart_downtime_s: {' '.join(f'{x:.3f}' for x in restarts)}")
        print(f"upgrade_downtime_s: {' '.join(f'{x:.3f}' for x in upgrades)}")
        print(f"failed_upgrade_run_s: {total_run:.1f}")
        print(f"recovery_after_failed_verification_s: {recovery:.3f}")
        print(f"manual_restart_plus_pg_restore_s: {manual:.3f}")
        print(f"recovery_ratio: {recovery / manual if manual else float('nan'):.3f}")
        print(f"upgrade_downtime_ratio: {med_u / med_r if med_r else float('nan'):.3f}")
    finally:
        if not args.keep:
            lab.destroy()
    return 0


if __name__ == "__main__":
    sys.exit(main())
