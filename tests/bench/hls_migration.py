#!/usr/bin/env python3
# Copyright: fedops.peertube contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Benchmark of the hls_migration role against the bare 4.0 script (make bench B=hls_migration).

On this host, in a throw-away tree under .cache/bench/hls_migration: a private PostgreSQL
cluster and Redis, the stand-in's 4.0.0 release (.cache/standin, `make standin`), N videos x 4
resolutions in the naming of videos made before 3.4 (tests/peertube_standin/seed_vods.py). Then,
each from the same seeded state (database cloned from a template, storage copied):
  1. the bare script, as an admin runs it: node dist/scripts/migrations/peertube-4.0.js
  2. the whole role through ansible-playbook (plan + script + complete + verify + record),
     timed from the role's start to its end by the play; ansible-playbook's start-up (paid once
     per playbook, however many roles it runs) is printed apart (hls_playbook_*)
  3. the reversal (tasks_from: reverse) right after 2, timed the same way.
and the peak RSS of the hls_rename module (plan, verify) at two sizes, to show it is flat.
Prints `name: value` lines, `hls_role_to_script_ratio: <value>` last. Exit 1 when a target is
missed (role <= 1.3 x script, reversal <= 1.0 x forward, peak RSS flat within 10 %).

Runs 1 and 2-3 alternate HLS_BENCH_ROUNDS (3) times; the fastest of each counts (the host is shared).
Env: HLS_BENCH_VIDEOS (10000), HLS_BENCH_SMALL (1000), HLS_BENCH_KEEP=1 keeps the tree and
services for inspection. Needs root, apt (postgresql, redis-server, nodejs, npm, ffmpeg,
python3-psycopg2, unzip are installed when missing) and the npm registry (release dependencies).
"""

from __future__ import annotations

import atexit
import glob
import json
import os
import pwd
import re
import shutil
import subprocess
import sys
import time
import zipfile

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
WORK = os.path.join(REPO, ".cache", "bench", "hls_migration")
VERSION = "4.0.0"
N = int(os.environ.get("HLS_BENCH_VIDEOS", "10000"))
N_SMALL = int(os.environ.get("HLS_BENCH_SMALL", "1000"))
ROUNDS = int(os.environ.get("HLS_BENCH_ROUNDS", "3"))
RESOLUTIONS = "240,360,480,720"
PG_PORT = 5498
REDIS_PORT = 6398
DB_PASSWORD = "bench-hls-not-secret"
BENCH_USER = "fedops-hls-bench"
CLUSTER = "fedops_hls_bench"
BASE = os.path.join(WORK, "peertube")
SEED_STORAGE = os.path.join(WORK, "seed-storage")
APT = ["postgresql", "redis-server", "nodejs", "ffmpeg", "python3-psycopg2", "unzip"]
SCRIPT = "dist/scripts/migrations/peertube-4.0.js"


def log(msg):
    print("# " + msg, file=sys.stderr, flush=True)


def read(path):
    with open(path, encoding="utf-8") as handle:
        return handle.read()


def run(cmd, **kw):
    kw.setdefault("check", True)
    return subprocess.run(cmd, **kw)


def psql(sql, db="postgres"):
    """Run one statement as the postgres superuser; returns its unaligned, header-less output."""
    return run(
        [
            "runuser",
            "-u",
            "postgres",
            "--",
            "psql",
            "-X",
            "-q",
            "-tA",
            "-p",
            str(PG_PORT),
            "-d",
            db,
            "-v",
            "ON_ERROR_STOP=1",
            "-c",
            sql,
        ],
        capture_output=True,
        text=True,
    ).stdout.strip()


def pg_version():
    if not os.path.isdir("/usr/lib/postgresql"):
        return None
    return sorted(os.listdir("/usr/lib/postgresql"), key=int)[-1]


def prerequisites():
    missing = [p for p in APT if run(["dpkg", "-s", p], capture_output=True, check=False).returncode != 0]
    if shutil.which("npm") is None:
        missing.append("npm")
    if missing:
        log("apt-get install " + " ".join(missing))
        run(["apt-get", "update", "-qq"])
        run(
            ["apt-get", "install", "-y", "-qq", "--no-install-recommends"] + missing,
            env=dict(os.environ, DEBIAN_FRONTEND="noninteractive"),
            stdout=subprocess.DEVNULL,
        )
    try:
        pwd.getpwnam(BENCH_USER)
    except KeyError:
        run(
            [
                "useradd",
                "--system",
                "--no-create-home",
                "--home-dir",
                BASE,
                "--shell",
                "/usr/sbin/nologin",
                BENCH_USER,
            ]
        )


def services():
    version = pg_version()
    clusters = run(["pg_lsclusters", "-h"], capture_output=True, text=True).stdout
    if not any(line.split()[:2] == [version, CLUSTER] for line in clusters.splitlines()):
        run(["pg_createcluster", version, CLUSTER, "--port", str(PG_PORT)], stdout=subprocess.DEVNULL)
    run(["pg_ctlcluster", version, CLUSTER, "start"], check=False)
    atexit.register(
        lambda: (
            os.environ.get("HLS_BENCH_KEEP")
            or run(["pg_dropcluster", "--stop", version, CLUSTER], check=False)
        )
    )
    os.makedirs(WORK, exist_ok=True)
    pidfile = os.path.join(WORK, "redis.pid")
    run(
        [
            "redis-server",
            "--port",
            str(REDIS_PORT),
            "--bind",
            "127.0.0.1",
            "--daemonize",
            "yes",
            "--save",
            "",
            "--appendonly",
            "no",
            "--pidfile",
            pidfile,
            "--logfile",
            os.path.join(WORK, "redis.log"),
        ]
    )

    def stop_redis():
        if os.environ.get("HLS_BENCH_KEEP"):
            return
        try:
            with open(pidfile) as handle:
                os.kill(int(handle.read().strip()), 15)
        except (OSError, ValueError):
            pass

    atexit.register(stop_redis)
    for _ in range(50):
        if run(["pg_isready", "-q", "-h", "127.0.0.1", "-p", str(PG_PORT)], check=False).returncode == 0:
            break
        time.sleep(0.2)


def release():
    """The stand-in 4.0.0 release unpacked as upgrade.sh leaves it, dependencies installed."""
    zip_path = os.path.join(
        REPO, ".cache", "standin", "download", "v" + VERSION, "peertube-v%s.zip" % VERSION
    )
    if not os.path.exists(zip_path):
        log("building the stand-in release " + VERSION)
        run(
            [os.path.join(REPO, "tests", "peertube_standin", "build.sh")],
            env=dict(os.environ, STANDIN_VERSIONS=VERSION, STANDIN_IMAGES="0"),
        )
    versions = os.path.join(BASE, "versions")
    target = os.path.join(versions, "peertube-v" + VERSION)
    stamp = os.path.join(target, ".bench-zip-mtime")
    mtime = str(os.stat(zip_path).st_mtime_ns)
    if not (os.path.exists(stamp) and read(stamp) == mtime):
        shutil.rmtree(target, ignore_errors=True)
        os.makedirs(versions, exist_ok=True)
        with zipfile.ZipFile(zip_path) as archive:
            archive.extractall(versions)
        run(
            [
                "npm",
                "install",
                "--omit=dev",
                "--no-audit",
                "--no-fund",
                "--ignore-scripts",
                "--loglevel=error",
            ],
            cwd=target,
            stdout=subprocess.DEVNULL,
        )
        with open(stamp, "w") as handle:
            handle.write(mtime)
    latest = os.path.join(BASE, "peertube-latest")
    if os.path.lexists(latest):
        os.unlink(latest)
    os.symlink("versions/peertube-v" + VERSION, latest)
    config = os.path.join(BASE, "config")
    os.makedirs(config, exist_ok=True)
    shutil.copy(os.path.join(target, "config", "default.yaml"), os.path.join(config, "default.yaml"))
    with open(os.path.join(config, "production.yaml"), "w") as handle:
        handle.write(
            "listen: {hostname: 127.0.0.1, port: 9098}\n"
            "webserver: {https: false, hostname: bench.invalid, port: 80}\n"
            "database: {hostname: 127.0.0.1, port: %d, suffix: _prod, username: peertube, password: '%s'}\n"
            "redis: {hostname: 127.0.0.1, port: %d}\n"
            "storage:\n"
            % (PG_PORT, DB_PASSWORD, REDIS_PORT)
            + "".join(
                "  %s: %s/storage/%s/\n" % (key, BASE, d)
                for key, d in (
                    ("tmp", "tmp"),
                    ("logs", "logs"),
                    ("streaming_playlists", "streaming-playlists"),
                    ("videos", "videos"),
                    ("torrents", "torrents"),
                )
            )
        )
    for path in (BASE, os.path.join(BASE, "backup")):
        os.makedirs(path, exist_ok=True)
    bench = pwd.getpwnam(BENCH_USER)
    os.chown(config, bench.pw_uid, bench.pw_gid)
    return target


def seed(target):
    """N legacy videos in database peertube_seed and tree seed-storage, once per N."""
    stamp = os.path.join(WORK, "seed.json")
    if os.path.exists(stamp) and json.loads(read(stamp)).get("videos") == N and os.path.isdir(SEED_STORAGE):
        exists = psql("SELECT 1 FROM pg_database WHERE datname = 'peertube_seed'")
        if exists == "1":
            return
    psql("DROP DATABASE IF EXISTS peertube_seed")
    psql("DROP DATABASE IF EXISTS peertube_prod")
    psql(
        "DO $$BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'peertube') THEN "
        "CREATE ROLE peertube LOGIN PASSWORD '%s'; END IF; END$$" % DB_PASSWORD
    )
    psql("CREATE DATABASE peertube_seed OWNER peertube TEMPLATE template0 ENCODING 'UTF8'")
    for ext in ("pg_trgm", "unaccent"):
        psql("CREATE EXTENSION IF NOT EXISTS %s" % ext, db="peertube_seed")
    # The release's own schema, as its first start would create it.
    js = (
        "const db=require('./dist/server/lib/db');"
        "(async()=>{const p=await db.connect({database:{hostname:'127.0.0.1',port:%d,username:'peertube',"
        "password:'%s',name:'peertube_seed'}});await db.migrateAndInstall(p,670);await p.end()})()"
        ".catch(e=>{console.error(e);process.exit(1)})" % (PG_PORT, DB_PASSWORD)
    )
    run(["node", "-e", js], cwd=target, stdout=subprocess.DEVNULL)
    psql(
        "INSERT INTO \"user\" (username, password, email) VALUES ('root', 'x', 'root@bench.invalid');"
        'INSERT INTO account (name, "userId") SELECT \'root\', id FROM "user";'
        'INSERT INTO "videoChannel" (name, "displayName", "accountId") '
        "SELECT 'root_channel', 'Main', id FROM account;",
        db="peertube_seed",
    )
    shutil.rmtree(SEED_STORAGE, ignore_errors=True)
    os.makedirs(SEED_STORAGE)
    log("seeding %d videos x %s" % (N, RESOLUTIONS))
    out = run(
        [
            sys.executable,
            os.path.join(REPO, "tests", "peertube_standin", "seed_vods.py"),
            "--count",
            str(N),
            "--naming",
            "legacy",
            "--resolutions",
            RESOLUTIONS,
            "--storage",
            SEED_STORAGE,
            "--owner",
            BENCH_USER,
            "--db-url",
            "postgresql://peertube:%s@127.0.0.1:%d/peertube_seed" % (DB_PASSWORD, PG_PORT),
        ],
        capture_output=True,
        text=True,
    ).stdout
    summary = json.loads(out.strip().splitlines()[-1])
    with open(stamp, "w") as handle:
        json.dump(summary, handle)


def reset(limit=None):
    """Fresh copy of the seeded state: database from the template, storage copied (the script
    rewrites masters in place, so hard-linked copies would not do)."""
    psql("DROP DATABASE IF EXISTS peertube_prod")
    psql("CREATE DATABASE peertube_prod OWNER peertube TEMPLATE peertube_seed")
    if limit is not None:
        psql(
            'DELETE FROM "videoFile" WHERE "videoStreamingPlaylistId" IN (SELECT p.id FROM '
            '"videoStreamingPlaylist" p WHERE p."videoId" > (SELECT min(id) + %d FROM video));'
            'DELETE FROM "videoStreamingPlaylist" WHERE "videoId" > (SELECT min(id) + %d FROM video);'
            "DELETE FROM video WHERE id > (SELECT min(id) + %d FROM video)" % ((limit - 1,) * 3),
            db="peertube_prod",
        )
    storage = os.path.join(BASE, "storage")
    shutil.rmtree(storage, ignore_errors=True)
    run(["cp", "-a", SEED_STORAGE, storage])
    shutil.rmtree(os.path.join(BASE, "backup"), ignore_errors=True)
    os.makedirs(os.path.join(BASE, "backup"))
    state = os.path.join(WORK, "peertube.fact")
    if os.path.exists(state):
        os.unlink(state)
    run(["sync"])


def timed(cmd, **kw):
    started = time.monotonic()
    proc = run(cmd, check=False, capture_output=True, text=True, **kw)
    elapsed = time.monotonic() - started
    if proc.returncode != 0:
        sys.stderr.write(proc.stdout[-6000:] + proc.stderr[-3000:])
        raise SystemExit("failed (%d): %s" % (proc.returncode, " ".join(cmd)))
    return elapsed, proc.stdout


def pending_count():
    pending = 'SELECT count(*) FROM "videoStreamingPlaylist" WHERE "playlistFilename" = \'master.m3u8\''
    return int(psql(pending, db="peertube_prod"))


def bare_script():
    bench = pwd.getpwnam(BENCH_USER)
    env = dict(os.environ, NODE_CONFIG_DIR=os.path.join(BASE, "config"), NODE_ENV="production")
    started = time.monotonic()
    proc = subprocess.run(
        ["node", SCRIPT],
        cwd=os.path.join(BASE, "peertube-latest"),
        env=env,
        user=bench.pw_uid,
        group=bench.pw_gid,
        extra_groups=[],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        check=False,
    )
    elapsed = time.monotonic() - started
    if proc.returncode != 0 or pending_count() != 0:
        raise SystemExit("bare script failed (%d): %s" % (proc.returncode, proc.stderr[-2000:]))
    return elapsed


def script_seconds_in_role():
    """How long the script ran inside the role: from its log's creation (the job opens it as it
    starts the script) to its exit-code marker. Role time minus this is what the role adds."""
    logs = glob.glob(os.path.join(BASE, "backup", "**", "peertube-4.0-*.log"), recursive=True)
    if len(logs) != 1:
        raise SystemExit("expected one script log under %s/backup, found %r" % (BASE, logs))
    out = run(["stat", "--format=%.6W %.6Y", logs[0], logs[0] + ".rc"], capture_output=True, text=True)
    (born, _log_mtime), (_rc_born, ended) = [map(float, line.split()) for line in out.stdout.splitlines()]
    if born <= 0:
        raise SystemExit("this filesystem does not record creation times (stat %W)")
    return ended - born


def ansible_files():
    extra = {
        "peertube_hosts": "localhost",
        "ansible_connection": "local",
        "ansible_python_interpreter": "/usr/bin/python3",
        "peertube_version": VERSION,
        "peertube_hostname": "bench.invalid",
        "peertube_release_sha256_url": True,
        "peertube_base_dir": BASE,
        "peertube_user": BENCH_USER,
        "peertube_group": BENCH_USER,
        "peertube_state_file": os.path.join(WORK, "peertube.fact"),
        "peertube_db_host": "127.0.0.1",
        "peertube_db_port": PG_PORT,
        "peertube_db_password": DB_PASSWORD,
        "peertube_hls_migration_poll_interval": 10,
    }
    vars_file = os.path.join(WORK, "vars.json")
    with open(vars_file, "w") as handle:
        json.dump(extra, handle)
    play = os.path.join(WORK, "play.yml")
    with open(play, "w") as handle:
        handle.write(
            # The role needs no facts (its input validation has the `data` scope). The clock
            # tasks time the role alone: ansible-playbook's own start-up is timed apart.
            "- name: HLS migration bench\n  hosts: localhost\n  gather_facts: false\n"
            "  tasks:\n"
            "    - name: Start the clock\n      ansible.builtin.set_fact:\n"
            '        bench_started: "{{ now().timestamp() }}"\n'
            "    - name: Role\n      ansible.builtin.include_role:\n"
            "        name: fedops.peertube.hls_migration\n"
            "        tasks_from: \"{{ bench_entry | default('main') }}\"\n"
            "    - name: Stop the clock\n      ansible.builtin.debug:\n"
            '        msg: "bench_role_seconds={{ now().timestamp() - bench_started | float }}"\n'
        )
    return play, vars_file


def playbook(play, vars_file, entry):
    env = dict(
        os.environ,
        ANSIBLE_COLLECTIONS_PATH=os.path.join(REPO, ".cache", "collections"),
        ANSIBLE_PIPELINING="true",
        ANSIBLE_FORCE_COLOR="false",
        ANSIBLE_NOCOLOR="1",
        # Where the time outside the script goes: the slowest tasks, printed with each run.
        ANSIBLE_CALLBACKS_ENABLED="ansible.posix.profile_tasks",
        PROFILE_TASKS_TASK_OUTPUT_LIMIT="8",
    )
    wall_s, out = timed(
        [
            os.path.join(os.path.dirname(sys.executable), "ansible-playbook"),
            "-i",
            "localhost,",
            play,
            "-e",
            "@" + vars_file,
            "-e",
            "bench_entry=" + entry,
        ],
        env=env,
        cwd=WORK,
    )
    match = re.search(r"bench_role_seconds=([0-9.]+)", out)
    if not match:
        raise SystemExit("the play printed no role time:\n" + out[-3000:])
    return float(match.group(1)), wall_s, out


def module_rss(mode):
    """Peak RSS (KiB) of the hls_rename module run on its own (AnsiballZ-free, same code)."""
    args = {
        "ANSIBLE_MODULE_ARGS": {
            "mode": mode,
            "manifest": os.path.join(BASE, "backup", "rss.jsonl"),
            "hls_dir": os.path.join(BASE, "storage", "streaming-playlists", "hls"),
            "login_host": "127.0.0.1",
            "login_port": PG_PORT,
            "login_password": DB_PASSWORD,
            "fail_on_problems": False,
            "_ansible_check_mode": mode == "plan",
        }
    }
    args_file = os.path.join(WORK, "rss-args.json")
    with open(args_file, "w") as handle:
        json.dump(args, handle)
    module = os.path.join(REPO, "plugins", "modules", "hls_rename.py")
    env = dict(os.environ, PYTHONPATH=os.path.join(REPO, ".cache", "collections"))
    proc = subprocess.Popen([sys.executable, module, args_file], stdout=subprocess.PIPE, env=env)
    out = proc.stdout.read()
    _pid, status, usage = os.wait4(proc.pid, 0)
    result = json.loads(out)
    if status != 0 or result.get("failed"):
        raise SystemExit("module %s failed: %s" % (mode, result.get("msg")))
    return usage.ru_maxrss


def main():
    if os.geteuid() != 0:
        raise SystemExit("run as root")
    prerequisites()
    services()
    target = release()
    seed(target)
    play, vars_file = ansible_files()
    figures = []

    # Alternate bare and role runs; the host is shared, so keep the best of each (least
    # disturbed) and print every sample.
    script_runs, role_runs, reverse_runs, playbook_runs, inner_runs = [], [], [], [], []
    for _round in range(ROUNDS):
        reset()
        script_runs.append(bare_script())
        reset()
        role_s, wall_s, out = playbook(play, vars_file, "main")
        playbook_runs.append(wall_s)
        log(
            "role run %.2f s (ansible-playbook %.2f s), slowest tasks:\n" % (role_s, wall_s)
            + out[out.rfind("TASKS RECAP") :].strip()
        )
        if pending_count() != 0 or "Verified %d videos" % N not in out:
            raise SystemExit("the role did not rename and verify every video:\n" + out[-3000:])
        role_runs.append(role_s)
        inner_runs.append(script_seconds_in_role())
        progress_lines = out.count("HLS rename running")
        reverse_s, _wall_s, out = playbook(play, vars_file, "reverse")
        if pending_count() != N:
            raise SystemExit("the reversal did not restore every playlist row:\n" + out[-3000:])
        reverse_runs.append(reverse_s)
    script_s, role_s, reverse_s = min(script_runs), min(role_runs), min(reverse_runs)
    figures.append(("hls_videos", N))
    figures.append(("hls_resolutions", len(RESOLUTIONS.split(","))))
    figures.append(("hls_rounds", ROUNDS))
    figures.append(("hls_bare_script_seconds_samples", " ".join("%.2f" % x for x in script_runs)))
    figures.append(("hls_role_seconds_samples", " ".join("%.2f" % x for x in role_runs)))
    figures.append(("hls_reverse_seconds_samples", " ".join("%.2f" % x for x in reverse_runs)))
    figures.append(("hls_bare_script_seconds", round(script_s, 2)))
    figures.append(("hls_role_seconds", round(role_s, 2)))
    # The same runs timed around the whole ansible-playbook command (its start-up included).
    figures.append(("hls_playbook_seconds_samples", " ".join("%.2f" % x for x in playbook_runs)))
    figures.append(("hls_playbook_to_script_ratio", round(min(playbook_runs) / script_s, 3)))
    # The script's own run inside each role run, and the rest: what the role adds (plan, start,
    # polls, complete, verify, record). The host's noise moves the script's time by seconds
    # from run to run; this difference, taken within one run, moves much less.
    figures.append(("hls_role_script_seconds_samples", " ".join("%.2f" % x for x in inner_runs)))
    overheads = [role - inner for role, inner in zip(role_runs, inner_runs)]
    figures.append(("hls_role_overhead_seconds_samples", " ".join("%.2f" % x for x in overheads)))
    figures.append(("hls_role_overhead_seconds", round(min(overheads), 2)))
    figures.append(("hls_role_progress_reports", progress_lines))
    figures.append(("hls_reverse_seconds", round(reverse_s, 2)))
    reverse_ratio = reverse_s / role_s
    figures.append(("hls_reverse_to_forward_ratio", round(reverse_ratio, 3)))

    rss = {}
    for size in (N_SMALL, N):
        reset(limit=size)
        rss[size] = max(module_rss("plan"), module_rss("verify"))
        figures.append(("hls_module_peak_rss_kib_%d" % size, rss[size]))
    rss_ratio = rss[N] / rss[N_SMALL]
    figures.append(("hls_module_rss_growth_ratio", round(rss_ratio, 3)))

    ratio = role_s / script_s
    figures.append(("hls_role_to_script_ratio", round(ratio, 3)))
    for name, value in figures:
        print("%s: %s" % (name, value))
    missed = []
    if ratio > 1.3:
        missed.append("role/script %.3f > 1.3" % ratio)
    if reverse_ratio > 1.0:
        missed.append("reverse/forward %.3f > 1.0" % reverse_ratio)
    if rss_ratio > 1.1:
        missed.append("module RSS grew %.3f x from %d to %d videos" % (rss_ratio, N_SMALL, N))
    if missed:
        log("targets missed: " + "; ".join(missed))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
