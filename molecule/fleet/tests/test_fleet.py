"""After the rolling upgrade that stopped at the second host: each host, and the run's output."""

import re

import pytest
from fleet import (
    BASE,
    FAULT,
    FROM,
    LOCK,
    TO,
    db_name,
    get_host,
    recap,
    run_log,
    served_version,
    state,
    summaries,
)


@pytest.fixture(scope="module")
def log():
    return run_log()


@pytest.fixture(scope="module")
def summary(log):
    return summaries(log)


def fields(lines):
    """The summary's "name: value" lines as a dict."""
    return dict(line.split(": ", 1) for line in lines if ": " in line)


def assert_backup_of_this_upgrade(st, name):
    backup = st["backups"][-1]
    assert (backup["from_version"], backup["to_version"]) == (FROM, TO)
    assert backup["db_name"] == db_name(name)
    return backup


def test_first_host_upgraded_and_recorded():
    host = get_host("peertube-fleet-1")
    st = state(host)
    assert served_version(host) == st["version"] == TO
    assert st["previous_version"] == FROM
    backup = assert_backup_of_this_upgrade(st, "peertube-fleet-1")
    assert host.file(backup["db_dump"]).is_file
    last = st["last_upgrade"]
    assert (last["from_version"], last["to_version"], last["backup"]) == (FROM, TO, backup["db_dump"])
    assert "hls-rename-4.0" in [m["id"] for m in st["migrations_done"]]
    assert host.file(f"{BASE}/peertube-latest").linked_to == f"{BASE}/versions/peertube-v{TO}"
    assert not host.file(LOCK).exists


def test_second_host_rolled_back():
    host = get_host("peertube-fleet-2")
    st = state(host)
    assert served_version(host) == st["version"] == FROM
    assert host.file(f"{BASE}/peertube-latest").linked_to == f"{BASE}/versions/peertube-v{FROM}"
    # The backup of the failed upgrade is recorded and the rollback restored it.
    backup = assert_backup_of_this_upgrade(st, "peertube-fleet-2")
    last = st["last_rollback"]
    assert (last["from_version"], last["to_version"], last["by_upgrade"]) == (TO, FROM, True)
    assert last["restored_dump"] == backup["db_dump"]
    assert last["failed_db"].startswith(db_name("peertube-fleet-2") + "_failed_")
    # Never verified, so never recorded as upgraded; the HLS rename it ran was reversed.
    assert "last_upgrade" not in st
    assert "hls-rename-4.0" not in [m["id"] for m in st.get("migrations_done", [])]
    assert "hls-rename-4.0" in [m["id"] for m in st["migrations_reverted"]]
    assert not st.get("rollback_pending")
    assert not host.file(LOCK).exists
    assert host.file(FAULT).exists


def test_third_host_untouched():
    host = get_host("peertube-fleet-3")
    st = state(host)
    assert served_version(host) == st["version"] == FROM
    assert not st.get("backups")
    assert "last_upgrade" not in st and "last_rollback" not in st
    assert host.run(f"ls {BASE}/backup | grep -E '^(sql-|upgrade-)'").stdout == ""
    assert not host.file(LOCK).exists
    assert not host.file(FAULT).exists


def test_run_stopped_before_the_third_host(log):
    hosts = recap(log)
    assert hosts["peertube-fleet-1"]["failed"] == 0, hosts
    assert hosts["peertube-fleet-2"]["failed"] == 1, hosts
    assert "peertube-fleet-3" not in hosts, hosts
    # Not even its facts were gathered: the third batch never started.
    assert "[peertube-fleet-3]" not in log


def test_second_host_failure_names_the_live_and_blames_the_host(log):
    assert f"UPGRADE {FROM} -> {TO} FAILED in 'Require a working live'" in log
    dump_prefix = f"{BASE}/backup/sql-{db_name('peertube-fleet-2')}-{FROM}-"
    assert f"rolled back to {FROM} (database restored from {dump_prefix}" in log
    assert "the host itself is at fault" in log


def test_summary_of_each_host_reached(summary):
    assert sorted(summary) == ["peertube-fleet-1", "peertube-fleet-2"]
    for name, ok in (("peertube-fleet-1", True), ("peertube-fleet-2", False)):
        lines = fields(summary[name])
        assert lines["host"] == f"{name}  action: upgrade  result: {'ok' if ok else 'FAILED'}"
        now = f"{FROM} -> {TO} (baremetal)" if ok else f"{FROM} -> {TO} FAILED, now {FROM} (baremetal)"
        assert lines["version"] == now
        assert lines["backup"].startswith(f"{BASE}/backup/sql-{db_name(name)}-{FROM}-")
        assert lines["backup"].endswith(f".dump ({FROM} -> {TO})")
        assert re.search(r"downtime: [0-9.]+ s$", lines["time"]), lines["time"]
    first = fields(summary["peertube-fleet-1"])
    rollback_command = "ansible-playbook fedops.peertube.rollback -i <inventory> -l peertube-fleet-1"
    assert first["to roll back"] == rollback_command
    assert "hls-rename-4.0" in first["migrations done"]
    assert first["verification"] == f"baseline live_check on {FROM} ok; target live_check ok"
    assert first["failure"] == "none"
    second = "\n".join(summary["peertube-fleet-2"])
    assert f"baseline live_check on {FROM} ok; target live_check FAILED muxing_failed" in second
    assert "after rollback live_check FAILED muxing_failed" in second
    assert "failure: Require a working live" in second
    assert "the host itself is at fault" in second
    assert f"to roll back: nothing to do, rolled back to {FROM} automatically" in second
