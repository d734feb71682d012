# Copyright: fedops.peertube contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""hls_rename module: argument handling, backend choice, check mode and failure reporting.

The database is the in-memory fake of test_hls (the real PostgreSQL runs in molecule).
"""

from __future__ import annotations

import importlib.util
import os
import pathlib
import threading
import time

import pytest
from ansible.module_utils.testing import patch_module_args
from module_harness import ExitJson, FailJson

from ansible_collections.fedops.peertube.plugins.module_utils import _hls
from ansible_collections.fedops.peertube.plugins.modules import hls_rename

# The fake database, the HLS tree seeder and the script imitation live in test_hls.py.
_spec = importlib.util.spec_from_file_location(
    "fedops_hls_test_helpers", os.path.join(os.path.dirname(__file__), "..", "module_utils", "test_hls.py")
)
_helpers = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_helpers)
FakeDb, run_script, seed = _helpers.FakeDb, _helpers.run_script, _helpers.seed


@pytest.fixture
def env(tmp_path, monkeypatch):
    db = FakeDb()
    db.close = lambda: None
    monkeypatch.setattr(hls_rename, "open_db", lambda module: db)
    hls_dir = tmp_path / "hls"
    hls_dir.mkdir()
    (tmp_path / "backup").mkdir()
    return db, str(hls_dir), str(tmp_path / "backup" / "m.jsonl")


def run(args, check=False):
    args = dict(args)
    if check:
        args["_ansible_check_mode"] = True
    with patch_module_args(args), pytest.raises((ExitJson, FailJson)) as info:
        hls_rename.main()
    return info.type is FailJson, info.value.args[0]


def planned(env, videos=1):
    """Seed ``videos`` legacy videos and plan them; returns the database, the HLS directory and
    the module arguments naming the manifest."""
    db, hls_dir, manifest = env
    for video_id in range(1, videos + 1):
        seed(db, hls_dir, video_id)
    args = {"manifest": manifest, "hls_dir": hls_dir}
    run(dict(args, mode="plan"))
    return db, hls_dir, args


def test_manifest_required_for_plan():
    failed, result = run({"mode": "plan"})
    assert failed and "manifest" in result["msg"]


def test_plan_check_mode_reports_counts_only(env):
    db, hls_dir, manifest = env
    for i in (1, 2):
        seed(db, hls_dir, i)
    failed, result = run({"mode": "plan", "manifest": manifest, "hls_dir": hls_dir}, check=True)
    assert not failed
    assert result["pending_videos"] == 2 and result["files"] == 12 and result["changed"] is False
    assert result["manifest"] == manifest and not os.path.exists(manifest)
    assert result["check_mode"] is True
    # counts and samples only: no per-file list in the output
    assert all(not isinstance(v, list) or len(v) <= 5 for v in result.values())


def test_full_cycle_through_the_module(env):
    db, hls_dir, manifest = env
    row = seed(db, hls_dir, 1)
    args = {"manifest": manifest, "hls_dir": hls_dir}
    failed, result = run(dict(args, mode="plan"))
    assert not failed and result["changed"] is True and os.path.exists(manifest)
    failed, result = run(dict(args, mode="verify"))
    assert failed and result["pending_videos"] == 1
    run_script(db, hls_dir)
    failed, result = run(dict(args, mode="complete"))
    assert not failed and result["renamed"] == 1
    failed, result = run(dict(args, mode="verify"))
    assert not failed and result["problems"] == 0 and result["changed"] is False
    failed, result = run({"mode": "reverse", "manifest": manifest})  # hls_dir from the manifest
    assert not failed and result["restored_videos"] == 1 and result["db_rows_restored"] == 1
    assert row.playlist_filename == "master.m3u8"
    failed, result = run({"mode": "reverse", "manifest": manifest})
    assert not failed and result["changed"] is False


def test_reverse_fails_when_files_are_lost(env):
    db, hls_dir, manifest = env
    row = seed(db, hls_dir, 1)
    _hls.plan(db, hls_dir, manifest)
    run_script(db, hls_dir)
    _hls.complete(db, hls_dir, manifest)
    os.unlink(os.path.join(hls_dir, row.uuid, row.uuid + "-240.m3u8"))
    failed, result = run({"mode": "reverse", "manifest": manifest})
    assert failed and result["incomplete_videos"] == 1


def test_verify_can_report_without_failing(env):
    db, hls_dir, manifest = env
    seed(db, hls_dir, 1)
    failed, result = run({"mode": "verify", "hls_dir": hls_dir, "fail_on_problems": False})
    assert not failed and result["problems"] == 1


def test_backend_choice(monkeypatch):
    seen = {}

    class Module(object):
        def __init__(self, **params):
            base = {
                "login_host": "",
                "login_port": 5432,
                "login_db": "peertube_prod",
                "login_user": "peertube",
                "login_password": "",
                "login_unix_user": "postgres",
                "db_backend": "auto",
            }
            base.update(params)
            self.params = base

        def get_bin_path(self, name, required=False):
            return "/usr/bin/" + name

    def psql_db(argv, env=None):
        seen["argv"], seen["env"] = argv, env
        return "psql"

    monkeypatch.setattr(hls_rename._hls, "PsqlDb", psql_db)
    monkeypatch.setattr(hls_rename, "psycopg2", None)
    monkeypatch.setattr(hls_rename.os, "geteuid", lambda: 0)
    # no psycopg2, no password: peer authentication as postgres
    assert hls_rename.open_db(Module()) == "psql"
    assert seen["argv"][:4] == ["/usr/bin/runuser", "-u", "postgres", "--"]
    # a password goes through the environment, never argv
    hls_rename.open_db(Module(login_host="127.0.0.1", login_password="s3cret"))
    assert "s3cret" not in " ".join(seen["argv"]) and seen["env"]["PGPASSWORD"] == "s3cret"
    assert "-h" in seen["argv"] and "runuser" not in seen["argv"][0]


def test_complete_with_verify_in_one_call(env):
    db, hls_dir, manifest = env
    row = seed(db, hls_dir, 1)
    args = {"manifest": manifest, "hls_dir": hls_dir}
    run(dict(args, mode="plan"))
    run_script(db, hls_dir)
    failed, result = run(dict(args, mode="complete", verify=True))
    assert not failed and result["renamed"] == 1
    assert result["verification"]["problems"] == 0 and result["verification"]["videos"] == 1
    os.unlink(os.path.join(hls_dir, row.uuid, row.playlist_filename))
    failed, result = run(dict(args, mode="complete", verify=True))
    assert failed and result["verification"]["problems"] == 1
    failed, result = run(dict(args, mode="complete", verify=True, fail_on_problems=False))
    assert not failed and result["verification"]["problems"] == 1


def release(tmp_path, version, script=True):
    directory = tmp_path / ("peertube-v" + version)
    (directory / "dist" / "scripts" / "migrations").mkdir(parents=True)
    (directory / "package.json").write_text('{"version": "%s"}' % version)
    if script:
        (directory / "dist" / "scripts" / "migrations" / "peertube-4.0.js").write_text("")
    return str(directory)


GATE = {"min_version": "4.0.0-rc.1", "script": "dist/scripts/migrations/peertube-4.0.js"}


def test_plan_below_min_version_touches_nothing(env, tmp_path, monkeypatch):
    db, hls_dir, manifest = env
    seed(db, hls_dir, 1)
    monkeypatch.setattr(hls_rename, "open_db", lambda module: pytest.fail("no database below 4.0"))
    args = dict(GATE, mode="plan", manifest=manifest, hls_dir=hls_dir, release_dir=release(tmp_path, "3.4.1"))
    failed, result = run(args)
    assert not failed and result["applies"] is False and result["version"] == "3.4.1"
    assert result["pending_videos"] == 0 and result["changed"] is False
    assert not os.path.exists(os.path.dirname(manifest) + "/m.jsonl")


def test_plan_from_version_reads_release_and_requires_script(env, tmp_path):
    db, hls_dir, manifest = env
    seed(db, hls_dir, 1)
    args = dict(GATE, mode="plan", manifest=manifest, hls_dir=hls_dir)
    failed, result = run(dict(args, release_dir=release(tmp_path, "4.0.0-rc.1")), check=True)
    assert not failed and result["applies"] is True and result["version"] == "4.0.0-rc.1"
    assert result["pending_videos"] == 1
    failed, result = run(dict(args, release_dir=release(tmp_path, "4.0.0", script=False)))
    assert failed and "has no dist/scripts/migrations/peertube-4.0.js" in result["msg"]
    assert not os.path.exists(manifest)
    # an explicit version (the upgrade role's target) wins over package.json
    failed, result = run(dict(args, release_dir=release(tmp_path, "4.1.0"), version="3.4.0"))
    assert not failed and result["applies"] is False and result["version"] == "3.4.0"


def test_plan_in_docker_mode_reads_the_state_not_the_host_release(env, tmp_path):
    db, hls_dir, manifest = env
    seed(db, hls_dir, 1)
    state = tmp_path / "peertube.fact"
    state.write_text('{"runtime": "docker", "version": "4.0.0", "hls_manifests": ["/old.jsonl"]}')
    # The host's release is an older bare-metal one without the script: irrelevant in docker mode.
    args = dict(
        GATE,
        mode="plan",
        manifest=manifest,
        hls_dir=hls_dir,
        state_file=str(state),
        runtime="auto",
        release_dir=release(tmp_path, "3.4.0", script=False),
    )
    failed, result = run(args, check=True)
    assert not failed, result
    assert result["runtime"] == "docker" and result["version"] == "4.0.0" and result["applies"] is True
    assert result["recorded_manifests"] == ["/old.jsonl"] and result["pending_videos"] == 1
    # runtime given: it wins over the state
    failed, result = run(dict(args, runtime="baremetal"), check=True)
    assert not failed and result["runtime"] == "baremetal" and result["applies"] is False
    # docker without a recorded version: refused with the variable to set
    state.write_text('{"runtime": "docker"}')
    failed, result = run(dict(args, release_dir=None), check=True)
    assert failed and "peertube_hls_migration_running_version" in result["msg"]
    # no state recorded: bare metal
    state.unlink()
    failed, result = run(dict(args, release_dir=release(tmp_path, "4.0.0")), check=True)
    assert not failed and result["runtime"] == "baremetal" and result["recorded_manifests"] == []
    state.write_text("[1]")
    failed, result = run(args, check=True)
    assert failed and "must hold a JSON object" in result["msg"]


def test_reverse_verifies_in_the_same_call(env, tmp_path):
    db, hls_dir, args = planned(env)
    manifest = args["manifest"]
    run_script(db, hls_dir)
    run(dict(args, mode="complete"))
    rev = {"mode": "reverse", "manifest": manifest, "verify": True, "expect_renamed": False}
    failed, result = run(rev, check=True)
    assert not failed and "verification" not in result and result["masters_restored"] == 1
    failed, result = run(dict(rev, release_dir=release(tmp_path, "3.4.0")))
    assert not failed and result["restored_videos"] == 1 and result["version"] == "3.4.0"
    assert result["verification"]["videos"] == 1 and result["verification"]["problems"] == 0
    assert result["hls_dir"] == hls_dir


def _state(path):
    import json

    return json.loads(path.read_text()) if path.exists() else {}


RECORD = {
    "id": "hls-rename-4.0",
    "version": "4.0.0",
    "result": {"files": 6, "log": "/l.log", "runtime": "baremetal"},
}


def script_log(tmp_path, rc, moved=1):
    """The output of a background run of the script, with its exit-code marker once it ended."""
    log = tmp_path / "backup" / "peertube-4.0.log"
    log.write_text("Migrate old HLS paths to new format.\n" + "Successfully moved HLS files of v.\n" * moved)
    marker = tmp_path / "backup" / "peertube-4.0.log.rc"
    if rc is None:
        if marker.exists():
            marker.unlink()
    else:
        marker.write_text("%s\n" % rc)
    return str(log)


def test_complete_records_a_successful_run_in_the_state(env, tmp_path):
    state = tmp_path / "peertube.fact"
    state.write_text('{"version": "4.0.0", "hls_manifests": ["/old.jsonl"]}')
    db, hls_dir, args = planned(env)
    manifest = args["manifest"]
    run_script(db, hls_dir)
    rec = dict(
        args, mode="complete", verify=True, fail_on_problems=False, state_file=str(state), record=RECORD
    )
    log = script_log(tmp_path, 0)
    failed, result = run(dict(rec, script_log=log), check=True)
    assert not failed and result["failures"] == [] and result["recorded"] is False and result["changed"]
    assert "migrations_done" not in _state(state)  # check mode wrote nothing
    failed, result = run(dict(rec, script_log=log))
    assert not failed and result["failures"] == [] and result["recorded"] is True
    assert result["script"] == {
        "status": "done",
        "rc": "0",
        "moved": 1,
        "last": "Successfully moved HLS files of v.",
    }
    st = _state(state)
    assert st["hls_manifests"] == ["/old.jsonl", manifest] and st["version"] == "4.0.0"
    (entry,) = st["migrations_done"]
    assert entry["id"] == "hls-rename-4.0" and entry["version"] == "4.0.0" and entry["manifest"] == manifest
    assert entry["result"] == {
        "files": 6,
        "log": "/l.log",
        "runtime": "baremetal",
        "renamed": 1,
        "verified_videos": 1,
        "preexisting_broken": 0,
    }
    assert entry["time"].endswith("Z")


def test_complete_records_only_the_manifest_of_a_failed_run(env, tmp_path):
    state = tmp_path / "peertube.fact"
    db, hls_dir, args = planned(env, videos=2)
    manifest = args["manifest"]
    run_script(db, hls_dir, only={1})
    rec = dict(
        args, mode="complete", verify=True, fail_on_problems=False, state_file=str(state), record=RECORD
    )
    failed, result = run(dict(rec, script_log=script_log(tmp_path, 1)))
    # The module reports; the role's assert fails the play.
    assert not failed and result["recorded"] is False
    assert result["failures"] == [
        "The HLS rename script exited with 1.",
        "The HLS rename script left 1 videos with master.m3u8.",
        "1 problems after the rename, e.g. %s still named master.m3u8." % db.rows[1].uuid,
    ]
    assert _state(state) == {"hls_manifests": [manifest]}
    # No exit code past the deadline (stalled), one pending video accepted (its files were
    # missing before the run)
    stalled = dict(rec, script_log=script_log(tmp_path, None), script_deadline=1, allowed_pending=1)
    failed, result = run(stalled)
    assert result["script"]["status"] == "stalled" and result["script"]["rc"] is None
    assert (
        result["failures"][0] == "The HLS rename script left no exit code." and len(result["failures"]) == 2
    )
    assert _state(state) == {"hls_manifests": [manifest]} and result["changed"] is False


def test_record_needs_complete_with_verify_a_state_file_and_the_script_log(env, tmp_path):
    _db, hls_dir, manifest = env
    args = {"mode": "complete", "manifest": manifest, "hls_dir": hls_dir, "record": RECORD}
    failed, result = run(args)
    assert failed and "script_log" in result["msg"]
    failed, result = run(dict(args, script_log=script_log(tmp_path, 0)))
    assert failed and "record needs mode=complete, verify=true and state_file" in result["msg"]


def test_complete_reports_a_running_script_and_changes_nothing(env, tmp_path):
    state = tmp_path / "peertube.fact"
    db, hls_dir, args = planned(env)
    manifest = args["manifest"]
    before = pathlib.Path(manifest).read_text()
    run_script(db, hls_dir)
    log = script_log(tmp_path, None, moved=3)
    rec = dict(args, mode="complete", verify=True, state_file=str(state), record=RECORD, script_log=log)
    failed, result = run(dict(rec, wait_seconds=0))
    assert not failed and result["changed"] is False
    assert result["script"] == {
        "status": "running",
        "rc": None,
        "moved": 3,
        "last": "Successfully moved HLS files of v.",
    }
    assert "renamed" not in result and pathlib.Path(manifest).read_text() == before and not state.exists()


def test_complete_goes_on_as_soon_as_the_script_ends(env, tmp_path):
    db, hls_dir, args = planned(env)
    run_script(db, hls_dir)
    log = script_log(tmp_path, None)
    ends = threading.Timer(0.3, pathlib.Path(log + ".rc").write_text, args=("0\n",))
    ends.start()
    started = time.monotonic()
    failed, result = run(dict(args, mode="complete", script_log=log, wait_seconds=60))
    ends.join()
    assert not failed and result["script"]["status"] == "done" and result["renamed"] == 1
    assert time.monotonic() - started < 60  # it did not sit out the whole wait


def test_script_log_belongs_to_complete(env, tmp_path):
    _db, hls_dir, manifest = env
    failed, result = run({"mode": "verify", "hls_dir": hls_dir, "script_log": script_log(tmp_path, 0)})
    assert failed and result["msg"] == "script_log needs mode=complete"
